/**
 * The main job: identity events from sources in, campaign events and tables out.
 *
 *   sources ─pulled─► decode/validate ─► batches of N ─► applyBatch + one atomic commit ─► progress
 *                      (rejects ride along with their batch and are written at its commit)
 *
 * Restart-safe: it first rolls the rejects back to the last committed mark, restores the
 * engine and tables to the last committed batch, then resumes every input after its
 * checkpoint. A kill at any point loses at most the uncommitted batch, which the next run
 * redoes identically. The end of an input that is not complete yet (a file still being
 * written) is held back with a warning, not consumed. With `follow`, the run goes on reading a
 * growing input until stopped, and commits a pending batch whenever the input goes quiet.
 */
import type { Clock } from '../ports/clock.ts';
import { InputError } from '../ports/errors.ts';
import type { EventLog, InputCheckpoint } from '../ports/event-log.ts';
import { START, type HeldBack, type IdentitySource } from '../ports/identity-source.ts';
import type { InputFeed } from '../ports/input-feed.ts';
import type { RejectSink } from '../ports/reject-sink.ts';
import type { SnapshotStore } from '../ports/snapshot-store.ts';
import type { StoreSettings } from '../ports/store-settings.ts';
import type { TableReader, TableSink } from '../ports/table-sink.ts';
import { FLUSH, type IngestItem } from './batch-assembly.ts';
import { BatchCommitter, fingerprintedSegments, type CommittedBatch } from './batch-committer.ts';
import { decodeRecord, type Decoded } from './decode.ts';
import { inDomain, type DomainFilter } from './domain-filter.ts';
import type { EngineFactory } from './engine-factory.ts';
import { ingest } from './ingest.ts';
import { heldBackWarning, planInput, plannedRecords, verifyCheckpoint } from './input-plan.ts';
import { restoreRuntime } from './restore.ts';
import { countBatch, countStatus, emptySummary, type RunSummary } from './run-summary.ts';

export const DEFAULT_BATCH_SIZE = 1000;
/**
 * A snapshot costs a full serialisation of the engine; re-deriving costs re-reading and
 * re-clustering the input since the last one. Every 50k records keeps a restart's re-derive
 * short without serialising a large engine every few batches.
 */
export const DEFAULT_SNAPSHOT_EVERY_RECORDS = 50_000;
/**
 * The stored tables are written with every K-th batch and at the end of the run, so they lag
 * the log by fewer than K batches while a run is in progress (a restart catches them up from
 * the log). Per batch, the changed campaign rows were a random B-tree write each: flushing
 * every TABLES_EVERY batches writes a row changed several times once, and shares pages between
 * the rows of one flush (docs/BENCHMARKS.md, "Embedded runtime").
 */
export const DEFAULT_TABLES_EVERY_BATCHES = 10;

export interface RunDeps {
  readonly log: EventLog;
  readonly tables: TableReader & TableSink;
  readonly snapshots: SnapshotStore;
  /** Where the store records its scoring profile (see profile-setting.ts). */
  readonly settings?: StoreSettings;
  readonly rejects: RejectSink;
  readonly engines: EngineFactory;
  /** The inputs of this run, read in this order. */
  readonly inputs: readonly IdentitySource[];
  /**
   * `run --follow`: read this feed, after `inputs`, until `signal` aborts; then commit what is
   * pending and end as a run does at the end of its input.
   */
  readonly follow?: { readonly feed: InputFeed; readonly signal: AbortSignal };
  /** Opens a source the store recorded but this run was not given (to re-derive state). */
  readonly openSource: (name: string, locator: string) => Promise<IdentitySource>;
  readonly clock: Clock;
  /**
   * The one clustering domain this store holds, when the inputs may mix domains: records of
   * other domains are skipped (and reported to `onOther`) as if they were not in the input, so
   * the domain is batched, clustered and checkpointed exactly as if it were alone. Absent: every
   * record is this store's (the Kafka pipeline, `rebuild`).
   */
  readonly domain?: DomainFilter;
}

export interface RunOptions {
  readonly batchSize?: number;
  readonly snapshotEveryRecords?: number;
  /** Write the changed table rows with every N-th batch (and at the end); 1 = every batch. */
  readonly tablesEveryBatches?: number;
  readonly onProgress?: (p: RunProgress) => void;
}

export type RunProgress =
  | { readonly phase: 'restore'; readonly batches: number; readonly total: number }
  | {
    readonly phase: 'ingest'; readonly batches: number; readonly records: number; readonly events_appended: number;
    readonly rejected: number; readonly bytes_done: number; readonly bytes_total: number;
  };

export interface RunResult {
  readonly summary: RunSummary;
  readonly warnings: readonly string[];
  readonly elapsed_ms: number;
}

export async function runIngest(deps: RunDeps, options: RunOptions = {}): Promise<RunResult> {
  const started = deps.clock.now();
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const onProgress = options.onProgress ?? (() => {});
  const byName = new Map(deps.inputs.map((s) => [s.name, s]));
  const warnings: string[] = [];
  const heldBack = (source: IdentitySource, held: HeldBack): void => void warnings.push(heldBackWarning(source, held));

  await deps.rejects.rollback((await deps.log.lastBatch())?.rejects_mark ?? '0');
  // Checked before the (possibly long) engine restore: a changed input fails fast.
  const checkpoints = await deps.log.checkpoints();
  const plan = await planInput(deps.inputs, checkpoints);
  const state = await restoreRuntime({
    ...deps,
    openSource: (name, locator) => {
      const given = byName.get(name);
      return given !== undefined ? Promise.resolve(given) : deps.openSource(name, locator);
    },
    onProgress: (p) => onProgress({ phase: 'restore', ...p }),
  });

  const summary = emptySummary();
  summary.resumed_after_batch = state.lastBatch?.index ?? 0;
  summary.snapshot_batch = state.snapshotBatch;
  summary.rederived_batches = state.rederivedBatches;

  const committer = new BatchCommitter(
    {
      engine: state.engine, tables: state.tables, log: deps.log, rejects: deps.rejects, snapshots: deps.snapshots,
      segments: fingerprintedSegments(byName), tableSink: deps.tables,
    },
    {
      lastIndex: state.lastBatch?.index ?? 0,
      head: state.head,
      snapshotIndex: state.snapshotBatch ?? 0,
      snapshotEveryRecords: options.snapshotEveryRecords ?? DEFAULT_SNAPSHOT_EVERY_RECORDS,
      tablesEveryBatches: options.tablesEveryBatches ?? DEFAULT_TABLES_EVERY_BATCHES,
    },
  );
  const offsets = new Map(plan.map((p) => [p.source.name, p.from.offset]));
  const bytesTotal = plan.reduce((n, p) => n + (p.source.size ?? 0), 0);
  const progress = (b: CommittedBatch) => {
    for (const s of b.input.segments) offsets.set(s.source, s.end.offset);
    onProgress({
      phase: 'ingest',
      batches: summary.batches,
      records: summary.events_read,
      events_appended: summary.events_appended,
      rejected: summary.rejected,
      bytes_done: [...offsets.values()].reduce((n, o) => n + o, 0),
      bytes_total: bytesTotal,
    });
  };

  const keep = inDomain(deps.domain);
  async function* decoded(): AsyncGenerator<IngestItem> {
    for await (const record of plannedRecords(plan, heldBack)) {
      const d = decodeRecord(record);
      if (keep(d)) yield d;
    }
    if (deps.follow !== undefined) yield* followed(deps.follow, byName, checkpoints, heldBack, keep);
  }

  // Counted when handed to the log; a failed append fails the run (drain, below) before the
  // summary is printed, so the counts a run reports are of committed batches.
  await ingest(decoded(), batchSize, (batch) => committer.commit(batch), (b) => {
    countBatch(summary, b);
    progress(b);
  });
  await committer.drain();
  // The stored tables catch up with the log before the run reports success (a failed run
  // never gets here: its restart folds the lag from the log instead).
  await committer.flushTables();
  // A rerun or restart then starts from here without re-deriving anything.
  await committer.snapshot();

  countStatus(summary, state.engine.status());
  return { summary, warnings: [...state.warnings, ...warnings], elapsed_ms: deps.clock.now() - started };
}

/**
 * The decoded items of a followed input. Each source the feed finds is registered (the batch
 * committer fingerprints it by name) and resumes after its checkpoint, verified like a planned
 * input's.
 */
async function* followed(
  follow: NonNullable<RunDeps['follow']>,
  byName: Map<string, IdentitySource>,
  checkpoints: readonly InputCheckpoint[],
  heldBack: (source: IdentitySource, held: HeldBack) => void,
  keep: (d: Decoded) => boolean,
): AsyncGenerator<IngestItem> {
  const cps = new Map(checkpoints.map((c) => [c.source, c]));
  const start = async (source: IdentitySource) => {
    const other = byName.get(source.name);
    if (other !== undefined && other.locator !== source.locator) {
      throw new InputError('input_conflict', `two inputs are named ${source.name} (${other.locator} and ${source.locator}); the store tells inputs apart by file name`);
    }
    byName.set(source.name, source);
    const cp = cps.get(source.name);
    if (cp !== undefined) await verifyCheckpoint(source, cp);
    return cp?.position ?? START;
  };
  for await (const item of follow.feed.items({ start, signal: follow.signal, onHeldBack: heldBack })) {
    if (item.kind === 'idle') yield FLUSH;
    else {
      const d = decodeRecord(item.record);
      if (keep(d)) yield d;
    }
  }
}
