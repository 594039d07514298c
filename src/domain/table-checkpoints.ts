/**
 * Table checkpoints: the campaign tables as they stood after some batch, kept so that a past
 * state (as-of.ts) is folded from the nearest checkpoint before it instead of from the log start.
 * This module holds the rules a store and `replay` share; the rows themselves are the store's.
 *
 * - When: once the events since the last checkpoint reach max(minimum, rows in the tables).
 *   Copying every row costs one write per row, so an interval of at least the row count keeps
 *   the copying at no more than one row per logged event on average; the minimum keeps a small
 *   store from copying its tables every few batches.
 * - Which, for a position: a checkpoint is usable when the prefix the position selects contains
 *   it. For a sequence, its last sequence is at or below the position (batch ends grow along the
 *   log). For a time, every event up to it is at or before the time: that is its latest event
 *   time, taken over the whole prefix (times may fall back along the log, so the batch's own
 *   time would not say it).
 *
 * Pure: no I/O, no clock.
 */
import type { AsOf } from './as-of.ts';
import { parseIso } from './time.ts';

/** Default minimum of events between two checkpoints (configurable per store). */
export const CHECKPOINT_MIN_EVENTS = 250_000;

export interface TableCheckpoint {
  /** The batch after which the tables were copied. */
  readonly batchIndex: number;
  /** Sequence of that batch's last event. */
  readonly sequence: number;
  /**
   * The latest event time of the prefix through that batch, in epoch seconds. Null when a time
   * in it does not parse: such a prefix is in no time position's prefix (admitsBatch).
   */
  readonly maxTime: number | null;
  /** Rows copied (every row of the tables then). */
  readonly rowCount: number;
}

/** Whether a checkpoint is due after a batch: `eventsSince` logged since the last one, `rows` in the tables. */
export const checkpointDue = (eventsSince: number, rows: number, minEvents: number): boolean =>
  eventsSince >= Math.max(minEvents, rows, 1);

/**
 * Events whose times a checkpoint reads back inside one batch's commit at most, unless they are
 * only about one interval's worth: about a second of reading.
 */
export const MAX_TIME_SCAN_EVENTS = 1_000_000;

/**
 * Whether a checkpoint reads back the times of the events since the previous one, inside the
 * batch's transaction. Always after a checkpoint (about one interval of events), and for the
 * first one of a store that had none while the log was short. Not for the first checkpoint of a
 * large store laid out before them, whose prefix is the whole log: reading 10M times would hold
 * that batch's commit for many seconds (a pipeline member could miss its session and be
 * replaced). That checkpoint records no time (null, like an unparseable one): sequence positions
 * use it, time positions fold from the start until `replay` rewrites the checkpoints with times.
 */
export const readsTimes = (hasPrevious: boolean, eventsSince: number, rows: number, minEvents: number): boolean =>
  hasPrevious || eventsSince <= Math.max(2 * Math.max(minEvents, rows, 1), MAX_TIME_SCAN_EVENTS);

/** The prefix's latest time before any event. */
export const NO_TIME = -Infinity;

/**
 * The latest time of a prefix extended by these event times (`prior`: the prefix's so far, NO_TIME
 * for none). An unparseable time makes it null for good: no time position admits that prefix.
 */
export function latestTime(prior: number | null, times: Iterable<string>): number | null {
  if (prior === null) return null;
  let latest = prior;
  for (const t of times) {
    const epoch = parseIso(t);
    if (epoch === null) return null;
    if (epoch > latest) latest = epoch;
  }
  return latest;
}

/** Whether the prefix `asOf` selects contains the whole prefix through this checkpoint. */
export function checkpointUsable(asOf: AsOf, c: Pick<TableCheckpoint, 'sequence' | 'maxTime'>): boolean {
  if (asOf.kind === 'sequence') return c.sequence <= asOf.sequence;
  return c.maxTime !== null && c.maxTime <= asOf.epoch;
}
