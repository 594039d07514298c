/**
 * The metrics only the process that runs the engine can know: per-outcome input counts,
 * rejects, batch latency, candidate pairs scored, input lag, and the campaign gauges of its
 * in-memory tables. The Kafka pipeline serves them on its ops port (`--health-port`, path
 * `/metrics`); `campaigns serve` reports what the store holds (`store-metrics.ts`). Names are
 * fixed here, once: dashboards depend on them.
 */
import type { BatchObserver, PipelineSample } from '../../ports/pipeline-metrics.ts';
import type { MetricsRegistry } from './metrics.ts';

/** Seconds; from a 1-event batch on a warm engine to a large rebuild batch. */
export const BATCH_SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the pipeline reports (the port's types: the pipeline depends on ports, not on this adapter). */
export type { PipelineSample } from '../../ports/pipeline-metrics.ts';
export type PipelineMetrics = BatchObserver;

export const ROLES = ['starting', 'standby', 'activating', 'active', 'stopping', 'stopped', 'failed'] as const;

export function registerPipelineMetrics(registry: MetricsRegistry, sample?: () => PipelineSample): PipelineMetrics {
  const input = registry.counter(
    'campaign_stream_pipeline_input_events_total',
    'Identity events consumed by this process, by outcome (applied, duplicate, stale, rejected).',
    ['outcome'],
  );
  const batches = registry.counter('campaign_stream_pipeline_batches_total', 'Batches committed by this process.');
  const latency = registry.histogram(
    'campaign_stream_pipeline_batch_duration_seconds',
    'Wall time of committing one batch: engine, table fold, store transaction.',
    BATCH_SECONDS_BUCKETS,
  );
  const pairs = registry.counter(
    'campaign_stream_pipeline_candidate_pairs_scored_total',
    'Candidate identity pairs the clusterer scored.',
  );
  // Every outcome series exists from the start, so a rate() over a fresh process is 0, not absent.
  for (const outcome of ['applied', 'duplicate', 'stale', 'rejected']) input.inc({ outcome }, 0);

  if (sample !== undefined) registerSampled(registry, sample);

  return {
    observeBatch(stats, { seconds, invalid }) {
      input.inc({ outcome: 'applied' }, stats.applied);
      input.inc({ outcome: 'duplicate' }, stats.duplicates);
      input.inc({ outcome: 'stale' }, stats.stale);
      input.inc({ outcome: 'rejected' }, stats.rejected + invalid);
      batches.inc();
      latency.observe({}, seconds);
      pairs.inc({}, stats.pairs_scored);
    },
  };
}

function registerSampled(registry: MetricsRegistry, sample: () => PipelineSample): void {
  const lag = registry.gauge(
    'campaign_stream_pipeline_input_lag_records',
    'Input records not yet consumed, per source this process owns.',
    ['source'],
  );
  const role = registry.gauge('campaign_stream_pipeline_role', '1 for the role this process is in, 0 for the others.', ['role']);
  const ready = registry.gauge('campaign_stream_pipeline_ready', '1 when /health/ready answers 200.');
  const relay = registry.gauge('campaign_stream_pipeline_relay_lag_events', 'Campaign events committed but not yet published.');
  const head = registry.gauge('campaign_stream_pipeline_head_sequence', 'Sequence of the last campaign event this process committed.');
  const live = registry.gauge('campaign_stream_pipeline_campaigns_live', 'Campaigns not merged away with at least one live identity, in this process.');
  const largest = registry.gauge('campaign_stream_pipeline_largest_campaign_identities', 'Live identities of the largest campaign, in this process.');

  registry.onCollect(() => {
    const s = sample();
    // A partition that moved to another member must vanish, not report its last lag forever.
    lag.clear();
    for (const [source, n] of Object.entries(s.inputLag)) lag.set({ source }, n);
    for (const r of ROLES) role.set({ role: r }, r === s.role ? 1 : 0);
    ready.set({}, s.ready ? 1 : 0);
    setOrClear(relay, s.relayLag);
    setOrClear(head, s.headSequence);
    setOrClear(live, s.campaigns?.live ?? null);
    setOrClear(largest, s.campaigns?.largest ?? null);
  });
}

/** An unknown value is an absent series, never a misleading 0. */
function setOrClear(g: { set(l: Record<string, string>, v: number): void; clear(): void }, v: number | null): void {
  if (v === null) g.clear();
  else g.set({}, v);
}
