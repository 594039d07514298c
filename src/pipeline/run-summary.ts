/** The counters of one `run`, as printed by the CLI (`--json` field names are a contract). */
import { DEFAULT_DOMAIN_NAME } from '../domain/domains.ts';
import type { EngineStatus } from '../domain/engine-api.ts';
import type { CommittedBatch } from './batch-committer.ts';

export interface RunSummary {
  /** Input records read by this run (valid and rejected; not the re-read for re-derivation). */
  events_read: number;
  events_applied: number;
  duplicates: number;
  stale: number;
  /** Refused records: stateless (validation) and engine-level. */
  rejected: number;
  unmapped_tactics: number;
  pairs_scored: number;
  /** Batches committed by this run. */
  batches: number;
  events_appended: number;
  identities_active: number;
  campaigns_live: number;
  campaigns_merged: number;
  largest_campaign: number;
  /** Sequence of the last event in the log. */
  head_sequence: number;
  /** The last batch committed before this run started (0 for a new store). */
  resumed_after_batch: number;
  /** The batch whose snapshot the engine was restored from, or null. */
  snapshot_batch: number | null;
  /** Batches re-derived from their recorded input to rebuild the engine. */
  rederived_batches: number;
}

export function emptySummary(): RunSummary {
  return {
    events_read: 0, events_applied: 0, duplicates: 0, stale: 0, rejected: 0, unmapped_tactics: 0, pairs_scored: 0,
    batches: 0, events_appended: 0, identities_active: 0, campaigns_live: 0, campaigns_merged: 0, largest_campaign: 0,
    head_sequence: 0, resumed_after_batch: 0, snapshot_batch: null, rederived_batches: 0,
  };
}

export function countBatch(s: RunSummary, b: CommittedBatch): void {
  s.batches++;
  s.events_read += b.input.input_count;
  s.rejected += b.rejected;
  s.unmapped_tactics += b.input.unmappedTactics;
  s.events_appended += b.events.length;
  if (b.stats !== null) {
    s.events_applied += b.stats.applied;
    s.duplicates += b.stats.duplicates;
    s.stale += b.stats.stale;
    s.pairs_scored += b.stats.pairs_scored;
  }
}

export function countStatus(s: RunSummary, status: EngineStatus): void {
  s.identities_active = status.identities_active;
  s.campaigns_live = status.campaigns_live;
  s.campaigns_merged = status.campaigns_merged;
  s.largest_campaign = status.largest_campaign;
  s.head_sequence = status.next_sequence - 1;
}

/**
 * The summary of a run over several clustering domains: counters summed over the domains
 * (largest_campaign: the largest of any), the default domain's position in its log
 * (head_sequence, resumed_after_batch, snapshot_batch), and each domain's own summary under
 * `domains`, keyed by name. A run that met only the default domain prints its summary alone, as
 * before domains existed.
 */
export type MultiDomainSummary = RunSummary & { domains?: Record<string, RunSummary> };

const SUMMED = [
  'events_read', 'events_applied', 'duplicates', 'stale', 'rejected', 'unmapped_tactics', 'pairs_scored', 'batches',
  'events_appended', 'identities_active', 'campaigns_live', 'campaigns_merged', 'rederived_batches',
] as const;

export function combineSummaries(defaultSummary: RunSummary, others: ReadonlyArray<readonly [string, RunSummary]>): MultiDomainSummary {
  if (others.length === 0) return defaultSummary;
  const total: RunSummary = { ...defaultSummary };
  for (const [, s] of others) {
    for (const k of SUMMED) total[k] += s[k];
    total.largest_campaign = Math.max(total.largest_campaign, s.largest_campaign);
  }
  return { ...total, domains: Object.fromEntries([[DEFAULT_DOMAIN_NAME, defaultSummary], ...others]) };
}
