/**
 * A process that publishes one run through the publisher thread and then just returns from its
 * module: it must exit by itself (the idle worker keeps nothing alive), with or without close().
 *
 *   node --import tsx test/kafka/support/publisher-thread-child.ts <events topic> <assignments topic> <table topic> close|no-close
 */
import { ThreadedCampaignPublisher } from '../../../src/adapters/kafka/publisher-thread.ts';
import { campaignRun } from './campaign-runs.ts';

const [events, assignments, table, how] = process.argv.slice(2);
const publisher = await ThreadedCampaignPublisher.start({
  connection: { brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'publisher-thread-child', logLevel: 'error' },
  messages: { topics: { events, assignments, table }, source: 'campaign-stream/test' },
  ids: null,
});
const run = campaignRun(50, 3);
await publisher.publish(run.events, run.rows);
process.stdout.write(`published ${run.events.length}\n`);
if (how === 'close') await publisher.close();
