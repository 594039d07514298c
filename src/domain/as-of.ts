/**
 * Time travel: which prefix of the campaign event log an "as of" position names.
 *
 * Invariant: the prefix always ends at a batch boundary. A batch is one atomic step of the
 * engine (a merge and the moves it causes are one batch), so tables folded from half a batch
 * would show a state that never existed. Hence:
 *
 * - a sequence S selects every batch whose last event is at or below S: a sequence inside a
 *   batch is rounded down to the end of the batch before it;
 * - a time T selects the longest prefix whose events all have `time` ≤ T, rounded down to a
 *   batch boundary the same way. Event times need not grow along the log (a batch's time is its
 *   latest input time), so the prefix stops at the first event after T even if a later one is
 *   earlier again: a prefix is a state the tables were in, a filter by time would not be.
 *
 * Positions beyond the head select the whole log. Pure: the caller walks the log and asks, batch
 * by batch, whether the prefix goes on.
 */
import { parseIso } from './time.ts';

export type AsOf =
  | { readonly kind: 'sequence'; readonly sequence: number }
  /** `epoch` is `time` in epoch seconds: event times are compared as instants, not as text. */
  | { readonly kind: 'time'; readonly time: string; readonly epoch: number };

const DIGITS = /^[0-9]{1,15}$/;

/**
 * An as-of value as typed: decimal digits are a log sequence; anything else must be a strict
 * ISO-8601 time with a timezone (time.ts). Null for anything else, so the caller can say why
 * in its own terms (a usage error, a 400).
 */
export function parseAsOf(raw: string): AsOf | null {
  if (DIGITS.test(raw)) return { kind: 'sequence', sequence: Number(raw) };
  const epoch = parseIso(raw);
  return epoch === null ? null : { kind: 'time', time: raw, epoch };
}

/** What a bad value is told it should have been. */
export const AS_OF_EXPECTED = 'a log sequence (decimal digits) or an ISO-8601 time with a timezone (2026-01-03T10:00:00Z)';

/** One batch as the walk meets it: its last sequence and its events' times. */
export interface BatchExtent {
  /** Sequence of its last event (for an empty batch: the head before it). */
  readonly lastSequence: number;
  readonly eventTimes: Iterable<string>;
}

/**
 * Whether the prefix selected by `asOf` includes this batch, given that it includes every batch
 * before it. The first batch it does not include ends the prefix.
 */
export function admitsBatch(asOf: AsOf, batch: BatchExtent): boolean {
  if (asOf.kind === 'sequence') return batch.lastSequence <= asOf.sequence;
  for (const t of batch.eventTimes) {
    const epoch = parseIso(t);
    // An unparseable time cannot be shown to be at or before T: it ends the prefix.
    if (epoch === null || epoch > asOf.epoch) return false;
  }
  return true;
}
