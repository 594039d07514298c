/**
 * The group member against a real broker: kafkajs does not restart a consumer after an error it
 * calls non-retriable, and some of those only mean a broker is restarting (it throws
 * KafkaJSGroupCoordinatorNotFound while the coordinator moves). The member must rejoin by itself
 * then, but not after a non-retriable error of the batch handler: that is the pipeline's to judge.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type Kafka } from 'kafkajs';
import { GroupConsumer, type PartitionBatch } from '../../src/adapters/kafka/group-consumer.ts';
import { StoreError } from '../../src/ports/errors.ts';
import { requireServices, waitFor } from '../support/services.ts';
import { testKafka, unique } from './support/kafka-test-kit.ts';

describe('group consumer', { timeout: 90_000 }, () => {
  let kafka: Kafka;
  const topic = unique('group-consumer');

  before(async () => {
    const s = await requireServices(['kafka']);
    kafka = testKafka(s.kafkaBrokers!);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: ['a', 'b', 'c'].map((value) => ({ value })) });
    await producer.disconnect();
  });

  /** A member whose handler throws `failure()` on its first batch, then reads and commits. */
  function member(failure: () => Error) {
    const crashes: Array<{ code: string; willRestart: boolean }> = [];
    const seen: string[] = [];
    let thrown = false;
    const groupId = unique('gc');
    const consumer = new GroupConsumer(kafka, { groupId, topic, sessionTimeoutMs: 6_000, maxWaitTimeMs: 100 });
    const started = consumer.start({
      onAssignment: (partitions) => { for (const p of partitions) consumer.seek(p, 0); },
      onBatch: async (batch: PartitionBatch, control) => {
        if (!thrown) {
          thrown = true;
          throw failure();
        }
        for (const m of batch.messages) seen.push(m.value?.toString() ?? '');
        await control.commit(batch.lastOffset + 1);
      },
      onCrash: (e, willRestart) => { crashes.push({ code: e.code, willRestart }); },
    });
    return { consumer, started, crashes, seen, groupId };
  }

  it('rejoins after a non-retriable kafkajs error and reads on from where it was', async () => {
    // The class kafkajs throws when it cannot find the group coordinator (a broker restarting).
    const NotFound = kafkajs.KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error;
    const m = member(() => new NotFound('Failed to find group coordinator'));
    try {
      await m.started;
      await waitFor(() => m.seen.length >= 3, { what: 'the messages after the rejoin', timeoutMs: 30_000 });
      assert.deepEqual(m.seen, ['a', 'b', 'c']);
      assert.equal(m.crashes[0]?.willRestart, true, 'the crash is reported as one the member recovers from');
    } finally {
      await m.consumer.stop();
    }
  });

  it('does not rejoin after a non-retriable error of its own batch handler: the crash is reported final', async () => {
    // What the pipeline throws when it must stop (kafkajs retries only errors it may retry).
    const m = member(() => new StoreError('store_corrupt', 'the tables reflect sequence 9, beyond the log head 7'));
    try {
      await m.started;
      await waitFor(() => m.crashes.length > 0, { what: 'the crash', timeoutMs: 30_000 });
      assert.deepEqual(m.crashes.map((c) => c.willRestart), [false]);
      // Out of the group, the member is assigned nothing and can read nothing more.
      const admin = kafka.admin();
      await admin.connect();
      try {
        await waitFor(async () => ['Empty', 'Dead'].includes((await admin.describeGroups([m.groupId])).groups[0].state), {
          what: 'the member to leave its group', timeoutMs: 30_000,
        });
      } finally {
        await admin.disconnect();
      }
      assert.deepEqual(m.seen, [], 'no batch after the crash');
      assert.deepEqual(m.crashes.map((c) => c.willRestart), [false], 'and no rejoin');
    } finally {
      await m.consumer.stop();
    }
  });
});
