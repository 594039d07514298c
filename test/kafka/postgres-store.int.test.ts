/**
 * The pipeline on a PostgreSQL store (`--store postgres://…`): the owner holds the store's
 * writer lock (an advisory lock) for as long as it owns the topic, and a standby that takes over
 * continues the same log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { isStoreError } from '../../src/ports/errors.ts';
import { openKafkaStore } from '../../src/cli/commands/pipeline.ts';
import { simulateFixture } from '../../src/sim/scenario.ts';
import { requireServices, waitFor } from '../support/services.ts';
import {
  createTestTopics, embeddedMembership, IdentityProducer, NOISE_FLOOR, partitionOf, readStore, replayRecordedBatches,
  startTestPipeline, testKafka, testTopics, unique, waitUntilDone,
} from './support/kafka-test-kit.ts';

describe('pipeline on a PostgreSQL store', { timeout: 120_000 }, () => {
  let databaseUrl: string;
  const schema = `kafka_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let store: string;

  before(async () => {
    databaseUrl = (await requireServices(['kafka', 'registry', 'postgres'])).databaseUrl!;
    store = `${databaseUrl}?schema=${schema}`;
  });

  after(async () => {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  it('hands the store from the owner to the standby and continues one log', async () => {
    const { kafkaBrokers, registryUrl } = await requireServices(['kafka', 'registry']);
    const kafka = testKafka(kafkaBrokers!);
    const topics = testTopics('pg');
    await createTestTopics(kafka, topics, 3);
    const events = simulateFixture(NOISE_FLOOR, 17).emitted.events;
    const producer = IdentityProducer.create(kafka, registryUrl!, topics.identity);
    const group = unique('pg');
    const options = { brokers: kafkaBrokers!, registryUrl: registryUrl!, topics, store, group, batchSize: 6 };
    const a = await startTestPipeline(options);
    let b: Awaited<ReturnType<typeof startTestPipeline>> | null = null;
    try {
      await producer.send(events.slice(0, 30));
      await waitUntilDone(a, store, 30);
      await assert.rejects(openKafkaStore(store), (e: unknown) => isStoreError(e) && e.code === 'store_busy' && e.retriable,
        'a second writer is locked out while the owner holds the store');
      b = await startTestPipeline(options);
      await waitFor(() => b!.pipeline.health.role === 'standby', { what: 'a standby', timeoutMs: 30_000 });
      await a.stop();
      await producer.send(events.slice(30));
      await waitUntilDone(b, store, events.length);
    } finally {
      await a.stop();
      await b?.stop();
      await producer.close();
    }
    const view = await readStore(store);
    assert.deepEqual(view.batches.map((x) => x.index), view.batches.map((_, i) => i + 1));
    assert.equal(view.batches.reduce((n, x) => n + x.input_count, 0), events.length);
    assert.deepEqual(partitionOf(view.membership), partitionOf(embeddedMembership(events)));
    assert.deepEqual(await replayRecordedBatches(kafka, registryUrl!, topics.identity, view.batches), view.events.map((e) => JSON.stringify(e)));
  });
});
