/**
 * kafkajs' read-committed filter, as fixed by scripts/kafkajs-fix.mjs (the package's postinstall).
 * kafkajs 2.2.4 assumed the broker lists a fetch's aborted transactions by first offset; the
 * broker lists them in the order their abort markers were written, so records of a transaction
 * that started first but was aborted later were handed to read-committed consumers (seen: the
 * repartition kill test read a fenced member's aborted records as output). Every consumer here
 * reads committed input through this code: the pipeline, the topic reader, the repartitioner.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';

const require = createRequire(import.meta.url);

interface RawMessage {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly isControlRecord: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}
interface AbortedTransaction { readonly producerId: string; readonly firstOffset: string }
type BatchCtor = new (topic: string, fetchedOffset: string, data: {
  partition: number; highWatermark: string; abortedTransactions: AbortedTransaction[]; messages: RawMessage[];
}) => { messages: RawMessage[] };
const Batch = require('kafkajs/src/consumer/batch.js') as BatchCtor;

// A control record's key: version 0, then type 0 (abort) or 1 (commit).
const ABORT_KEY = Buffer.from([0, 0, 0, 0]);
const COMMIT_KEY = Buffer.from([0, 0, 0, 1]);

type Op =
  | { readonly kind: 'send'; readonly producer: number }
  | { readonly kind: 'plain' }
  | { readonly kind: 'end'; readonly producer: number; readonly commit: boolean };

interface Log {
  readonly messages: RawMessage[];
  /** Every aborted transaction, with the offset of its abort marker. */
  readonly aborted: Array<AbortedTransaction & { readonly markerOffset: number }>;
  /** Offsets of the records a read-committed consumer must get. */
  readonly visible: number[];
}

/** Writes a partition the way a broker does: transactional records, plain records, markers. */
function writeLog(ops: readonly Op[]): Log {
  const messages: RawMessage[] = [];
  const aborted: Log['aborted'] = [];
  const open = new Map<number, number[]>(); // producer -> offsets of its open transaction's records
  const fate = new Map<number, boolean>(); // offset -> committed?
  const append = (m: Omit<RawMessage, 'offset'>): number => {
    messages.push({ ...m, offset: String(messages.length) });
    return messages.length - 1;
  };
  for (const op of ops) {
    if (op.kind === 'plain') {
      fate.set(append({ key: null, value: Buffer.from('plain'), isControlRecord: false, batchContext: { producerId: '-1', inTransaction: false } }), true);
    } else if (op.kind === 'send') {
      const offset = append({ key: null, value: Buffer.from(`p${op.producer}`), isControlRecord: false, batchContext: { producerId: String(op.producer), inTransaction: true } });
      open.set(op.producer, [...(open.get(op.producer) ?? []), offset]);
    } else {
      const records = open.get(op.producer);
      if (records === undefined) continue;
      open.delete(op.producer);
      const marker = append({ key: op.commit ? COMMIT_KEY : ABORT_KEY, value: null, isControlRecord: true, batchContext: { producerId: String(op.producer), inTransaction: true } });
      for (const o of records) fate.set(o, op.commit);
      if (!op.commit) aborted.push({ producerId: String(op.producer), firstOffset: String(records[0]!), markerOffset: marker });
    }
  }
  // A fetch returns records below the last stable offset only (the first record of a transaction
  // still open), and lists every aborted transaction that overlaps them, markers above it included.
  const stable = Math.min(messages.length, ...[...open.values()].map((r) => r[0]!));
  return {
    messages: messages.slice(0, stable),
    aborted: aborted.filter((a) => Number(a.firstOffset) < stable),
    visible: [...fate].filter(([o, committed]) => committed && o < stable).map(([o]) => o).sort((a, b) => a - b),
  };
}

/** What a read-committed consumer gets from a fetch at `from` whose response lists `aborted` in that order. */
function fetchFrom(log: Log, from: number, aborted: readonly AbortedTransaction[]): number[] {
  const batch = new Batch('t', String(from), {
    partition: 0, highWatermark: String(log.messages.length), abortedTransactions: [...aborted], messages: log.messages,
  });
  return batch.messages.map((m) => Number(m.offset));
}

describe('read-committed fetches (kafkajs, patched)', () => {
  it('drops the records of aborted transactions whatever order the broker lists them in', () => {
    // p1 starts first and is aborted last: the broker lists p2's abort before p1's.
    const log = writeLog([
      { kind: 'send', producer: 1 }, { kind: 'send', producer: 1 }, { kind: 'plain' },
      { kind: 'send', producer: 2 }, { kind: 'end', producer: 2, commit: false },
      { kind: 'end', producer: 1, commit: false }, { kind: 'send', producer: 1 }, { kind: 'end', producer: 1, commit: true },
    ]);
    const markerOrder = [...log.aborted].sort((a, b) => a.markerOffset - b.markerOffset);
    assert.deepEqual(markerOrder.map((a) => a.producerId), ['2', '1'], 'the scenario lists the later-started transaction first');
    assert.deepEqual(fetchFrom(log, 0, markerOrder), [2, 6]);
  });

  it('drops the records of aborted transactions that started before the fetched offset', () => {
    const log = writeLog([
      // Fetched from offset 2, a record of p2: both aborted transactions started before it.
      { kind: 'send', producer: 1 }, { kind: 'send', producer: 2 }, { kind: 'send', producer: 2 }, { kind: 'send', producer: 1 },
      { kind: 'end', producer: 1, commit: false }, { kind: 'end', producer: 2, commit: false }, { kind: 'plain' },
    ]);
    assert.deepEqual(fetchFrom(log, 2, log.aborted), [6]);
  });

  it('hands over exactly the committed and plain records from any fetch position, aborted transactions listed in any order', () => {
    const op = fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: 1, max: 4 }).map((producer): Op => ({ kind: 'send', producer })) },
      { weight: 1, arbitrary: fc.constant<Op>({ kind: 'plain' }) },
      { weight: 2, arbitrary: fc.record({ producer: fc.integer({ min: 1, max: 4 }), commit: fc.boolean() }).map((e): Op => ({ kind: 'end', ...e })) },
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), fc.nat(), fc.nat(), (ops, start, seed) => {
      const log = writeLog(ops);
      const from = log.messages.length === 0 ? 0 : start % log.messages.length;
      // The broker lists the aborted transactions whose marker is at or after the fetch offset.
      const listed = log.aborted.filter((a) => a.markerOffset >= from);
      const shuffled = fc.sample(fc.shuffledSubarray(listed, { minLength: listed.length }), { seed, numRuns: 1 })[0]!;
      assert.deepEqual(fetchFrom(log, from, shuffled), log.visible.filter((o) => o >= from));
    }), { numRuns: 2_000 });
  });
});
