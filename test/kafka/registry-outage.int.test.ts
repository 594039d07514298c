/**
 * A schema registry outage pauses the pipeline instead of refusing input: Avro messages whose
 * writer schema cannot be fetched wait (lag grows, nothing is committed or dead-lettered) and
 * are processed once the registry answers again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simulateFixture } from '../../src/sim/scenario.ts';
import { requireServices, waitFor } from '../support/services.ts';
import {
  allMessages, createTestTopics, embeddedMembership, IdentityProducer, NOISE_FLOOR, partitionOf, readStore, readTopic,
  startTestPipeline, tempStoreDir, testKafka, testTopics, unique, waitUntilDone,
} from './support/kafka-test-kit.ts';
import { TcpProxy } from './support/tcp-proxy.ts';

describe('schema registry outage', { timeout: 90_000 }, () => {
  const store = tempStoreDir();
  let proxy: TcpProxy;
  after(async () => {
    await proxy?.close();
    store.remove();
  });

  let kafkaBrokers: string;
  let registryUrl: string;
  before(async () => {
    const s = await requireServices(['kafka', 'registry']);
    kafkaBrokers = s.kafkaBrokers!;
    registryUrl = s.registryUrl!;
    const u = new URL(registryUrl);
    proxy = await TcpProxy.start({ host: u.hostname, port: Number(u.port) });
  });

  it('waits while the registry is unreachable and then processes everything, refusing nothing', async () => {
    const kafka = testKafka(kafkaBrokers);
    const topics = testTopics('outage');
    await createTestTopics(kafka, topics, 3);
    const events = simulateFixture(NOISE_FLOOR, 13).emitted.events;
    const u = new URL(registryUrl);
    const throughProxy = `${u.protocol}//127.0.0.1:${proxy.port}${u.pathname}`;
    const running = await startTestPipeline({ brokers: kafkaBrokers, registryUrl: throughProxy, topics, store: store.dir, group: unique('outage'), batchSize: 10 });
    try {
      await waitFor(() => running.pipeline.health.role === 'active', { what: 'the pipeline to own the topic' });
      await proxy.down();
      // The producer talks to the registry directly: only the pipeline's path is cut.
      const producer = IdentityProducer.create(kafka, registryUrl, topics.identity);
      await producer.send(events);
      await producer.close();

      await waitFor(() => /registry_unavailable|GET .*schemas\/ids/.test(running.pipeline.health.lastError ?? ''), { what: 'the outage to be reported', timeoutMs: 20_000 });
      // Several lookups refused: the pipeline has gone round its retry loop and is still waiting.
      await waitFor(() => proxy.refused >= 3, { what: 'three refused registry lookups', timeoutMs: 30_000 });
      assert.equal(running.pipeline.health.report().ready, false, 'not ready while input waits');
      assert.equal((await readStore(store.dir)).batches.length, 0, 'nothing committed during the outage');

      await proxy.up();
      await waitUntilDone(running, store.dir, events.length);
    } finally {
      await running.stop();
    }
    assert.deepEqual(allMessages(await readTopic(kafka, topics.deadLetter)), [], 'nothing dead-lettered');
    assert.deepEqual(partitionOf((await readStore(store.dir)).membership), partitionOf(embeddedMembership(events)));
  });
});
