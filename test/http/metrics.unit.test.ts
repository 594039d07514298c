/** The metrics registry and its Prometheus text rendering. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry } from '../../src/adapters/http/metrics.ts';
import { registerPipelineMetrics, type PipelineSample } from '../../src/adapters/http/pipeline-metrics.ts';

describe('metrics registry', () => {
  it('renders counters and gauges with HELP and TYPE, series in first-use order', () => {
    const r = new MetricsRegistry();
    const c = r.counter('jobs_total', 'Jobs done.', ['kind']);
    const g = r.gauge('queue_depth', 'Items waiting.');
    c.inc({ kind: 'b' });
    c.inc({ kind: 'a' }, 2);
    c.inc({ kind: 'b' });
    g.set({}, 7);
    assert.equal(r.render(), [
      '# HELP jobs_total Jobs done.', '# TYPE jobs_total counter', 'jobs_total{kind="b"} 2', 'jobs_total{kind="a"} 2',
      '# HELP queue_depth Items waiting.', '# TYPE queue_depth gauge', 'queue_depth 7', '',
    ].join('\n'));
  });

  it('renders histograms as cumulative buckets with +Inf, sum and count', () => {
    const r = new MetricsRegistry();
    const h = r.histogram('batch_seconds', 'Latency.', [0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3]) h.observe({}, v);
    assert.match(r.render(), /batch_seconds_bucket\{le="0\.1"\} 2\nbatch_seconds_bucket\{le="1"\} 3\nbatch_seconds_bucket\{le="\+Inf"\} 4\nbatch_seconds_sum 3\.65\nbatch_seconds_count 4\n/);
  });

  it('escapes label values and help text so one odd value cannot break the scrape', () => {
    const r = new MetricsRegistry();
    r.gauge('g', 'line one\nback\\slash', ['v']).set({ v: 'a"b\\c\nd' }, 1);
    const text = r.render();
    assert.match(text, /# HELP g line one\\nback\\\\slash/);
    assert.match(text, /g\{v="a\\"b\\\\c\\nd"\} 1/);
  });

  it('formats special values and refuses bad names, duplicate names, wrong labels and counter decrements', () => {
    const r = new MetricsRegistry();
    const g = r.gauge('special', 'x');
    g.set({}, Infinity);
    assert.match(r.render(), /special \+Inf/);
    g.set({}, NaN);
    assert.match(r.render(), /special NaN/);
    assert.throws(() => r.gauge('bad-name', 'x'));
    assert.throws(() => r.gauge('special', 'x'), /already registered/);
    assert.throws(() => r.counter('c_total', 'x', ['le']));
    const c = r.counter('c2_total', 'x', ['a']);
    assert.throws(() => c.inc({ b: '1' }), /takes labels/);
    assert.throws(() => c.inc({ a: '1' }, -1), /only goes up/);
    assert.throws(() => r.histogram('h', 'x', [2, 1]), /increasing/);
  });

  it('runs collectors before rendering', () => {
    const r = new MetricsRegistry();
    const g = r.gauge('fresh', 'x');
    let n = 0;
    r.onCollect(() => g.set({}, ++n));
    r.render();
    assert.match(r.render(), /fresh 2/);
  });
});

describe('pipeline metrics', () => {
  it('turn a batch outcome into input, reject, latency and pair counts', () => {
    const r = new MetricsRegistry();
    const m = registerPipelineMetrics(r);
    m.observeBatch({ applied: 10, duplicates: 1, stale: 2, rejected: 1, pairs_scored: 40 }, { seconds: 0.02, invalid: 3 });
    const text = r.render();
    assert.match(text, /campaign_stream_pipeline_input_events_total\{outcome="applied"\} 10/);
    assert.match(text, /campaign_stream_pipeline_input_events_total\{outcome="rejected"\} 4/);
    assert.match(text, /campaign_stream_pipeline_batches_total 1/);
    assert.match(text, /campaign_stream_pipeline_batch_duration_seconds_bucket\{le="0\.01"\} 0/);
    assert.match(text, /campaign_stream_pipeline_batch_duration_seconds_bucket\{le="0\.025"\} 1/);
    assert.match(text, /campaign_stream_pipeline_candidate_pairs_scored_total 40/);
  });

  it('sample lag, role, readiness and campaign gauges at scrape time, dropping what is no longer known', () => {
    const r = new MetricsRegistry();
    let sample: PipelineSample = {
      role: 'active', ready: true, inputLag: { 'ids/0': 12, 'ids/1': 0 }, relayLag: 3, headSequence: 90,
      campaigns: { live: 7, largest: 4 },
    };
    registerPipelineMetrics(r, () => sample);
    const first = r.render();
    assert.match(first, /campaign_stream_pipeline_input_lag_records\{source="ids\/0"\} 12/);
    assert.match(first, /campaign_stream_pipeline_input_lag_records\{source="ids\/1"\} 0/);
    assert.match(first, /campaign_stream_pipeline_role\{role="active"\} 1/);
    assert.match(first, /campaign_stream_pipeline_role\{role="standby"\} 0/);
    assert.match(first, /campaign_stream_pipeline_ready 1/);
    assert.match(first, /campaign_stream_pipeline_relay_lag_events 3/);
    assert.match(first, /campaign_stream_pipeline_head_sequence 90/);
    assert.match(first, /campaign_stream_pipeline_campaigns_live 7/);
    assert.match(first, /campaign_stream_pipeline_largest_campaign_identities 4/);

    // Partitions moved to another member; this one is a standby holding no tables.
    sample = { role: 'standby', ready: true, inputLag: {}, relayLag: null, headSequence: null, campaigns: null };
    const second = r.render();
    assert.doesNotMatch(second, /campaign_stream_pipeline_input_lag_records\{/);
    assert.match(second, /campaign_stream_pipeline_role\{role="active"\} 0/);
    assert.match(second, /campaign_stream_pipeline_role\{role="standby"\} 1/);
    assert.doesNotMatch(second, /campaign_stream_pipeline_campaigns_live \d/);
    assert.doesNotMatch(second, /campaign_stream_pipeline_relay_lag_events \d/);
    assert.match(second, /# TYPE campaign_stream_pipeline_campaigns_live gauge/);
  });
});
