/**
 * How a clustering domain's log is laid out in KurrentDB, and the revision arithmetic that
 * follows from it. Pure: no client.
 *
 * One stream per domain, `campaigns-<domain>`. Each batch is ONE append of its campaign events
 * in sequence order followed by one `batch.committed` event carrying the BatchRecord (range,
 * segments, input count, rejects mark). So batch k (1-based) whose events end at log head h
 * leaves the stream at revision h + k − 1: every event before it plus one record per batch.
 * Event sequence s, committed in batch k, sits at revision s + k − 2.
 */
import { StoreError } from '../../ports/errors.ts';
import type { BatchRecord } from '../../ports/event-log.ts';

export const STREAM_PREFIX = 'campaigns-';
export const DEFAULT_DOMAIN = 'default';
/** The type of the record event closing each batch. Not a campaign event type, not a `$` system type. */
export const BATCH_EVENT_TYPE = 'batch.committed';

/** Letters, digits, `_`, `.` and `-`: safe in a stream name and in KurrentDB's category projections. */
const DOMAIN = /^[A-Za-z0-9_.-]{1,200}$/;

export function streamName(domain: string = DEFAULT_DOMAIN): string {
  if (!DOMAIN.test(domain)) {
    throw new StoreError('store_failure', `invalid clustering domain '${domain}': use 1-200 letters, digits, '_', '.' or '-'`);
  }
  return `${STREAM_PREFIX}${domain}`;
}

/** The stream's last revision after batch `batchIndex` ended at `head`; null before the first batch (no stream). */
export function revisionAfter(head: number, batchIndex: number): bigint | null {
  return batchIndex === 0 ? null : BigInt(head + batchIndex - 1);
}

/** Revision of event `sequence`, committed in batch `batchIndex`. */
export const revisionOf = (sequence: number, batchIndex: number): bigint => BigInt(sequence + batchIndex - 2);

/**
 * Index of the batch holding `sequence` (which must be ≤ the head): the last batch starting at
 * or before it. Empty batches share their first_sequence with the batch after them, so "last"
 * skips them.
 */
export function batchHolding(batches: readonly BatchRecord[], sequence: number): number {
  let lo = 0;
  let hi = batches.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (batches[mid].first_sequence <= sequence) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (found < 0) throw new StoreError('store_corrupt', `no batch holds sequence ${sequence}`);
  return batches[found].index;
}

export interface ReadWindow {
  readonly fromRevision: bigint;
  /** Stream events to read: the wanted campaign events plus the batch records between them. */
  readonly maxCount: number;
  readonly firstSequence: number;
  readonly lastSequence: number;
}

/** What to read from the stream for `read(fromSequence, limit)`; null when nothing is wanted. */
export function readWindow(batches: readonly BatchRecord[], head: number, fromSequence: number, limit: number): ReadWindow | null {
  const first = Math.max(1, fromSequence);
  if (limit <= 0 || first > head) return null;
  const last = Math.min(head, first + limit - 1);
  const fromRevision = revisionOf(first, batchHolding(batches, first));
  const lastRevision = revisionOf(last, batchHolding(batches, last));
  return { fromRevision, maxCount: Number(lastRevision - fromRevision) + 1, firstSequence: first, lastSequence: last };
}
