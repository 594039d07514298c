/**
 * Operations: the health endpoint reports liveness and readiness (connected, caught up, lag),
 * and SIGTERM ends the process cleanly: the batch in progress is finished or abandoned whole,
 * the group offsets equal the positions stored with the log, and the member has left the
 * group (no session timeout to wait for), exit code 0.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { simulateFixture } from '../../src/sim/scenario.ts';
import { benchCorpus } from '../../bench/corpus.ts';
import { requireServices, waitFor } from '../support/services.ts';
import {
  createTestTopics, getHealth, IdentityProducer, NOISE_FLOOR, pipelineArgs, readStore, spawnCli, tempStoreDir,
  testKafka, testTopics, unique, waitChildDone, type CliChild,
} from './support/kafka-test-kit.ts';

describe('pipeline process lifecycle', { timeout: 90_000 }, () => {
  let kafka: Kafka;
  let child: CliChild;
  let port: number;
  const store = tempStoreDir();
  const topics = testTopics('life');
  const group = unique('life');
  const events = simulateFixture(NOISE_FLOOR, 9).emitted.events;
  let producer: IdentityProducer;

  before(async () => {
    const s = await requireServices(['kafka', 'registry']);
    kafka = testKafka(s.kafkaBrokers!);
    await createTestTopics(kafka, topics, 3);
    producer = IdentityProducer.create(kafka, s.registryUrl!, topics.identity);
    await producer.send(events);
    child = spawnCli(pipelineArgs({ brokers: s.kafkaBrokers!, registryUrl: s.registryUrl!, topics, store: store.dir, group, extra: ['--batch-size', '10'] }));
    port = Number((await child.line(/health endpoint on port (\d+)/))[1]);
  });

  after(async () => {
    child.child.kill('SIGKILL');
    await producer.close();
    store.remove();
  });

  it('is live at once and ready once caught up, with the lag of every partition', async () => {
    assert.equal((await getHealth(port, '/health/live')).status, 200);
    await waitChildDone(port, store.dir, events.length);
    const ready = await getHealth(port, '/health/ready');
    assert.equal(ready.status, 200);
    const r = ready.body;
    assert.equal(r.role, 'active');
    assert.equal(r.connected, true);
    assert.deepEqual(r.partitions, [0, 1, 2]);
    assert.deepEqual(r.lag, { 0: 0, 1: 0, 2: 0 });
    assert.equal(r.total_lag, 0);
    assert.equal(r.caught_up, true);
    assert.equal(r.published_sequence, r.head_sequence);
    assert.equal((await getHealth(port, '/nowhere')).status, 404);
  });

  it('serves /metrics on the health port: consumed, batches, latency, pairs, lag and campaigns agree with the store', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const m = parseMetrics(await res.text());
    const view = await readStore(store.dir);
    const outcomes = ['applied', 'duplicate', 'stale', 'rejected'].map((o) => m.get(`campaign_stream_pipeline_input_events_total{outcome="${o}"}`) ?? NaN);
    assert.equal(outcomes.reduce((a, b) => a + b, 0), events.length, 'every consumed event is counted under one outcome');
    assert.equal(m.get('campaign_stream_pipeline_batches_total'), view.batches.length);
    assert.equal(m.get('campaign_stream_pipeline_batch_duration_seconds_count'), view.batches.length);
    assert.ok((m.get('campaign_stream_pipeline_candidate_pairs_scored_total') ?? 0) > 0, 'noise floor identities share deckies: pairs were scored');
    for (const p of [0, 1, 2]) assert.equal(m.get(`campaign_stream_pipeline_input_lag_records{source="${topics.identity}/${p}"}`), 0);
    assert.equal(m.get('campaign_stream_pipeline_role{role="active"}'), 1);
    assert.equal(m.get('campaign_stream_pipeline_ready'), 1);
    assert.equal(m.get('campaign_stream_pipeline_head_sequence'), view.events.length);
    const live = view.rows.filter((r) => r.status === 'active');
    assert.equal(m.get('campaign_stream_pipeline_campaigns_live'), live.length);
    assert.equal(m.get('campaign_stream_pipeline_largest_campaign_identities'), Math.max(...live.map((r) => r.identity_count)));
  });

  it('reports lag and is not ready while input waits', async () => {
    // 2,000 more events in batches of 10 keep the pipeline busy for a while: a report taken
    // meanwhile shows it behind.
    const more = benchCorpus(1_000);
    await producer.send(more);
    const behind = await waitFor(async () => {
      const h = await getHealth(port, '/health/ready');
      return h.status === 503 && (h.body.total_lag ?? 0) > 0 ? h.body : null;
    }, { timeoutMs: 20_000, intervalMs: 20, what: 'a not-ready report with lag' });
    assert.equal(behind.caught_up, false);
    await waitChildDone(port, store.dir, events.length + more.length);
  });

  it('on SIGTERM commits, leaves the group cleanly and exits 0', async () => {
    const before = (await getHealth(port, '/health/ready')).body.last_batch ?? 0;
    await producer.send(benchCorpus(400, 77));
    // Stopped while it works through the new input (40 batches of 10): a batch is committed, more are coming.
    await waitFor(async () => ((await getHealth(port, '/health/ready')).body.last_batch ?? 0) > before, {
      what: 'a batch of the new input committed', timeoutMs: 30_000, intervalMs: 20,
    });
    child.child.kill('SIGTERM');
    const { code } = await child.exit;
    assert.equal(code, 0, child.stderr.join('\n'));
    assert.match(child.stdout.join(''), /"stopped":true/);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups: [g] } = await admin.describeGroups([group]);
      assert.equal(g.state, 'Empty', 'the member left the group: a standby would take over at once');
      const view = await readStore(store.dir);
      const stored = new Map<number, number>();
      for (const b of view.batches) for (const s of b.segments) stored.set(Number(s.source.split('/').pop()), s.end.offset);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topics.identity] });
      for (const p of committed.partitions) {
        assert.equal(Number(p.offset), stored.get(p.partition) ?? -1, `partition ${p.partition}: the group offset is the stored position`);
      }
      const next = new Map<string, number>();
      for (const b of view.batches) for (const s of b.segments) {
        assert.equal(s.start.offset, next.get(s.source) ?? 0);
        next.set(s.source, s.end.offset);
      }
    } finally {
      await admin.disconnect();
    }
  });
});

/** Exposition text → value by series (`name{labels}`); comments skipped. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}
