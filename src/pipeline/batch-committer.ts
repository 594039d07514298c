/**
 * One batch, from assembled input to durable commit:
 *   engine.applyBatch → fold the events into the tables → write the rejects (stateless and
 *   engine-level, in input order) → append events + batch record + input checkpoints (+ the
 *   rows changed since the last table flush, every `tablesEveryBatches`-th batch) in one
 *   transaction → maybe snapshot the engine.
 *
 * Appends are pipelined, one deep: `commit` returns once its append is handed to the log, so
 * the next batch is read, decoded and clustered while the store writes this one (a log whose
 * writes run on another thread, or another machine, then costs the loop nothing). Its
 * `durable` promise settles when the append does; the next `commit` waits for it before it
 * appends, so appends stay in order and at most one is in flight. Whatever depends on the batch
 * being in the log (publishing it, a snapshot naming it, a table flush) waits for `durable`.
 *
 * The engine and the in-memory tables run ahead of the store between applyBatch and append; if
 * an append fails, this committer (and the run) is finished: a restart re-derives both from the
 * store, and rolls the rejects file back to the committed mark. (Pipelined, the engine may hold
 * one more batch than the failed one; it is discarded all the same.)
 *
 * Table rows are a fold of the log, so they may lag it: written with every K-th batch (in that
 * batch's transaction, with `tables_sequence` = its last event) and by `flushTables()` at the end
 * of a run, never on their own between. A stop in between leaves them behind the log, which
 * `restoreRuntime` catches up from the log. Written with every batch, each changed campaign was a
 * random B-tree write per batch; one flush per K batches writes a row changed in several of them
 * once, and its rows share pages (at 500k input events and K = 10: 17 % fewer row writes, a
 * quarter of the table pages per batch; docs/BENCHMARKS.md).
 */
import type { CampaignEvent } from '../domain/campaign-events.ts';
import type { BatchStats, Engine, Rejection } from '../domain/engine-api.ts';
import { foldEvents, rowsOf, type CampaignTables } from '../domain/tables.ts';
import type { BatchSegment, EventLog } from '../ports/event-log.ts';
import type { IdentitySource } from '../ports/identity-source.ts';
import type { RejectRecord, RejectSink } from '../ports/reject-sink.ts';
import type { SnapshotStore } from '../ports/snapshot-store.ts';
import type { TableSink } from '../ports/table-sink.ts';
import type { InputBatch } from './batch-assembly.ts';
import { PipelineError } from './errors.ts';

export interface CommittedBatch {
  readonly index: number;
  readonly input: InputBatch;
  readonly events: readonly CampaignEvent[];
  readonly rejected: number;
  readonly stats: BatchStats | null;
  /** Settles when the batch's append does: then it is in the log (or the append failed). */
  readonly durable: Promise<void>;
}

/** How the committer learns what a batch consumed: fingerprinted segments of the sources it read. */
export type SegmentDescriber = (input: InputBatch, index: number) => Promise<readonly BatchSegment[]>;

/** Segments fingerprinted by the sources they came from (the sources being read, by name). */
export const fingerprintedSegments = (sources: ReadonlyMap<string, IdentitySource>): SegmentDescriber =>
  (input, index) => Promise.all(input.segments.map(async (s): Promise<BatchSegment> => {
    const source = sources.get(s.source);
    if (source === undefined) throw new PipelineError('state_mismatch', `batch ${index} read from unknown source ${s.source}`);
    return { ...s, locator: source.locator, fingerprint: await source.fingerprint(s.end) };
  }));

export interface CommitterDeps {
  readonly engine: Engine;
  /** The in-memory tables the events are folded into; absent: no tables are kept (re-deriving an engine). */
  readonly tables?: CampaignTables;
  /** Where the batch goes: the event log, or (restore) a log that checks instead of appending. */
  readonly log: Pick<EventLog, 'append' | 'maxAppendsInFlight'>;
  readonly rejects: RejectSink;
  /** Absent: never snapshot (re-deriving an engine). */
  readonly snapshots?: SnapshotStore;
  readonly segments: SegmentDescriber;
  /**
   * Where `flushTables()` writes rows outside a batch commit (the end of a run). Needed only
   * with `tablesEveryBatches` > 1: otherwise every commit carries its rows.
   */
  readonly tableSink?: TableSink;
}

export interface CommitterStart {
  /** Index of the last committed batch (0 for a new store). */
  readonly lastIndex: number;
  /** Sequence of the last event in the log; asked of the engine when omitted. */
  readonly head?: number;
  /** Index of the batch the newest snapshot was taken after (0 if none). */
  readonly snapshotIndex: number;
  /** Snapshot again once this many input records have been committed since the last one… */
  readonly snapshotEveryRecords: number;
  /**
   * …and at least this share of the input events the engine holds (default
   * DEFAULT_SNAPSHOT_RATIO): a snapshot serialises the whole engine, so taking one after a fixed
   * number of records would make the snapshots of a long history cost quadratically.
   */
  readonly snapshotRatio?: number;
  /**
   * Carry the changed table rows with every K-th batch only (default 1: every batch). Between
   * two, the stored tables lag the log by fewer than K batches; call `flushTables()` when the
   * input ends.
   */
  readonly tablesEveryBatches?: number;
}

/**
 * A snapshot is taken once the records since the last one reach what the engine holds (the
 * history doubles between two): the serialising then costs at most 1 / 1 = 1 record-equivalent
 * per input record over any history (proportional to change; the sizes grow geometrically, their
 * total stays under twice the last one), and a restart re-derives at most half of the history on
 * top of the newest snapshot (docs/RUNTIME.md, "Snapshots"). At a quarter (before issue #12) the
 * snapshots of a 1M-event run were a fifth of its time: serialising the engine runs on the
 * clustering thread, and nothing else can take it over.
 */
export const DEFAULT_SNAPSHOT_RATIO = 1;

const settled = (p: Promise<void>): Promise<void> => {
  // Observed here so a failure nobody awaits yet is not an unhandled rejection; awaiting `p`
  // later still throws it.
  p.catch(() => {});
  return p;
};

export class BatchCommitter {
  private lastIndex: number;
  private head: number;
  private snapshotIndex: number;
  private recordsSinceSnapshot = 0;
  private readonly tablesEvery: number;
  /** Rows changed by committed batches whose rows are not stored yet. */
  private readonly unflushed = new Set<string>();
  /** Committed batches since the stored tables last caught up with the log. */
  private batchesSinceTables = 0;
  /** Appends handed to the log and not yet known to be durable, oldest first. */
  private inFlight: Promise<void>[] = [];
  /**
   * Set while a commit is under way and left set when it (or its append) fails: the engine and
   * the in-memory tables may then be ahead of the log, so nothing more is committed or flushed
   * from them (the restart catches the stored tables up from the log instead).
   */
  private broken = false;
  /** The failure that broke it, rethrown to whoever commits next (a pipelined append fails late). */
  private failure: unknown = null;

  constructor(private readonly deps: CommitterDeps, private readonly start: CommitterStart) {
    this.lastIndex = start.lastIndex;
    this.head = start.head ?? deps.engine.status().next_sequence - 1;
    this.snapshotIndex = start.snapshotIndex;
    this.tablesEvery = start.tablesEveryBatches ?? 1;
    if (!Number.isInteger(this.tablesEvery) || this.tablesEvery < 1) {
      throw new PipelineError('state_mismatch', `tablesEveryBatches must be a positive integer, got ${this.tablesEvery}`);
    }
  }

  /** Index of the last batch handed to the log. */
  get lastBatchIndex(): number {
    return this.lastIndex;
  }

  /** True once a commit or an append failed: this committer is ahead of the store for good. */
  get failed(): boolean {
    return this.broken;
  }

  async commit(input: InputBatch): Promise<CommittedBatch> {
    if (this.broken) throw this.failure ?? new PipelineError('state_mismatch', 'a previous commit failed: this committer is ahead of the store');
    this.broken = true; // until the append below is handed over
    const { engine, tables, log, rejects } = this.deps;
    const index = this.lastIndex + 1;
    const firstSequence = this.head + 1;
    const outcome = input.events.length > 0 ? engine.applyBatch(input.events, input.range) : null;
    const events = outcome?.events ?? [];
    events.forEach((e, k) => {
      if (e.sequence !== firstSequence + k) {
        throw new PipelineError('state_mismatch', `batch ${index}: the engine emitted sequence ${e.sequence}, expected ${firstSequence + k}`);
      }
    });
    const changed = tables === undefined ? [] : foldEvents(tables, events);
    // Pending rows go with this batch when it completes K batches since the last flush: in its
    // transaction, so the stored tables only ever reflect a committed batch boundary.
    const flush = tables !== undefined && this.batchesSinceTables + 1 >= this.tablesEvery;
    const pending = flush && this.unflushed.size > 0 ? [...new Set([...this.unflushed, ...changed])].sort() : changed;
    const rejected = inInputOrder(input, outcome?.rejections ?? []);
    const mark = await rejects.write(rejected);
    const segments = await this.deps.segments(input, index);
    // At most `maxAppendsInFlight` appends in the log's hands (1 unless it applies them in call
    // order): the oldest must be in the log before another is handed over, and if it failed this
    // committer is done (the throw leaves `broken` set). A later batch handed over behind a
    // failing one is refused by the log's continuity check, so nothing after a failure commits.
    const depth = Math.max(1, log.maxAppendsInFlight ?? 1);
    while (this.inFlight.length >= depth) await this.inFlight.shift()!.catch(() => {});
    if (this.failure !== null) throw this.failure;
    const durable = settled(log.append({
      batch: {
        index,
        range: input.range,
        segments,
        input_count: input.input_count,
        first_sequence: firstSequence,
        event_count: events.length,
        rejects_mark: mark,
      },
      events,
      tables: flush ? rowsOf(tables!, pending) : undefined,
    }).catch((e: unknown) => {
      this.broken = true;
      this.failure ??= e;
      throw e;
    }));
    this.inFlight.push(durable);
    this.broken = false;
    if (flush) {
      this.unflushed.clear();
      this.batchesSinceTables = 0;
    } else if (tables !== undefined) {
      for (const u of changed) this.unflushed.add(u);
      this.batchesSinceTables++;
    }
    this.lastIndex = index;
    this.head += events.length;
    this.recordsSinceSnapshot += input.input_count;
    if (this.deps.snapshots !== undefined && this.recordsSinceSnapshot >= this.start.snapshotEveryRecords &&
      this.recordsSinceSnapshot >= (this.start.snapshotRatio ?? DEFAULT_SNAPSHOT_RATIO) * engine.status().events_held) await this.snapshot();
    return { index, input, events, rejected: rejected.length, stats: outcome?.stats ?? null, durable };
  }

  /** Resolves once every batch handed to the log is in it; throws the append failure otherwise. */
  async drain(): Promise<void> {
    await this.settledAll();
    // The first failure, always: the appends behind it fail too (refused by the log), and a
    // failure already thrown to an earlier caller still fails every drain.
    if (this.failure !== null) throw this.failure;
  }

  /** Settles when every append handed over has, failed or not. */
  private async settledAll(): Promise<void> {
    const all = [...this.inFlight];
    await Promise.allSettled(all);
    this.inFlight = this.inFlight.filter((p) => !all.includes(p));
  }

  /**
   * Writes the rows changed since the last flush, with `tables_sequence` = the log's head: the
   * stored tables then equal the fold of the whole log. A no-op when they already do, and after
   * a failed commit (the in-memory tables are ahead of the log then; a restart catches up).
   */
  async flushTables(): Promise<void> {
    await this.settledAll();
    if (this.broken || this.batchesSinceTables === 0 || this.deps.tables === undefined) return;
    if (this.deps.tableSink === undefined) {
      throw new PipelineError('state_mismatch', 'tables lag the log but the committer was given no table sink to flush them to');
    }
    await this.deps.tableSink.write(rowsOf(this.deps.tables, [...this.unflushed].sort()), this.head);
    this.unflushed.clear();
    this.batchesSinceTables = 0;
  }

  /**
   * Snapshots the engine after the last committed batch, unless that one is already saved. The
   * state is taken now (the engine is at that batch) and saved once the batch is in the log: a
   * snapshot never names a batch the log does not hold.
   */
  async snapshot(): Promise<void> {
    const snapshots = this.deps.snapshots;
    if (snapshots === undefined || this.lastIndex === 0 || this.snapshotIndex === this.lastIndex || this.broken) return;
    const record = { batch_index: this.lastIndex, sequence: this.head, state: JSON.stringify(this.deps.engine.snapshot()) };
    await this.drain();
    await snapshots.save(record);
    this.snapshotIndex = record.batch_index;
    this.recordsSinceSnapshot = 0;
  }
}

/** Stateless rejects and the engine's rejections, merged in the order of their input records. */
function inInputOrder(input: InputBatch, rejections: readonly Rejection[]): RejectRecord[] {
  if (rejections.length === 0) return [...input.rejects];
  const all = [
    ...input.rejects,
    ...rejections.map((r): RejectRecord => ({
      position: r.position, line: input.recordsAt.get(r.position)?.line ?? null, code: r.code, reason: r.reason, event_id: r.event_id,
    })),
  ];
  const order = (r: RejectRecord): number => input.recordsAt.get(r.position)?.order ?? Number.MAX_SAFE_INTEGER;
  return all.sort((a, b) => order(a) - order(b));
}
