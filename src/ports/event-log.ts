/**
 * The campaign event log: append-only, gap-free sequences from 1, and with every batch the
 * input it consumed. Appending a batch is atomic: its events, its record (range, input
 * segments, rejects mark) and, for adapters that keep the tables in the same database, the
 * table rows it changed become visible together or not at all. That is what lets a restart
 * resume after the last committed batch with nothing applied twice and nothing lost.
 *
 * Adapters: SQLite (`src/adapters/sqlite/`); the contract every adapter must pass is
 * `test/runtime/event-log-contract.ts`.
 */
import type { BatchRange, CampaignEvent } from '../domain/campaign-events.ts';
import type { CampaignRow } from '../domain/tables.ts';
import type { InputPosition } from './identity-source.ts';
import { StoreError } from './errors.ts';

/** The contiguous part of one source a batch consumed. */
export interface BatchSegment {
  readonly source: string;
  /** Where the source was read from (a path), to find it again when rebuilding state. */
  readonly locator: string;
  readonly start: InputPosition;
  readonly end: InputPosition;
  /** `IdentitySource.fingerprint(end)`: proves later that the consumed part is unchanged. */
  readonly fingerprint: string;
}

/**
 * One committed batch. Recorded so that a restart without a snapshot can re-read exactly the
 * same input records in the same batches and re-derive the very same engine state.
 */
export interface BatchRecord {
  /** From 1, gap-free. */
  readonly index: number;
  /** The range the batch's events carry. */
  readonly range: BatchRange;
  /** What the batch consumed, in reading order (a batch may span files). */
  readonly segments: readonly BatchSegment[];
  /** Records consumed, valid and rejected. */
  readonly input_count: number;
  /** Sequence of the batch's first event (the log's head + 1 before the batch). */
  readonly first_sequence: number;
  readonly event_count: number;
  /** Opaque mark of the rejects output after this batch's rejects (RejectSink.write). */
  readonly rejects_mark: string;
}

/** The latest consumed position of one source. */
export interface InputCheckpoint {
  readonly source: string;
  readonly locator: string;
  readonly position: InputPosition;
  readonly fingerprint: string;
  readonly batch_index: number;
}

export interface BatchCommit {
  readonly batch: BatchRecord;
  /** Sequences `batch.first_sequence …` without gaps; `batch.event_count` of them. */
  readonly events: readonly CampaignEvent[];
  /**
   * The table rows changed since the tables were last written (by this batch and by the batches
   * before it that carried none); the tables then reflect the log up to this batch's last event.
   * An adapter that keeps the tables in the same database writes them in the same transaction;
   * one that cannot rejects the commit ('unsupported'). Absent: this commit leaves the tables,
   * and the sequence they reflect, as they were (they lag the log until a later commit or
   * `TableSink.write` carries the rows). An empty list is not absent: nothing changed, and the
   * tables now reflect this batch.
   */
  readonly tables?: readonly CampaignRow[];
}

export interface EventLog {
  /**
   * How many appends may be in flight at once: an adapter that applies its appends strictly in
   * the order they were called (one writer thread with a queue) says so here, and a caller may
   * then hand it the next batch before the previous one settled. Absent: 1, each append is
   * awaited before the next starts (concurrent appends on a connection pool could reach the
   * database out of order, and the continuity check would refuse the later one).
   */
  readonly maxAppendsInFlight?: number;
  /**
   * Append one batch atomically. Refuses ('sequence_conflict', 'batch_conflict',
   * 'duplicate_event') a batch that does not continue the log exactly: a second writer or a
   * replayed batch must fail, not interleave.
   */
  append(commit: BatchCommit): Promise<void>;
  /** Up to `limit` events from `fromSequence` inclusive, in sequence order. */
  read(fromSequence: number, limit: number): Promise<readonly CampaignEvent[]>;
  /**
   * The same events as they were serialised once (`JSON.stringify` of the envelope, which is
   * what every reader prints), without building them: for readers that print the log or scan
   * parts of it (the replay fold decodes only what it folds). Optional: an adapter that does not
   * keep the serialised form omits it, and readers fall back to `read`.
   */
  readSerialized?(fromSequence: number, limit: number): Promise<readonly string[]>;
  /**
   * The events at these sequences, in ascending order (a history page: scattered sequences).
   * Every sequence must be logged. Optional: readers fall back to one `read` per sequence.
   */
  readAt?(sequences: readonly number[]): Promise<readonly CampaignEvent[]>;
  /** Sequence of the last event; 0 when empty. */
  head(): Promise<number>;
  lastBatch(): Promise<BatchRecord | null>;
  /** Up to `limit` batch records from index `fromIndex` inclusive. */
  batches(fromIndex: number, limit: number): Promise<readonly BatchRecord[]>;
  /** The latest checkpoint of every source ever consumed, by source name. */
  checkpoints(): Promise<readonly InputCheckpoint[]>;
  close(): Promise<void>;
}

/**
 * A commit whose own parts disagree (event count, gap-free sequences from `first_sequence`) is a
 * caller bug: every adapter refuses it with this one check before touching its database.
 */
export function checkCommitShape({ batch, events }: BatchCommit): void {
  if (events.length !== batch.event_count) {
    throw new StoreError('sequence_conflict', `batch ${batch.index} declares ${batch.event_count} events but carries ${events.length}`);
  }
  for (let i = 0; i < events.length; i++) {
    if (events[i].sequence !== batch.first_sequence + i) {
      throw new StoreError('sequence_conflict', `batch ${batch.index}: event ${i} has sequence ${events[i].sequence}, expected ${batch.first_sequence + i}`);
    }
  }
}

/** `log.readAt`, or one `read` per sequence where the adapter has no such query. */
export async function readEventsAt(log: EventLog, sequences: readonly number[]): Promise<readonly CampaignEvent[]> {
  if (sequences.length === 0) return [];
  const sorted = [...sequences].sort((a, b) => a - b);
  if (log.readAt !== undefined) return log.readAt(sorted);
  const out: CampaignEvent[] = [];
  for (const s of sorted) out.push(...await log.read(s, 1));
  return out;
}
