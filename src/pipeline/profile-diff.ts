/**
 * `campaigns diff`'s comparison: a store's final campaigns against the campaigns of the same
 * input clustered under another profile (recluster.ts, or a rebuild from the topic), campaign by
 * campaign (domain/partition-diff.ts), with each merge's evidence from the other log.
 */
import { MergeEvidence, type ProfileDiff } from '../domain/merge-evidence.ts';
import { comparePartitions } from '../domain/partition-diff.ts';
import { foldEvents, membershipOf, tablesFromRows, type CampaignTables } from '../domain/tables.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { TableReader } from '../ports/table-sink.ts';
import { PipelineError } from './errors.ts';
import { eventPages } from './log-reader.ts';

export interface ReadableStore {
  readonly log: EventLog;
  readonly tables: TableReader;
}

export interface StoreDiff extends ProfileDiff {
  readonly identities: number;
  readonly campaigns_before: number;
  readonly campaigns_after: number;
}

/**
 * The tables at `head`: the stored ones when they are there (a finished run), folded forward
 * from the log when they lag it (a run in progress writes them every few batches), or the whole
 * log folded when they are already past `head` (a run committed since `head` was read).
 */
export async function tablesAt(store: ReadableStore, head: number): Promise<CampaignTables> {
  const sequence = await store.tables.sequence();
  const tables = sequence <= head && sequence > 0 ? tablesFromRows(await store.tables.rows(), sequence) : tablesFromRows([], 0);
  for await (const page of eventPages(store.log, tables.sequence + 1, head)) foldEvents(tables, page);
  return tables;
}

/** Compares `before`'s tables with `after`'s, whose log `after.log` gives the merges' evidence. */
export async function diffTables(before: CampaignTables, after: CampaignTables, afterLog: EventLog): Promise<StoreDiff> {
  const a = membershipOf(before);
  const b = membershipOf(after);
  let comparison;
  try {
    comparison = comparePartitions(a, b);
  } catch {
    // Which identities are active does not depend on scoring: the same batches give the same ones.
    throw new PipelineError('state_mismatch', `re-clustering the recorded input gave other active identities than the store holds (${a.length} in the store, ${b.length} re-clustered)`);
  }
  const evidence = new MergeEvidence(comparison);
  if (comparison.merges.length > 0) {
    for await (const page of eventPages(afterLog, 1, after.sequence)) evidence.add(page);
  }
  return {
    identities: comparison.identities,
    campaigns_before: comparison.campaigns_before,
    campaigns_after: comparison.campaigns_after,
    ...evidence.report(),
  };
}
