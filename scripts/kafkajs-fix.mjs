#!/usr/bin/env node
// postinstall: fixes kafkajs 2.2.4's read-committed filter wherever npm put kafkajs (this
// checkout's node_modules, or the application's when campaign-stream is installed as a
// dependency and kafkajs is hoisted beside it; patch-package patches only the root project's).
//
// kafkajs dropped a fetch's aborted records only if the broker listed the aborted transactions by
// first offset; the broker lists them in the order their abort markers were written, so a
// transaction that began before another and was aborted after it reached read-committed
// consumers. The fix sorts them by first offset (as the Java consumer's priority queue does) and
// steps into every transaction that started at or before a record. test/kafka/read-committed.unit.test.ts
// holds it; docs/KAFKA.md says why. Idempotent; never fails an install (it says what it could not do).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const MARK = '// campaign-stream: aborted transactions sorted by first offset';

const BEFORE = `  const remainingAbortedTransactions = [...abortedTransactions]

  return messages.filter(message => {
    // If the message offset is GTE the first offset of the next aborted transaction
    // then we have stepped into an aborted transaction.
    if (`;

const AFTER = `  ${MARK} (the broker lists them in abort-marker order)
  const remainingAbortedTransactions = [...abortedTransactions].sort((a, b) =>
    Long.fromValue(a.firstOffset).compare(Long.fromValue(b.firstOffset))
  )

  return messages.filter(message => {
    // If the message offset is GTE the first offset of the next aborted transaction
    // then we have stepped into an aborted transaction (several may start before a fetch).
    while (`;

let file;
try {
  file = createRequire(import.meta.url).resolve('kafkajs/src/consumer/filterAbortedMessages.js');
} catch {
  console.warn('campaign-stream: kafkajs not found; its read-committed fix was not applied');
  process.exit(0);
}
const source = readFileSync(file, 'utf8');
if (source.includes(MARK)) process.exit(0);
if (!source.includes(BEFORE)) {
  console.warn(`campaign-stream: ${file} is not the kafkajs 2.2.4 this fix is for; read-committed consumers may see aborted records (docs/KAFKA.md)`);
  process.exit(0);
}
writeFileSync(file, source.replace(BEFORE, AFTER));
