/**
 * Producers on both schema versions share the identity topic: an old producer writes v1
 * (schemas/identity-event.v1.avsc: no tools/ja3/hassh, ttp by ATT&CK tactic only), a new one v2.
 * The pipeline decodes each message with the writer schema the registry holds for its id, so
 * both are consumed, and none is refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { unframe } from '../../src/adapters/kafka/wire-format.ts';
import type { IdentityEvent, IdentityObserved } from '../../src/domain/identity-events.ts';
import { TACTIC_TO_PHASE, type Phase } from '../../src/domain/phases.ts';
import { identityEventToWire } from '../../src/domain/validate.ts';
import { simulateFixture } from '../../src/sim/scenario.ts';
import type { OutgoingMessage } from '../../src/adapters/kafka/producer.ts';
import { requireServices } from '../support/services.ts';
import {
  allMessages, createTestTopics, embeddedMembership, IdentityProducer, NOISE_FLOOR, partitionOf, readStore, readTopic,
  startTestPipeline, tempStoreDir, testKafka, testTopics, unique, waitUntilDone,
} from './support/kafka-test-kit.ts';

/** A tactic per phase, where ATT&CK has one (the v1 wire has no other way to say a phase). */
const TACTIC_OF: Partial<Record<Phase, string>> = {};
for (const [tactic, phase] of Object.entries(TACTIC_TO_PHASE)) TACTIC_OF[phase] ??= tactic;

/** What a v1 producer can say of an event: no tools/ja3/hassh, phases only through a tactic. */
function asV1(e: IdentityObserved): { wire: Record<string, unknown>; seen: IdentityObserved } {
  const o = e.observation;
  const ttp = o.ttp.filter((t) => TACTIC_OF[t.phase] !== undefined);
  const seen: IdentityObserved = { ...e, observation: { ...o, ttp, tools: [], ja3: null, hassh: null } };
  const wire = identityEventToWire(seen) as unknown as { observation: { ttp: Array<Record<string, unknown>> } } & Record<string, unknown>;
  wire.observation.ttp = ttp.map((t) => ({ decky: t.decky, tactic: TACTIC_OF[t.phase], start: new Date(t.start * 1000).toISOString(), end: new Date(t.end * 1000).toISOString() }));
  return { wire, seen };
}

describe('schema evolution on the identity topic', { timeout: 90_000 }, () => {
  let kafka: Kafka;
  const store = tempStoreDir();
  const topics = testTopics('schemas');
  const events = simulateFixture(NOISE_FLOOR, 5).emitted.events;
  const expected: IdentityEvent[] = [];
  const schemaIds = new Set<number>();

  before(async () => {
    const { kafkaBrokers, registryUrl } = await requireServices(['kafka', 'registry']);
    kafka = testKafka(kafkaBrokers!);
    await createTestTopics(kafka, topics, 3);
    const producer = IdentityProducer.create(kafka, registryUrl!, topics.identity);
    const messages: OutgoingMessage[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      const old = i % 2 === 0;
      const { wire, seen } = old ? asV1(e) : { wire: identityEventToWire(e) as unknown as Record<string, unknown>, seen: e };
      expected.push(seen);
      const value = await producer.value(wire, old ? 'avro-v1' : 'avro-v2');
      const u = unframe(value);
      if (u.ok) schemaIds.add(u.schemaId);
      messages.push({ key: e.identity_uuid, value, headers: {} });
    }
    await producer.sendRaw(messages);
    await producer.close();
    const running = await startTestPipeline({ brokers: kafkaBrokers!, registryUrl: registryUrl!, topics, store: store.dir, group: unique('schemas'), batchSize: 16 });
    try {
      await waitUntilDone(running, store.dir, events.length);
    } finally {
      await running.stop();
    }
  });

  after(() => store.remove());

  it('registers the two versions under one subject with two schema ids', () => {
    assert.equal(schemaIds.size, 2);
  });

  it('consumes v1 and v2 values alike and refuses none', async () => {
    const view = await readStore(store.dir);
    assert.equal(view.batches.reduce((n, b) => n + b.input_count, 0), events.length);
    assert.deepEqual(allMessages(await readTopic(kafka, topics.deadLetter)), []);
  });

  it('clusters what each producer said exactly as the embedded run does', async () => {
    const view = await readStore(store.dir);
    assert.deepEqual(partitionOf(view.membership), partitionOf(embeddedMembership(expected)));
  });
});
