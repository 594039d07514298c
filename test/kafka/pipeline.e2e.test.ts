/**
 * End to end on real Kafka + Apicurio: a simulated fixture published to the identity topic
 * (Avro and NDJSON values, three partitions, keyed by identity) comes out of the pipeline with
 * the membership of the embedded run, a log that an embedded engine reproduces byte for byte
 * from the recorded batches, and every event and row on the output topics.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { eventKey, rowToWire } from '../../src/adapters/kafka/campaign-messages.ts';
import { rowsChangedAfter } from '../../src/pipeline/kafka/published-rows.ts';
import { tablesFromRows } from '../../src/domain/tables.ts';
import { simulateFixture } from '../../src/sim/scenario.ts';
import { requireServices } from '../support/services.ts';
import {
  allMessages, createTestTopics, decodeOutput, embeddedMembership, header, IdentityProducer, NOISE_FLOOR, partitionOf,
  readStore, readTopic, replayRecordedBatches, startTestPipeline, tempStoreDir, testKafka, testTopics, unique, waitUntilDone,
} from './support/kafka-test-kit.ts';

describe('Kafka pipeline end to end', { timeout: 120_000 }, () => {
  let brokers: string;
  let registryUrl: string;
  let kafka: Kafka;
  const store = tempStoreDir();
  const topics = testTopics('e2e');
  const sim = simulateFixture(NOISE_FLOOR, 7);
  let storeView: Awaited<ReturnType<typeof readStore>>;

  before(async () => {
    const s = await requireServices(['kafka', 'registry']);
    brokers = s.kafkaBrokers!;
    registryUrl = s.registryUrl!;
    kafka = testKafka(brokers);
    await createTestTopics(kafka, topics, 3);
    const producer = IdentityProducer.create(kafka, registryUrl, topics.identity);
    // Both value formats on one topic: Avro through the registry, and NDJSON lines.
    await producer.send(sim.emitted.events, (i) => (i % 3 === 2 ? 'ndjson' : 'avro-v2'));
    await producer.close();

    const running = await startTestPipeline({ brokers, registryUrl, topics, store: store.dir, group: unique('e2e'), batchSize: 8 });
    try {
      await waitUntilDone(running, store.dir, sim.emitted.events.length);
    } finally {
      await running.stop();
    }
    storeView = await readStore(store.dir);
  });

  after(() => store.remove());

  it('produces the membership of the embedded run over the same events', () => {
    assert.ok(storeView.membership.length > 0);
    assert.deepEqual(partitionOf(storeView.membership), partitionOf(embeddedMembership(sim.emitted.events)));
  });

  it('records each batch input range, contiguous per partition, and consumes every message once', () => {
    assert.ok(storeView.batches.length > 3, `expected several batches, got ${storeView.batches.length}`);
    const next = new Map<string, number>();
    for (const b of storeView.batches) {
      assert.equal(b.segments.length, 1);
      const [s] = b.segments;
      assert.match(s.source, new RegExp(`^${topics.identity.replace(/\./g, '\\.')}/\\d$`));
      assert.equal(s.start.offset, next.get(s.source) ?? 0, `batch ${b.index} starts where the previous batch of ${s.source} ended`);
      next.set(s.source, s.end.offset);
      assert.equal(b.range.from, `${s.source}:${s.start.offset}`);
      assert.equal(b.range.to, `${s.source}:${s.end.offset}`);
    }
    assert.equal(storeView.batches.reduce((n, b) => n + b.input_count, 0), sim.emitted.events.length);
  });

  it('writes a log that an embedded engine reproduces byte for byte from the recorded batches', async () => {
    const replayed = await replayRecordedBatches(kafka, registryUrl, topics.identity, storeView.batches);
    assert.deepEqual(replayed, storeView.events.map((e) => JSON.stringify(e)));
  });

  it('publishes every event on the events topic keyed by campaign, Avro with CloudEvents headers', async () => {
    const messages = allMessages(await readTopic(kafka, topics.events));
    const byId = new Map(storeView.events.map((e) => [e.event_id, e]));
    const seen = new Set<string>();
    for (const m of messages) {
      const id = header(m, 'ce_id')!;
      const logged = byId.get(id);
      assert.ok(logged, `published id ${id} is in the log`);
      seen.add(id);
      assert.equal(header(m, 'ce_type'), logged.type);
      assert.equal(header(m, 'ce_time'), logged.time);
      assert.equal(header(m, 'ce_source'), 'campaign-stream/test');
      assert.equal(header(m, 'ce_sequence'), String(logged.sequence));
      assert.equal(m.key?.toString(), eventKey(logged));
      assert.deepEqual(await decodeOutput(registryUrl, m.value!, 'event'), logged);
    }
    assert.equal(seen.size, storeView.events.length, 'no event id is missing from the topic');
  });

  it('keeps the per-identity topic and the compacted table topic equal to the store', async () => {
    const latest = <T>(ms: ReturnType<typeof allMessages>, f: (m: (typeof ms)[number]) => T) => {
      const out = new Map<string, T>();
      for (const m of [...ms].sort((a, b) => a.offset - b.offset)) out.set(m.key!.toString(), f(m));
      return out;
    };
    const tables = tablesFromRows(storeView.rows, storeView.tablesSequence);
    const assignments = latest(allMessages(await readTopic(kafka, topics.assignments)), (m) => m.value);
    for (const [identity, value] of assignments) {
      assert.ok(value !== null, `${identity} was not removed, so it has no tombstone`);
      const e = await decodeOutput(registryUrl, value, 'event');
      assert.equal(e.type, 'identity.campaign.assigned');
      assert.equal(tables.identities.get(identity), (e.payload as { campaign_uuid: string }).campaign_uuid);
    }
    assert.equal(assignments.size, tables.identities.size);

    const table = latest(allMessages(await readTopic(kafka, topics.table)), (m) => m.value!);
    const expected = rowsChangedAfter(tables, 0);
    assert.equal(table.size, expected.length);
    for (const r of expected) {
      assert.deepEqual(await decodeOutput(registryUrl, table.get(r.row.uuid)!, 'row'), rowToWire(r));
    }
  });
});

describe('Kafka pipeline without a schema registry', { timeout: 90_000 }, () => {
  const store = tempStoreDir();
  after(() => store.remove());

  it('takes NDJSON in, publishes JSON out, and tombstones an identity that leaves every campaign', async () => {
    const { kafkaBrokers } = await requireServices(['kafka']);
    const kafka = testKafka(kafkaBrokers!);
    const topics = testTopics('json');
    await createTestTopics(kafka, topics, 2);
    const observed = simulateFixture(NOISE_FLOOR, 19).emitted.events;
    const embedded = embeddedMembership(observed);
    const leaver = embedded[0].identity_uuid;
    const retire = { type: 'identity.retired' as const, event_id: 'retire-1', time: observed[observed.length - 1].time + 60, identity_uuid: leaver };
    const producer = IdentityProducer.create(kafka, null, topics.identity);
    const running = await startTestPipeline({ brokers: kafkaBrokers!, registryUrl: null, topics, store: store.dir, group: unique('json'), batchSize: 20 });
    try {
      await producer.send(observed, () => 'ndjson');
      await waitUntilDone(running, store.dir, observed.length);
      // Retired in a later batch than its observations: it was a member, now it leaves.
      await producer.send([retire], () => 'ndjson');
      await waitUntilDone(running, store.dir, observed.length + 1);
    } finally {
      await running.stop();
      await producer.close();
    }
    const view = await readStore(store.dir);
    assert.ok(view.events.some((e) => e.type === 'campaign.identity.removed' && e.payload.identity_uuid === leaver));
    assert.ok(!view.membership.some((m) => m.identity_uuid === leaver));

    const published = allMessages(await readTopic(kafka, topics.events));
    assert.equal(new Set(published.map((m) => header(m, 'ce_id'))).size, view.events.length);
    for (const m of published) {
      assert.equal(header(m, 'content-type'), 'application/json');
      assert.deepEqual(JSON.parse(m.value!.toString()), view.events.find((e) => e.event_id === header(m, 'ce_id')));
    }
    const last = new Map<string, Buffer | null>();
    for (const m of allMessages(await readTopic(kafka, topics.assignments)).sort((a, b) => a.offset - b.offset)) last.set(m.key!.toString(), m.value);
    assert.equal(last.get(leaver), null, 'the leaver has a tombstone');
    assert.equal([...last.values()].filter((v) => v !== null).length, view.membership.length);
  });
});
