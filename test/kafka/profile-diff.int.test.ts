/**
 * `campaigns diff` on a PostgreSQL store the Kafka pipeline wrote: its recorded batches are
 * re-read from the identity topic (as `rebuild` replays them) and re-clustered under another
 * profile; the report, applied to the store's partition, gives the other profile's partition.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { enginesFor } from '../../src/cli/engines.ts';
import { createEngine } from '../../src/domain/engine.ts';
import { DEFAULT_V2_PROFILE } from '../../src/domain/profile.ts';
import { simulateFixture } from '../../src/sim/scenario.ts';
import { applyDiff, groups } from '../support/diff-apply.ts';
import { requireServices } from '../support/services.ts';
import { cli } from '../runtime/support/store-run.ts';
import {
  createTestTopics, IdentityProducer, readStore, startTestPipeline, tempStoreDir, testKafka, testTopics, unique, waitUntilDone, within,
} from './support/kafka-test-kit.ts';

const FLEET = path.resolve(import.meta.dirname, '../fixtures/scenarios/diff_fleet.yaml');

describe('campaigns diff on a PostgreSQL store written from Kafka', { timeout: 120_000 }, () => {
  let databaseUrl: string;
  let brokers: string;
  let registryUrl: string;
  const schema = `diff_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let store: string;
  const dirs = tempStoreDir('cs-diff-kafka-');
  const events = simulateFixture(FLEET, 1).emitted.events;

  before(async () => {
    const s = await requireServices(['kafka', 'registry', 'postgres']);
    [databaseUrl, brokers, registryUrl] = [s.databaseUrl!, s.kafkaBrokers!, s.registryUrl!];
    store = `${databaseUrl}?schema=${schema}`;
    const kafka = testKafka(brokers);
    const topics = testTopics('diff');
    await within(60_000, 'creating the topics', createTestTopics(kafka, topics, 3));
    const producer = IdentityProducer.create(kafka, registryUrl, topics.identity);
    await within(60_000, 'producing the input', producer.send(events, (i) => (i % 3 === 0 ? 'ndjson' : 'avro-v2')));
    await producer.close();
    const running = await within(60_000, 'starting the pipeline', startTestPipeline({
      brokers, registryUrl, topics, store, group: unique('diff'), batchSize: 7, engines: enginesFor('default@1'),
    }));
    try {
      await waitUntilDone(running, store, events.length);
    } finally {
      await within(60_000, 'stopping the pipeline', running.stop());
    }
  });

  after(async () => {
    dirs.remove();
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  const diff = async (profile: string, out?: string) => {
    const r = await cli(['diff', '--store', store, '--profile', profile, '--brokers', brokers, '--registry', registryUrl, '--json',
      ...(out === undefined ? [] : ['--out', out])]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Parameters<typeof applyDiff>[1] & { domains: Array<{ store_profile: string; batches: number }> };
  };

  it('under the store\'s own profile nothing would change', async () => {
    const report = await diff('default@1');
    assert.deepEqual([report.merges, report.splits, report.moves], [[], [], []]);
    const { batches } = await readStore(store);
    assert.deepEqual(report.domains.map((d) => [d.store_profile, d.batches]), [['default@1', batches.length]]);
  });

  it('under default@2: the changes, applied to the store\'s partition, give default@2\'s partition of the same input', async () => {
    const out = path.join(dirs.dir, 'out');
    const report = await diff('default@2', out);
    assert.ok(report.merges.length > 0 && report.splits.length > 0, 'the scenario differs under the two profiles');
    const before = new Map((await readStore(store)).membership.map((m) => [m.identity_uuid, m.campaign_uuid]));
    const other = (await readStore(out)).membership;
    assert.deepEqual(groups(applyDiff(before, report)), groups(other.map((m) => [m.identity_uuid, m.campaign_uuid])));
    // The partition does not depend on batch boundaries: it is default@2's of the whole input at once.
    const engine = createEngine({ profile: DEFAULT_V2_PROFILE });
    engine.applyBatch(events.map((event, i) => ({ position: `all:${i}`, event })), { from: 'all:0', to: `all:${events.length}` });
    assert.deepEqual(groups(other.map((m) => [m.identity_uuid, m.campaign_uuid])), groups(engine.membership().map((m) => [m.identity_uuid, m.campaign_uuid])));
  });
});
