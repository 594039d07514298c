/**
 * `GET /api/v1/log/positions?points&sequence`: where a time slider over the log can stop, and
 * when each stop was. `?as_of=` only ever stands at a batch's end (never half a batch,
 * domain/as-of.ts), so the stops are batch ends: the sequence of a batch's last event and that
 * event's time (a batch's time, docs/ANALYSTS.md#time-travel). A log of 100,000 batches is
 * sampled: at most `points` stops, evenly spread over the batch indexes, and always the first
 * and the last batch. `sequence=S` also says which stop `as_of=S` selects (S rounded down to a
 * batch end), so a page given a bare sequence can say when that was.
 *
 * Only the EventLog port is read (batch records by index, one event per stop), so this works on
 * every store adapter, beside whatever read model answers the campaign routes. A batch is final
 * once recorded, so each stop is read once and cached; stops are sampled at indexes that are
 * multiples of a power of two, so they stay the same stops while the log grows (until it
 * doubles), and a request costs a few reads of the new batches, not `points` reads.
 */
import type { BatchRecord, EventLog } from '../../ports/event-log.ts';
import { Query } from './params.ts';
import { json, type Route, type RouteContext } from './route-context.ts';

export interface LogPosition {
  /** Batch index (from 1); 0 for the empty prefix before the first batch. */
  readonly batch: number;
  /** Sequence of the batch's last event: what `as_of` names this stop with. */
  readonly sequence: number;
  /** That event's time (the batch's time); null for the empty prefix. */
  readonly time: string | null;
}

export const START: LogPosition = { batch: 0, sequence: 0, time: null };

export const DEFAULT_POINTS = 200;
export const MAX_POINTS = 1_000;
/** Stops cached per log: a batch's end never changes, so the cache only bounds memory. */
const CACHED_STOPS = 20_000;

const lastSequence = (b: BatchRecord): number => b.first_sequence + b.event_count - 1;

/** The stops of one log, read through the port and cached (a recorded batch is final). */
export class LogPositions {
  private readonly cache = new Map<number, LogPosition>();

  constructor(private readonly log: EventLog) {}

  /** Index of the last recorded batch; 0 for an empty log. */
  async lastBatch(): Promise<number> {
    return (await this.log.lastBatch())?.index ?? 0;
  }

  /** The stop at the end of batch `index` (1..lastBatch). */
  async at(index: number): Promise<LogPosition> {
    const held = this.cache.get(index);
    if (held !== undefined) return held;
    const [batch] = await this.log.batches(index, 1);
    if (batch === undefined || batch.index !== index) throw new Error(`the event log has no batch ${index}`);
    const sequence = lastSequence(batch);
    // An empty batch ends where the one before it did: it is at that event, with its time.
    const [event] = sequence > 0 ? await this.log.read(sequence, 1) : [];
    const position: LogPosition = { batch: index, sequence, time: event?.time ?? null };
    if (this.cache.size >= CACHED_STOPS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(index, position);
    return position;
  }

  /**
   * At most about `points` stops: batch 1, every multiple of the smallest power of two that
   * keeps the count within `points`, and the last batch; sequences strictly increasing (an
   * empty batch repeats the stop before it and is left out).
   */
  async sample(points: number, last: number): Promise<LogPosition[]> {
    if (last === 0) return [];
    let step = 1;
    while (Math.ceil(last / step) > points) step *= 2;
    const indexes = new Set<number>([1]);
    for (let i = step; i <= last; i += step) indexes.add(i);
    indexes.add(last);
    const out: LogPosition[] = [];
    for (const i of [...indexes].sort((a, b) => a - b)) {
      const p = await this.at(i);
      if (out.length === 0 || p.sequence > out[out.length - 1].sequence) out.push(p);
    }
    return out;
  }

  /**
   * The stop `as_of=sequence` selects: the last batch whose last event is at or below it, or
   * START when even the first batch ends after it. A binary search over batch indexes (batch
   * ends never decrease along the log).
   */
  async atOrBefore(sequence: number, last: number): Promise<LogPosition> {
    let lo = 1;
    let hi = last;
    let found: LogPosition = START;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const p = await this.at(mid);
      if (p.sequence <= sequence) {
        found = p;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}

const positionsOf = new WeakMap<EventLog, LogPositions>();

/** One cache per domain's log, for every route that needs its stops. */
export function logPositions(log: EventLog): LogPositions {
  let p = positionsOf.get(log);
  if (p === undefined) positionsOf.set(log, (p = new LogPositions(log)));
  return p;
}

export const positionsRoute: Route = {
  perDomain: true,
  async handle({ url, log }: RouteContext) {
    const q = new Query(url, ['points', 'sequence']);
    const points = q.int('points', { min: 2, max: MAX_POINTS, default: DEFAULT_POINTS });
    const sequence = q.int('sequence', { min: 0, max: Number.MAX_SAFE_INTEGER, default: -1 });
    const positions = logPositions(log);
    const last = await positions.lastBatch();
    const data = await positions.sample(points, last);
    return json({
      batches: last,
      head: data.at(-1) ?? START,
      at: sequence < 0 ? null : await positions.atOrBefore(sequence, last),
      data,
    });
  },
};
