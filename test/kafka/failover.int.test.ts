/**
 * One active member, hot standbys: the single-owner assigner gives every partition to one
 * member; when it leaves, a standby picks them all up, opens the store and continues the log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { GroupConsumer } from '../../src/adapters/kafka/group-consumer.ts';
import { simulateFixture } from '../../src/sim/scenario.ts';
import { requireServices, waitFor } from '../support/services.ts';
import {
  createTestTopics, embeddedMembership, IdentityProducer, NOISE_FLOOR, partitionOf, readStore, replayRecordedBatches,
  startTestPipeline, tempStoreDir, testKafka, testTopics, unique, waitUntilDone,
} from './support/kafka-test-kit.ts';

let brokers: string;
let registryUrl: string;
let kafka: Kafka;

before(async () => {
  const s = await requireServices(['kafka', 'registry']);
  brokers = s.kafkaBrokers!;
  registryUrl = s.registryUrl!;
  kafka = testKafka(brokers);
});

describe('single-owner partition assignment', { timeout: 60_000 }, () => {
  it('gives every partition to the first member; a standby takes them all when the owner leaves', async () => {
    const topics = testTopics('assign');
    await createTestTopics(kafka, topics, 3);
    const group = unique('assign');
    const members: GroupConsumer[] = [];
    const assignments = new Map<GroupConsumer, readonly number[]>();
    const join = async (): Promise<GroupConsumer> => {
      const c = new GroupConsumer(kafka, { groupId: group, topic: topics.identity, sessionTimeoutMs: 6_000, maxWaitTimeMs: 100 });
      members.push(c);
      await c.start({ onAssignment: (ps) => assignments.set(c, ps), onBatch: async () => {} });
      return c;
    };
    try {
      const first = await join();
      await waitFor(() => assignments.get(first)?.length === 3, { what: 'the first member to own all partitions' });
      const second = await join();
      const third = await join();
      await waitFor(() => assignments.has(second) && assignments.has(third), { what: 'the standbys to join', timeoutMs: 30_000 });
      assert.deepEqual(assignments.get(first), [0, 1, 2], 'the owner keeps everything when standbys join');
      assert.deepEqual(assignments.get(second), []);
      assert.deepEqual(assignments.get(third), []);

      await first.stop();
      await waitFor(() => (assignments.get(second)?.length ?? 0) + (assignments.get(third)?.length ?? 0) === 3,
        { what: 'a standby to take over', timeoutMs: 30_000 });
      const owners = [second, third].filter((c) => (assignments.get(c)?.length ?? 0) > 0);
      assert.equal(owners.length, 1, 'exactly one member owns the partitions');
      assert.deepEqual(assignments.get(owners[0]), [0, 1, 2]);
      assert.equal(owners[0], second, 'the longest-lived standby takes over');
    } finally {
      for (const c of members) await c.stop();
    }
  });
});

describe('pipeline failover', { timeout: 120_000 }, () => {
  const store = tempStoreDir();
  after(() => store.remove());

  it('a standby holds nothing until the owner stops, then restores from the store and continues the log', async () => {
    const topics = testTopics('failover');
    await createTestTopics(kafka, topics, 3);
    const group = unique('failover');
    const events = simulateFixture(NOISE_FLOOR, 11).emitted.events;
    const thirds = [events.slice(0, 22), events.slice(22, 44), events.slice(44)];
    const producer = IdentityProducer.create(kafka, registryUrl, topics.identity);
    const bNotices: string[] = [];
    const a = await startTestPipeline({ brokers, registryUrl, topics, store: store.dir, group, batchSize: 5 });
    let b: Awaited<ReturnType<typeof startTestPipeline>> | null = null;
    try {
      await producer.send(thirds[0]);
      await waitUntilDone(a, store.dir, thirds[0].length);
      b = await startTestPipeline({ brokers, registryUrl, topics, store: store.dir, group, batchSize: 5, notices: bNotices });
      await waitFor(() => b!.pipeline.health.role === 'standby', { what: 'the second member to be a standby', timeoutMs: 30_000 });
      assert.equal(a.pipeline.health.role, 'active');
      assert.equal(b.pipeline.health.report().ready, true, 'a connected standby is ready');

      await producer.send(thirds[1]);
      await waitUntilDone(a, store.dir, thirds[0].length + thirds[1].length);
      await a.stop();
      await waitFor(() => b!.pipeline.health.role === 'active', { what: 'the standby to take over', timeoutMs: 30_000 });
      await producer.send(thirds[2]);
      await waitUntilDone(b, store.dir, events.length);
    } finally {
      await a.stop();
      await b?.stop();
      await producer.close();
    }
    const view = await readStore(store.dir);
    assert.deepEqual(view.batches.map((x) => x.index), view.batches.map((_, i) => i + 1), 'one gap-free log across both owners');
    assert.equal(view.batches.reduce((n, x) => n + x.input_count, 0), events.length, 'every message consumed once');
    assert.deepEqual(partitionOf(view.membership), partitionOf(embeddedMembership(events)));
    assert.deepEqual(await replayRecordedBatches(kafka, registryUrl, topics.identity, view.batches), view.events.map((e) => JSON.stringify(e)));
    const resumed = bNotices.map((n) => /resuming after batch (\d+)/.exec(n)?.[1]).find((x) => x !== undefined);
    assert.ok(resumed !== undefined && Number(resumed) > 0, `the standby resumed the owner's log: ${bNotices.join(' | ')}`);
  });
});
