/**
 * kafkajs logs through this creator: one line per entry on stderr, and only at WARN and ERROR
 * (kafkajs INFO narrates every join and fetch; at that volume a real warning gets lost).
 * stdout stays free for a command's own output.
 */
import { logLevel, type logCreator, type LogEntry } from 'kafkajs';

export interface LineSink {
  write(line: string): unknown;
}

const LEVEL_NAME: Record<number, string> = {
  [logLevel.ERROR]: 'ERROR',
  [logLevel.WARN]: 'WARN',
  [logLevel.INFO]: 'INFO',
  [logLevel.DEBUG]: 'DEBUG',
};

/** Fields kafkajs adds to every entry that say nothing the message does not. */
const NOISE = new Set(['timestamp', 'logger', 'message', 'level', 'stack']);

/**
 * Protocol answers kafkajs logs as ERROR although they are part of normal operation and it
 * retries them itself: every rebalance answers heartbeats with REBALANCE_IN_PROGRESS, a
 * broker that just started is still loading its coordinators, and a transactional id taken
 * over from a member that died mid-transaction answers CONCURRENT_TRANSACTIONS until the
 * coordinator has aborted that transaction (`campaigns repartition`).
 */
const ROUTINE = /group is rebalancing|coordinator is loading|not the correct coordinator|There is no leader for this topic-partition|another concurrent operation on the same transaction/i;

/**
 * The same answer to a transactional send, which kafkajs retries and logs as a failed send: a
 * transaction begun right after a commit meets the coordinator still writing that commit's markers.
 */
const CONCURRENT_TRANSACTIONS = /another concurrent operation on the same transaction/i;

export function stderrLogCreator(sink: LineSink = process.stderr): logCreator {
  return () => ({ namespace, level, log }: LogEntry) => {
    if (namespace === 'Connection' && typeof log.error === 'string' && ROUTINE.test(log.error)) return;
    if (namespace === 'Producer' && CONCURRENT_TRANSACTIONS.test(log.message)) return;
    const extras = Object.entries(log)
      .filter(([k, v]) => !NOISE.has(k) && v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    sink.write(`${new Date().toISOString()} kafkajs ${LEVEL_NAME[level] ?? level} [${namespace}] ${log.message}${extras ? ' ' + extras : ''}\n`);
  };
}

export { logLevel };
