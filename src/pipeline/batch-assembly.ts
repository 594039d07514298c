/**
 * Cuts the decoded record stream into batches. A batch is a contiguous run of records that
 * closes at its `size`-th valid event, or at its `size`-th reject (so a long run of garbage
 * cannot pile up unbounded in one batch), or at the end of the input. The cut depends on the
 * input and `size` only, so a restart that resumes after a committed batch cuts the rest
 * exactly like an uninterrupted run: same ranges, same events, byte-identical log. The one
 * exception is a followed input, where a quiet spell (FLUSH) also closes a batch.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { BatchRange } from '../domain/campaign-events.ts';
import type { PositionedEvent } from '../domain/identity-events.ts';
import { formatPosition, type InputPosition } from '../ports/identity-source.ts';
import type { RejectRecord } from '../ports/reject-sink.ts';
import type { Decoded } from './decode.ts';

/** A batch's contiguous part of one source (fingerprinted when the batch commits). */
export interface SegmentDraft {
  readonly source: string;
  readonly start: InputPosition;
  readonly end: InputPosition;
}

export interface InputBatch {
  readonly range: BatchRange;
  readonly segments: readonly SegmentDraft[];
  readonly input_count: number;
  readonly events: readonly PositionedEvent[];
  /** Stateless rejects, in input order. */
  readonly rejects: readonly RejectRecord[];
  /**
   * Order and line of every record by position label, so that the engine's rejections can be
   * written in input order among the stateless ones.
   */
  readonly recordsAt: ReadonlyMap<string, { readonly order: number; readonly line: number }>;
  readonly unmappedTactics: number;
}

export class BatchAssembler {
  private records: Decoded[] = [];
  private events = 0;
  private rejects = 0;

  constructor(private readonly size: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
  }

  /** Adds a record; returns the batch it closes, if any. */
  add(d: Decoded): InputBatch | null {
    this.records.push(d);
    if (d.ok) this.events++;
    else this.rejects++;
    return this.events >= this.size || this.rejects >= this.size ? this.cut() : null;
  }

  /**
   * The last, partial batch at the end of the input (or at a cut). `range`: the range a committed
   * batch recorded, which re-deriving it must apply again (a last NDJSON line consumed before its
   * newline ends elsewhere once the newline is there, segment-reader.ts).
   */
  flush(range?: BatchRange): InputBatch | null {
    return this.records.length > 0 ? this.cut(range) : null;
  }

  private cut(recorded?: BatchRange): InputBatch {
    const records = this.records;
    this.records = [];
    this.events = 0;
    this.rejects = 0;
    const segments: SegmentDraft[] = [];
    const events: PositionedEvent[] = [];
    const rejects: RejectRecord[] = [];
    const recordsAt = new Map<string, { order: number; line: number }>();
    let unmappedTactics = 0;
    records.forEach((d, order) => {
      const r = d.record;
      const seg = segments[segments.length - 1];
      if (seg !== undefined && seg.source === r.source) segments[segments.length - 1] = { ...seg, end: r.end };
      else segments.push({ source: r.source, start: r.start, end: r.end });
      if (d.ok) {
        events.push(d.event);
        recordsAt.set(d.event.position, { order, line: d.line });
        unmappedTactics += d.unmappedTactics;
      } else {
        rejects.push(d.reject);
        recordsAt.set(d.reject.position, { order, line: d.reject.line ?? 0 });
      }
    });
    const first = records[0].record;
    const last = records[records.length - 1].record;
    return {
      range: recorded ?? { from: formatPosition(first.source, first.start), to: formatPosition(last.source, last.end) },
      segments,
      input_count: records.length,
      events,
      rejects,
      recordsAt,
      unmappedTactics,
    };
  }
}

/**
 * In a decoded stream: the records gathered so far close a batch now instead of waiting for it
 * to fill (a followed input gone quiet, the end of a fetched Kafka batch).
 */
export const FLUSH = Symbol('flush');

/** In a decoded stream: the records since the last cut are one committed batch, to apply again with its recorded range. */
export interface RecordedCut {
  readonly recorded: BatchRange;
}

export type IngestItem = Decoded | typeof FLUSH | RecordedCut;

const isRecordedCut = (d: IngestItem): d is RecordedCut => typeof d === 'object' && 'recorded' in d;

/** The assembler as an RxJS operator. */
export const assembleBatches = (size: number): OperatorFunction<IngestItem, InputBatch> =>
  (source) => new Observable<InputBatch>((subscriber) => {
    const assembler = new BatchAssembler(size);
    return source.subscribe({
      next: (d) => {
        const batch = d === FLUSH ? assembler.flush() : isRecordedCut(d) ? assembler.flush(d.recorded) : assembler.add(d);
        if (batch !== null) subscriber.next(batch);
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => {
        const batch = assembler.flush();
        if (batch !== null) subscriber.next(batch);
        subscriber.complete();
      },
    });
  });
