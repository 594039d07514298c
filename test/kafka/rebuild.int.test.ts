/**
 * `campaigns rebuild --from-topic … --from-beginning`: given the store of a live run, the
 * rebuild replays its recorded batch boundaries and reproduces its log byte for byte, then goes
 * on through the history the live run never saw; without a store it clusters the history
 * afresh into the same partition as the embedded run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { benchCorpus } from '../../bench/corpus.ts';
import { enginesFor } from '../../src/cli/engines.ts';
import { openStoreForReading } from '../../src/cli/store-dir.ts';
import { createEngine } from '../../src/domain/engine.ts';
import { REFERENCE_PROFILE } from '../../src/domain/profile.ts';
import { isStoreError } from '../../src/ports/errors.ts';
import { simulateFixture } from '../../src/sim/scenario.ts';
import { requireServices } from '../support/services.ts';
import {
  createTestTopics, embeddedMembership, IdentityProducer, NOISE_FLOOR, partitionOf, readStore, spawnCli,
  startTestPipeline, tempStoreDir, testKafka, testTopics, unique, waitUntilDone, within,
} from './support/kafka-test-kit.ts';

describe('rebuild from the identity topic', { timeout: 120_000 }, () => {
  let brokers: string;
  let registryUrl: string;
  const dirs = tempStoreDir();
  const live = path.join(dirs.dir, 'live');
  const topics = testTopics('rebuild');
  const first = simulateFixture(NOISE_FLOOR, 21).emitted.events;
  const later = benchCorpus(150, 5);

  const rebuild = async (out: string | null, extra: string[] = [], env: Record<string, string> = {}) => {
    const child = spawnCli(['rebuild', '--from-topic', topics.identity, '--from-beginning', ...(out === null ? [] : ['--out', out]),
      '--brokers', brokers, '--registry', registryUrl, '--batch-size', '40', '--json', ...extra], env);
    const { code } = await child.exit;
    return { code, stderr: child.stderr.join('\n'), summary: code === 0 ? JSON.parse(child.stdout.join('')) : null };
  };

  before(async () => {
    const s = await requireServices(['kafka', 'registry']);
    brokers = s.kafkaBrokers!;
    registryUrl = s.registryUrl!;
    const kafka = testKafka(brokers);
    await within(60_000, 'creating the topics', createTestTopics(kafka, topics, 3));
    const producer = IdentityProducer.create(kafka, registryUrl, topics.identity);
    await within(60_000, 'producing the first history', producer.send(first, (i) => (i % 4 === 0 ? 'ndjson' : 'avro-v2')));
    mkdirSync(live);
    const running = await within(60_000, 'starting the live pipeline', startTestPipeline({ brokers, registryUrl, topics, store: live, group: unique('rebuild'), batchSize: 7 }));
    try {
      await waitUntilDone(running, live, first.length);
    } finally {
      await within(60_000, 'stopping the live pipeline', running.stop());
    }
    // History the live run never consumed.
    await within(60_000, 'producing the later history', producer.send(later));
    await within(30_000, 'closing the producer', producer.close());
  });

  after(() => dirs.remove());

  it('reuses the recorded boundaries, reproduces the log byte for byte, then continues', async () => {
    const out = path.join(dirs.dir, 'again');
    const { code, stderr, summary } = await rebuild(out, ['--store', live]);
    assert.equal(code, 0, stderr);
    const old = await readStore(live);
    const fresh = await readStore(out);
    assert.equal(summary.identical, true);
    assert.equal(summary.batches_reused, old.batches.length);
    assert.ok(summary.batches_new > 0);
    assert.equal(summary.records, first.length + later.length);
    assert.deepEqual(fresh.events.slice(0, old.events.length).map((e) => JSON.stringify(e)), old.events.map((e) => JSON.stringify(e)));
    assert.deepEqual(
      fresh.batches.slice(0, old.batches.length).map(({ rejects_mark: _, ...b }) => b),
      old.batches.map(({ rejects_mark: _, ...b }) => b),
    );
    assert.deepEqual(partitionOf(fresh.membership), partitionOf(embeddedMembership([...first, ...later])));
  });

  it('without a store, clusters the whole history into the partition of the embedded run', async () => {
    const out = path.join(dirs.dir, 'afresh');
    const { code, stderr, summary } = await rebuild(out);
    assert.equal(code, 0, stderr);
    assert.equal(summary.identical, null);
    assert.equal(summary.batches_reused, 0);
    const fresh = await readStore(out);
    assert.equal(fresh.batches.reduce((n, b) => n + b.input_count, 0), first.length + later.length);
    assert.deepEqual(partitionOf(fresh.membership), partitionOf(embeddedMembership([...first, ...later])));
  });

  it('writes next to the store named by CAMPAIGNS_STORE when no --out is given', async () => {
    const { code, stderr, summary } = await rebuild(null, [], { CAMPAIGNS_STORE: live });
    assert.equal(code, 0, stderr);
    assert.equal(summary.identical, true);
    assert.equal((await readStore(`${live}.rebuilt`)).events.length, summary.events_appended);
  });

  it('refuses to write into a store that already holds a log', async () => {
    const { code, stderr } = await rebuild(live);
    assert.equal(code, 1);
    assert.match(stderr, /\[unsupported\].*not empty/);
  });

  it('--profile re-clusters with that profile and records it; a rebuild from that store keeps it', async () => {
    const ref = path.join(dirs.dir, 'reference');
    const r1 = await rebuild(ref, ['--store', live, '--profile', 'reference']);
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(await profileOf(ref), 'reference');
    const all = [...first, ...later];
    const engine = createEngine({ profile: REFERENCE_PROFILE });
    engine.applyBatch(all.map((event, i) => ({ position: `embedded:${i}`, event })), { from: 'embedded:0', to: `embedded:${all.length}` });
    assert.deepEqual(partitionOf((await readStore(ref)).membership), partitionOf(engine.membership()));

    const again = path.join(dirs.dir, 'reference-again');
    const r2 = await rebuild(again, ['--store', ref]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(await profileOf(again), 'reference');
    assert.equal(r2.summary.identical, true, 'the recorded profile reproduces its log');
  });

  it('a pipeline asked for another profile than its store holds fails with profile_mismatch, appending nothing', async () => {
    const before = (await readStore(live)).events.length;
    const running = await startTestPipeline({
      brokers, registryUrl, topics, store: live, group: unique('rebuild-profile'), engines: enginesFor('reference'),
    });
    const failure = await running.done.then(() => null, (e: unknown) => e);
    assert.ok(isStoreError(failure) && failure.code === 'profile_mismatch', String(failure));
    assert.match((failure as Error).message, /clustered with scoring profile 'default@2'; this run asks for 'reference'/);
    assert.equal((await readStore(live)).events.length, before);
  });
});

async function profileOf(dir: string): Promise<string | null> {
  const s = openStoreForReading(dir);
  try {
    return await s.settings.get('scoring_profile');
  } finally {
    s.close();
  }
}
