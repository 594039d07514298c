/**
 * A broker outage pauses the pipeline; it never skips input. The test runs a broker of its own
 * (scripts/services with private ports and data dir) so stopping it disturbs no other test:
 * half the input is processed, the broker goes away, the pipeline waits without failing, the
 * broker comes back with its data, the other half arrives, and everything is clustered exactly
 * as an embedded run would.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { simulateFixture } from '../../src/sim/scenario.ts';
import { SERVICES_SCRIPT, waitFor } from '../support/services.ts';
import {
  allMessages, createTestTopics, embeddedMembership, IdentityProducer, NOISE_FLOOR, partitionOf, readStore, readTopic,
  startTestPipeline, tempStoreDir, testKafka, testTopics, unique, waitUntilDone,
} from './support/kafka-test-kit.ts';

const run = promisify(execFile);
const PORT = 29_092;
// A private run directory; the jars come from the shared cache (.services/) so nothing is downloaded twice.
const home = mkdtempSync(path.join(tmpdir(), 'cs-broker-outage-'));
const env = { ...process.env, KAFKA_PORT: String(PORT), KAFKA_CONTROLLER_PORT: String(PORT + 1), SERVICES_RUN: path.join(home, 'run') };
const broker = (cmd: 'start' | 'stop') => run('bash', [SERVICES_SCRIPT, cmd, 'kafka'], { env, timeout: 300_000 });

describe('Kafka broker outage', { timeout: 240_000 }, () => {
  const store = tempStoreDir();
  before(async () => {
    try {
      await broker('start');
    } catch (e) {
      throw new Error(`could not start the test's own Kafka broker on port ${PORT}: ${(e as { stderr?: string }).stderr ?? e}`);
    }
  });
  after(async () => {
    await broker('stop').catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
    store.remove();
  });

  it('waits while the broker is down, then processes every event exactly once', async () => {
    const brokers = `127.0.0.1:${PORT}`;
    const kafka = testKafka(brokers);
    const topics = testTopics('broker-outage');
    await createTestTopics(kafka, topics, 3);
    const events = simulateFixture(NOISE_FLOOR, 21).emitted.events;
    const half = Math.floor(events.length / 2);
    const running = await startTestPipeline({ brokers, registryUrl: null, topics, store: store.dir, group: unique('outage'), batchSize: 10 });
    try {
      await waitFor(() => running.pipeline.health.role === 'active', { what: 'the pipeline to own the topic', timeoutMs: 30_000 });
      let producer = IdentityProducer.create(kafka, null, topics.identity);
      await producer.send(events.slice(0, half), () => 'ndjson');
      await producer.close();
      await waitUntilDone(running, store.dir, half);

      const before = running.pipeline.health.lastError;
      await broker('stop');
      // The pipeline has met the outage (its lag poll or its consumer failed) and waits it out.
      await waitFor(() => running.pipeline.health.lastError !== null && running.pipeline.health.lastError !== before, {
        what: 'the outage to be reported', timeoutMs: 60_000,
      });
      assert.notEqual(running.pipeline.health.role, 'failed', 'a broker outage is waited out, not fatal');
      await broker('start');

      producer = IdentityProducer.create(kafka, null, topics.identity);
      await producer.send(events.slice(half), () => 'ndjson');
      await producer.close();
      await waitUntilDone(running, store.dir, events.length, 120_000);
    } finally {
      await running.stop();
    }
    const { batches, membership } = await readStore(store.dir);
    assert.equal(batches.reduce((n, b) => n + b.input_count, 0), events.length, 'every input consumed once: none skipped, none twice');
    assert.deepEqual(allMessages(await readTopic(kafka, topics.deadLetter)), [], 'nothing dead-lettered');
    assert.deepEqual(partitionOf(membership), partitionOf(embeddedMembership(events)));
  });
});
