/**
 * Bad input goes to the dead-letter topic with its original bytes, where it came from and why;
 * the valid events around it are clustered as if it had never been there. That includes a
 * poison event (the engine itself fails on it), which is quarantined so that re-deriving the
 * engine after a restart skips it the same way.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { DLQ_HEADERS } from '../../src/adapters/kafka/dead-letter-sink.ts';
import type { FetchedMessage } from '../../src/adapters/kafka/messages.ts';
import type { OutgoingMessage } from '../../src/adapters/kafka/producer.ts';
import { frame } from '../../src/adapters/kafka/wire-format.ts';
import { openSqliteStore } from '../../src/adapters/sqlite/store.ts';
import { STORE_FILE } from '../../src/cli/store-dir.ts';
import { createEngine, restoreEngine, type CampaignEngine } from '../../src/domain/engine.ts';
import type { Engine } from '../../src/domain/engine-api.ts';
import { identityEventToWire } from '../../src/domain/validate.ts';
import type { EngineFactory } from '../../src/pipeline/engine-factory.ts';
import { simulateFixture } from '../../src/sim/scenario.ts';
import { requireServices } from '../support/services.ts';
import {
  allMessages, createTestTopics, embeddedMembership, header, IdentityProducer, NOISE_FLOOR, partitionOf, readStore,
  readTopic, startTestPipeline, tempStoreDir, testKafka, testTopics, unique, waitUntilDone,
} from './support/kafka-test-kit.ts';

/** A real engine that fails, like an engine bug would, on events whose id starts with `poison-`. */
function poisonous(engine: CampaignEngine): Engine {
  return {
    applyBatch(events, range) {
      const bad = events.find((e) => e.event.event_id.startsWith('poison-'));
      if (bad !== undefined) throw new TypeError(`cannot read properties of undefined (simulated engine bug on ${bad.event.event_id})`);
      return engine.applyBatch(events, range);
    },
    membership: () => engine.membership(),
    status: () => engine.status(),
    snapshot: () => engine.snapshot(),
  };
}
const poisonousEngines: EngineFactory = {
  profile: 'default@1',
  requested: true,
  withProfile: () => poisonousEngines,
  create: () => poisonous(createEngine()),
  restore: (s) => poisonous(restoreEngine(s)),
};

describe('dead-letter topic', { timeout: 120_000 }, () => {
  let kafka: Kafka;
  let brokers: string;
  let registryUrl: string;
  const store = tempStoreDir();
  const topics = testTopics('dlq');
  const valid = simulateFixture(NOISE_FLOOR, 3).emitted.events;
  const sent = new Map<string, Buffer | null>();
  const expectCode = new Map<string, string>();
  let letters: FetchedMessage[] = [];

  before(async () => {
    const s = await requireServices(['kafka', 'registry']);
    brokers = s.kafkaBrokers!;
    registryUrl = s.registryUrl!;
    kafka = testKafka(brokers);
    await createTestTopics(kafka, topics, 3);
    const producer = IdentityProducer.create(kafka, registryUrl, topics.identity);
    const observed = identityEventToWire(valid[0]) as unknown as Record<string, unknown>;
    const bad: Array<[string, string, Buffer | null]> = [
      ['short-frame', 'undecodable', Buffer.from([0, 1])],
      ['unknown-schema', 'unknown_schema', frame(987_654_321, Buffer.from('not avro'))],
      ['bad-time', 'bad_time', await producer.value({ ...observed, event_id: 'bad-time', time: '2026-13-45T99:00:00Z' }, 'avro-v2')],
      ['not-json', 'invalid_json', Buffer.from('{not json')],
      ['no-event-id', 'schema', Buffer.from(JSON.stringify({ ...observed, event_id: undefined }))],
      ['self-merge', 'merge_cycle', Buffer.from(JSON.stringify({ type: 'identity.merged', event_id: 'self-merge', time: '2026-01-01T00:00:00Z', winner_uuid: 'x', loser_uuid: 'x' }))],
      ['poison', 'poison', await producer.value({ ...observed, event_id: 'poison-1', identity_uuid: 'poison-identity', version: 1 }, 'avro-v2')],
      ['tombstone', 'undecodable', null],
    ];
    const messages: OutgoingMessage[] = [];
    for (let i = 0; i < valid.length; i++) {
      const e = valid[i];
      messages.push({ key: e.identity_uuid, value: await producer.value(identityEventToWire(e) as unknown as Record<string, unknown>, 'avro-v2'), headers: {} });
      const b = bad[i % 8 === 0 ? i / 8 : -1];
      if (b !== undefined) {
        messages.push({ key: b[0], value: b[2], headers: { 'x-origin': 'test' } });
        sent.set(b[0], b[2]);
        expectCode.set(b[0], b[1]);
      }
    }
    for (const b of bad) assert.ok(sent.has(b[0]), `every bad message is sent (${b[0]})`);
    await producer.sendRaw(messages);
    await producer.close();

    const running = await startTestPipeline({ brokers, registryUrl, topics, store: store.dir, group: unique('dlq'), batchSize: 10, engines: poisonousEngines });
    try {
      await waitUntilDone(running, store.dir, messages.length);
    } finally {
      await running.stop();
    }
    letters = allMessages(await readTopic(kafka, topics.deadLetter));
  });

  after(() => store.remove());

  it('dead-letters every bad message once per delivery, with the original key, bytes and headers', () => {
    const byKey = new Map<string, FetchedMessage>();
    for (const m of letters) byKey.set(m.key!.toString(), m);
    assert.deepEqual([...byKey.keys()].sort(), [...sent.keys()].sort());
    for (const [key, m] of byKey) {
      const original = sent.get(key)!;
      assert.deepEqual(m.value, original === null ? null : original, `${key}: original bytes`);
      assert.equal(header(m, 'x-origin'), 'test', `${key}: original headers kept`);
    }
  });

  it('names the reason, code and source coordinates in the dlq headers', async () => {
    const source = allMessages(await readTopic(kafka, topics.identity));
    for (const m of letters) {
      const key = m.key!.toString();
      assert.equal(header(m, DLQ_HEADERS.code), expectCode.get(key), `${key}: code`);
      assert.ok((header(m, DLQ_HEADERS.reason) ?? '').length > 0, `${key}: reason`);
      assert.equal(header(m, DLQ_HEADERS.topic), topics.identity);
      const partition = Number(header(m, DLQ_HEADERS.partition));
      const offset = Number(header(m, DLQ_HEADERS.offset));
      const original = source.find((s) => s.offset === offset && s.key?.toString() === key);
      assert.ok(original, `${key}: ${partition}@${offset} is where it was read`);
    }
    const poison = letters.find((m) => m.key!.toString() === 'poison')!;
    assert.match(header(poison, DLQ_HEADERS.reason)!, /simulated engine bug/);
    assert.equal(header(poison, DLQ_HEADERS.eventId), 'poison-1');
  });

  it('clusters the valid events exactly as the embedded run does', async () => {
    const view = await readStore(store.dir);
    assert.deepEqual(partitionOf(view.membership), partitionOf(embeddedMembership(valid)));
  });

  it('re-derives the engine from the topic after a restart, skipping the quarantined poison again', async () => {
    const before = await readStore(store.dir);
    const s = openSqliteStore(path.join(store.dir, STORE_FILE));
    await s.snapshots.clear(); // force re-deriving every batch from the topic
    s.close();
    const notices: string[] = [];
    const running = await startTestPipeline({ brokers, registryUrl, topics, store: store.dir, group: unique('dlq-restart'), batchSize: 10, engines: poisonousEngines, notices });
    try {
      await waitUntilDone(running, store.dir, 0);
      assert.equal(running.pipeline.health.role, 'active');
    } finally {
      await running.stop();
    }
    assert.ok(notices.some((n) => new RegExp(`re-derived ${before.batches.length}/${before.batches.length} batches`).test(n)), notices.join(' | '));
    const after = await readStore(store.dir);
    assert.deepEqual(after.events, before.events);
    assert.equal(allMessages(await readTopic(kafka, topics.deadLetter)).length, letters.length, 'nothing dead-lettered again');
  });
});
