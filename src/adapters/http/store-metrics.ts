/**
 * The metrics the serve process can know from the store alone: what the log and its batch
 * records say (identity events consumed, batches, batch sizes, campaign events by type), the
 * campaign tables (live campaigns, largest campaign, active identities), and how far the
 * log's consumers lag behind its head (this server's index; the tables when the store keeps
 * them apart from the log).
 *
 * Rejects, batch latency and candidate pairs scored are not in the store: the process running
 * the engine reports them on its own `/metrics` (`pipeline-metrics.ts`).
 */
import { CAMPAIGN_EVENT_TYPES } from '../../domain/campaign-events.ts';
import type { LogFollower } from './log-follower.ts';
import type { MetricsRegistry } from './metrics.ts';

/** Identity events per batch: from a trickle to a replay's large batches. */
export const BATCH_SIZE_BUCKETS = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

/**
 * Registers the metrics of `follower`'s domain. Register before the follower starts: batch
 * records are counted as the follower reads them. The model's numbers are those of the last
 * `follower.refreshStats()` (the metrics route refreshes them before rendering).
 */
export function registerStoreMetrics(registry: MetricsRegistry, follower: LogFollower): void {
  const consumed = registry.counter(
    'campaign_stream_log_input_events_total',
    'Identity events consumed by the committed batches (valid and rejected), from the batch records.',
  );
  const batches = registry.counter('campaign_stream_log_batches_total', 'Batches committed to the event log.');
  const batchSizes = registry.histogram(
    'campaign_stream_log_batch_input_events',
    'Identity events per committed batch.',
    BATCH_SIZE_BUCKETS,
  );
  const events = registry.counter('campaign_stream_log_events_total', 'Campaign events in the log, by type.', ['type']);
  const head = registry.gauge('campaign_stream_log_head_sequence', 'Sequence of the last event in the campaign event log.');
  const campaigns = registry.gauge('campaign_stream_campaigns', 'Campaigns by status (active, empty, merged).', ['status']);
  const live = registry.gauge('campaign_stream_campaigns_live', 'Campaigns not merged away that have at least one live identity.');
  const largest = registry.gauge('campaign_stream_largest_campaign_identities', 'Live identities of the largest campaign.');
  const identities = registry.gauge('campaign_stream_identities_active', 'Identities assigned to a campaign.');
  const lag = registry.gauge(
    'campaign_stream_consumer_lag_events',
    'Campaign events between the log head and what a consumer of the log has applied.',
    ['consumer'],
  );
  const up = registry.gauge('campaign_stream_store_up', '1 when the last read of the store succeeded, else 0.');

  follower.onBatches((records) => {
    for (const b of records) {
      consumed.inc({}, b.input_count);
      batches.inc();
      batchSizes.observe({}, b.input_count);
    }
  });

  registry.onCollect(() => {
    const stats = follower.stats;
    if (stats !== null) {
      for (const type of CAMPAIGN_EVENT_TYPES) events.setTotal({ type }, stats.typeCounts.get(type) ?? 0);
      const counts = stats.campaigns;
      for (const status of ['active', 'empty', 'merged'] as const) campaigns.set({ status }, counts[status]);
      live.set({}, counts.active);
      largest.set({}, counts.largest);
      identities.set({}, stats.identities);
    }
    head.set({}, follower.logHead);
    lag.set({ consumer: 'http_index' }, Math.max(0, follower.logHead - follower.sequence));
    if (follower.tablesSequence !== null) lag.set({ consumer: 'tables' }, Math.max(0, follower.logHead - follower.tablesSequence));
    up.set({}, follower.lastError === null ? 1 : 0);
  });
}
