/**
 * One batch, from assembled input to durable commit:
 *   engine.applyBatch → fold the events into the tables → write the rejects (stateless and
 *   engine-level, in input order) → append events + batch record + input checkpoints + changed
 *   rows in one transaction → maybe snapshot the engine.
 *
 * The engine and the in-memory tables run ahead of the store between applyBatch and append; if
 * the append fails, this committer (and the run) is finished: a restart re-derives both from
 * the store, and rolls the rejects file back to the committed mark.
 */
import type { CampaignEvent } from '../domain/campaign-events.ts';
import type { BatchStats, Engine, Rejection } from '../domain/engine-api.ts';
import { foldEvents, rowsOf, type CampaignTables } from '../domain/tables.ts';
import type { BatchSegment, EventLog } from '../ports/event-log.ts';
import type { IdentitySource } from '../ports/identity-source.ts';
import type { RejectRecord, RejectSink } from '../ports/reject-sink.ts';
import type { SnapshotStore } from '../ports/snapshot-store.ts';
import type { InputBatch } from './batch-assembly.ts';
import { PipelineError } from './errors.ts';

export interface CommittedBatch {
  readonly index: number;
  readonly input: InputBatch;
  readonly events: readonly CampaignEvent[];
  readonly rejected: number;
  readonly stats: BatchStats | null;
}

export interface CommitterDeps {
  readonly engine: Engine;
  readonly tables: CampaignTables;
  readonly log: EventLog;
  readonly rejects: RejectSink;
  readonly snapshots: SnapshotStore;
  /** The sources being read, by name (fingerprints are taken at commit). */
  readonly sources: ReadonlyMap<string, IdentitySource>;
}

export interface CommitterStart {
  /** Index of the last committed batch (0 for a new store). */
  readonly lastIndex: number;
  /** Sequence of the last event in the log; asked of the engine when omitted. */
  readonly head?: number;
  /** Index of the batch the newest snapshot was taken after (0 if none). */
  readonly snapshotIndex: number;
  /** Snapshot again once this many input records have been committed since the last one. */
  readonly snapshotEveryRecords: number;
}

export class BatchCommitter {
  private lastIndex: number;
  private head: number;
  private snapshotIndex: number;
  private recordsSinceSnapshot = 0;

  constructor(private readonly deps: CommitterDeps, private readonly start: CommitterStart) {
    this.lastIndex = start.lastIndex;
    this.head = start.head ?? deps.engine.status().next_sequence - 1;
    this.snapshotIndex = start.snapshotIndex;
  }

  async commit(input: InputBatch): Promise<CommittedBatch> {
    const { engine, tables, log, rejects } = this.deps;
    const index = this.lastIndex + 1;
    // Tracked here rather than asked of the engine: its status() walks every campaign.
    const firstSequence = this.head + 1;
    const outcome = input.events.length > 0 ? engine.applyBatch(input.events, input.range) : null;
    const events = outcome?.events ?? [];
    events.forEach((e, k) => {
      if (e.sequence !== firstSequence + k) {
        throw new PipelineError('state_mismatch', `batch ${index}: the engine emitted sequence ${e.sequence}, expected ${firstSequence + k}`);
      }
    });
    const changed = foldEvents(tables, events);
    const rejected = inInputOrder(input, outcome?.rejections ?? []);
    const mark = await rejects.write(rejected);
    const segments = await Promise.all(input.segments.map(async (s): Promise<BatchSegment> => {
      const source = this.deps.sources.get(s.source);
      if (source === undefined) throw new PipelineError('state_mismatch', `batch ${index} read from unknown source ${s.source}`);
      return { ...s, locator: source.locator, fingerprint: await source.fingerprint(s.end) };
    }));
    await log.append({
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
      tables: rowsOf(tables, changed),
    });
    this.lastIndex = index;
    this.head += events.length;
    this.recordsSinceSnapshot += input.input_count;
    if (this.recordsSinceSnapshot >= this.start.snapshotEveryRecords) await this.snapshot();
    return { index, input, events, rejected: rejected.length, stats: outcome?.stats ?? null };
  }

  /** Snapshots the engine after the last committed batch, unless that one is already saved. */
  async snapshot(): Promise<void> {
    if (this.lastIndex === 0 || this.snapshotIndex === this.lastIndex) return;
    const { engine, snapshots } = this.deps;
    await snapshots.save({
      batch_index: this.lastIndex,
      sequence: this.head,
      state: JSON.stringify(engine.snapshot()),
    });
    this.snapshotIndex = this.lastIndex;
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
