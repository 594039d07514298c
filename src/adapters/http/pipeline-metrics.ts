/**
 * The metrics only the process that runs the engine can know: per-outcome input counts,
 * rejects, batch latency, candidate pairs scored, input lag. The pipeline registers them in
 * the same `MetricsRegistry` the HTTP server renders, so running the server inside the
 * pipeline process (or serving this registry on its own) exposes them next to the store
 * metrics of `store-metrics.ts`. Names are fixed here, once: dashboards depend on them.
 */
import type { BatchStats } from '../../domain/engine-api.ts';
import type { MetricsRegistry } from './metrics.ts';

/** Seconds; from a 1-event batch on a warm engine to a large rebuild batch. */
export const BATCH_SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface PipelineMetrics {
  /**
   * One committed batch. `invalid` counts the records refused before the engine saw them
   * (undecodable, schema); the engine's own stateful rejects are in `stats.rejected`.
   */
  observeBatch(stats: BatchStats, opts: { seconds: number; invalid: number }): void;
  /** Records between the consumed position and the end of a source (topic partition, file). */
  setInputLag(source: string, records: number): void;
}

export function registerPipelineMetrics(registry: MetricsRegistry): PipelineMetrics {
  const input = registry.counter(
    'campaign_stream_pipeline_input_events_total',
    'Identity events consumed by this process, by outcome (applied, duplicate, stale, rejected).',
    ['outcome'],
  );
  const batches = registry.counter('campaign_stream_pipeline_batches_total', 'Batches committed by this process.');
  const latency = registry.histogram(
    'campaign_stream_pipeline_batch_duration_seconds',
    'Wall time from a batch being cut to its commit (engine + store).',
    BATCH_SECONDS_BUCKETS,
  );
  const pairs = registry.counter(
    'campaign_stream_pipeline_candidate_pairs_scored_total',
    'Candidate identity pairs the clusterer scored.',
  );
  const lag = registry.gauge(
    'campaign_stream_pipeline_input_lag_records',
    'Input records not yet consumed, per source.',
    ['source'],
  );
  // Every outcome series exists from the start, so a rate() over a fresh process is 0, not absent.
  for (const outcome of ['applied', 'duplicate', 'stale', 'rejected']) input.inc({ outcome }, 0);
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
    setInputLag(source, records) {
      lag.set({ source }, records);
    },
  };
}
