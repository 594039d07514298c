/**
 * What the adapter knows about its stream: last revision, head, batch records, latest
 * checkpoint per source and every event id. KurrentDB has no secondary index to ask "is this
 * event id in the stream?" or "which revision holds sequence s?", so the adapter folds the
 * stream into this view (once in full, then incrementally) and answers from it. Pure: the fold
 * also checks that the stream keeps the layout (stream-layout.ts), and refuses it as
 * store_corrupt when it does not.
 *
 * Memory: one id per event (about 100 bytes each) and one record per batch.
 */
import { StoreError } from '../../ports/errors.ts';
import { checkCommitShape } from '../../ports/event-log.ts';
import type { BatchCommit, BatchRecord, InputCheckpoint } from '../../ports/event-log.ts';
import type { LogEntry } from './event-mapping.ts';
import { revisionAfter } from './stream-layout.ts';

export interface LogView {
  /** Last revision folded; null while the stream does not exist. */
  revision: bigint | null;
  /** Sequence of the last campaign event folded. */
  head: number;
  readonly batches: BatchRecord[];
  readonly checkpoints: Map<string, InputCheckpoint>;
  readonly eventIds: Set<string>;
  /** Campaign events folded since the last batch record: 0 whenever the view is consistent. */
  open: number;
}

export const emptyView = (): LogView =>
  ({ revision: null, head: 0, batches: [], checkpoints: new Map(), eventIds: new Set(), open: 0 });

/** Folds the entry read at `revision` (which must be the next one). */
export function foldEntry(view: LogView, entry: LogEntry, revision: bigint, stream: string): void {
  const expected = view.revision === null ? 0n : view.revision + 1n;
  if (revision !== expected) {
    throw new StoreError('store_corrupt', `${stream}: read revision ${revision} where ${expected} was expected`);
  }
  if (entry.kind === 'event') {
    const e = entry.event;
    if (e.sequence !== view.head + 1) {
      throw new StoreError('store_corrupt', `${stream}@${revision}: event sequence ${e.sequence} does not follow ${view.head}`);
    }
    view.head = e.sequence;
    view.eventIds.add(e.event_id);
    view.open += 1;
  } else {
    const b = entry.batch;
    const index = view.batches.length + 1;
    if (b.index !== index || b.event_count !== view.open || b.first_sequence + b.event_count - 1 !== view.head) {
      throw new StoreError('store_corrupt',
        `${stream}@${revision}: batch record ${b.index} (${b.event_count} events from ${b.first_sequence}) does not close batch ${index} of ${view.open} events ending at ${view.head}`);
    }
    closeBatch(view, b);
  }
  view.revision = revision;
}

/** After a catch-up read: a batch whose record never came means something else wrote here. */
export function checkClosed(view: LogView, stream: string): void {
  if (view.open !== 0) {
    throw new StoreError('store_corrupt', `${stream}: ${view.open} events after the last batch record ${view.batches.length}`);
  }
}

/** Refuses, before any round trip, a commit that could never be appended here. */
export function checkShape({ batch, events, tables }: BatchCommit): void {
  if (tables !== undefined) {
    throw new StoreError('unsupported', 'the KurrentDB event log keeps no tables: fold them from the log, or use a store that keeps them');
  }
  checkCommitShape({ batch, events });
}

/**
 * Refuses a commit that does not continue the log exactly, with the codes of the contract.
 * Sequence before index: a writer that lost a race gets sequence_conflict.
 */
export function checkContinues(view: LogView, { batch, events }: BatchCommit): void {
  if (batch.first_sequence !== view.head + 1) {
    throw new StoreError('sequence_conflict', `batch ${batch.index} starts at sequence ${batch.first_sequence}, the log's head is ${view.head}`);
  }
  const last = view.batches.length;
  if (batch.index !== last + 1) {
    throw new StoreError('batch_conflict', `batch ${batch.index} does not follow the last committed batch ${last}`);
  }
  const seen = new Set<string>();
  for (const e of events) {
    if (view.eventIds.has(e.event_id) || seen.has(e.event_id)) {
      throw new StoreError('duplicate_event', `event id ${e.event_id} (sequence ${e.sequence}) is already in the log`);
    }
    seen.add(e.event_id);
  }
}

/** The revision the stream must be at for the next append: the one after the last batch. */
export const expectedRevision = (view: LogView): bigint | null => revisionAfter(view.head, view.batches.length);

/** Folds a commit the server accepted (no need to read back what was just written). */
export function foldCommit(view: LogView, commit: BatchCommit): void {
  for (const e of commit.events) view.eventIds.add(e.event_id);
  view.head = commit.batch.first_sequence + commit.batch.event_count - 1;
  closeBatch(view, commit.batch);
  view.revision = revisionAfter(view.head, view.batches.length);
}

function closeBatch(view: LogView, b: BatchRecord): void {
  view.batches.push(b);
  for (const s of b.segments) {
    view.checkpoints.set(s.source, { source: s.source, locator: s.locator, position: s.end, fingerprint: s.fingerprint, batch_index: b.index });
  }
  view.open = 0;
}

/** Every source's latest checkpoint, sorted by source name (byte order, as the SQL stores list them). */
export const checkpointsOf = (view: LogView): InputCheckpoint[] =>
  [...view.checkpoints.values()].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
