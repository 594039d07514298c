/**
 * The publisher thread's worker dying for real (out of memory) and being replaced, in a process
 * of its own: a heap limit given to a worker (`resourceLimits`) is overridden by a process-wide
 * `--max-old-space-size` (the test runner sets one through NODE_OPTIONS), so the test starts this
 * script without it. Prints one JSON line: what each publish did.
 *
 *   node --import tsx test/kafka/support/publisher-death-child.ts <events topic> <assignments topic> <table topic>
 */
import { ThreadedCampaignPublisher } from '../../../src/adapters/kafka/publisher-thread.ts';
import type { PublishedRow } from '../../../src/ports/publisher.ts';
import { campaignRun } from './campaign-runs.ts';

const [events, assignments, table] = process.argv.slice(2);
const publisher = await ThreadedCampaignPublisher.start({
  connection: { brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'publisher-death-child', logLevel: 'error' },
  messages: { topics: { events, assignments, table }, source: 'campaign-stream/test' },
  ids: null,
  resourceLimits: { maxOldGenerationSizeMb: 48 },
  maxConsecutiveDeaths: 2,
});
const run = campaignRun(40, 6);
// 300 MB of strings: far beyond the worker's 48 MB heap, so it dies taking the run in.
const huge: PublishedRow = { row: { ...run.rows[0].row, members: Array.from({ length: 300 }, (_, i) => `member-${i}-`.padEnd(1 << 20, 'x')) }, merged_members: [] };
const attempt = async (events: Parameters<typeof publisher.publish>[0], rows: readonly PublishedRow[]) => {
  const thread = publisher.threadId;
  try {
    await publisher.publish(events, rows);
    return { ok: true, thread, after: publisher.threadId };
  } catch (e) {
    const err = e as { code?: string; retriable?: boolean; message: string };
    return { ok: false, code: err.code, retriable: err.retriable, message: err.message, thread, after: publisher.threadId };
  }
};
const results = [];
results.push(await attempt([], [huge]));
results.push(await attempt(run.events, run.rows));
results.push(await attempt([], [huge]));
results.push(await attempt([], [huge]));
await publisher.close();
process.stdout.write(JSON.stringify({ events: run.events.length, results }) + '\n');
