/**
 * Reads back exactly the records a committed batch consumed, from its recorded segments, to
 * re-derive engine state. Consecutive segments of one source continue one open reader; a
 * segment that does not start where that reader stands reopens the source at the segment
 * (a record read past the segment's end, see consumedBeforeItsNewline, leaves it elsewhere).
 * Input that no longer lines up with the record (a record boundary moved, the file ends too
 * early) is `input_changed`.
 */
import { InputError } from '../ports/errors.ts';
import type { BatchSegment } from '../ports/event-log.ts';
import { formatPosition, samePosition, type IdentitySource, type SourceRecord } from '../ports/identity-source.ts';

interface OpenReader {
  readonly it: AsyncIterator<SourceRecord>;
  next: SourceRecord | null;
}

export class SegmentReader {
  private readonly open = new Map<string, OpenReader>();

  constructor(private readonly sourceFor: (segment: BatchSegment) => Promise<IdentitySource>) {}

  async *read(segment: BatchSegment): AsyncGenerator<SourceRecord> {
    let r = this.open.get(segment.source);
    if (r === undefined || r.next === null || !samePosition(r.next.start, segment.start)) {
      await r?.it.return?.(undefined);
      const source = await this.sourceFor(segment);
      const it = source.records(segment.start)[Symbol.asyncIterator]();
      r = { it, next: await pull(it) };
      this.open.set(segment.source, r);
      if (r.next !== null && !samePosition(r.next.start, segment.start)) {
        throw new InputError('input_changed', `${segment.source}: no record starts at ${formatPosition(segment.source, segment.start)}, where a committed batch started`);
      }
    }
    const where = (): string => formatPosition(segment.source, segment.end);
    for (;;) {
      const rec = r.next;
      if (rec === null) throw new InputError('input_changed', `${segment.source} ends before ${where()}, where a committed batch ended`);
      const last = samePosition(rec.end, segment.end) || consumedBeforeItsNewline(rec, segment);
      if (!last && (rec.end.offset > segment.end.offset || (rec.end.offset === segment.end.offset && rec.end.index > segment.end.index))) {
        throw new InputError('input_changed', `${segment.source}: no record ends at ${where()}, where a committed batch ended`);
      }
      r.next = await pull(r.it);
      yield rec;
      if (last) return;
    }
  }

  async close(): Promise<void> {
    for (const r of this.open.values()) await r.it.return?.(undefined);
    this.open.clear();
  }
}

/**
 * A last NDJSON line is consumed without its newline when it is a complete JSON object; once
 * the newline is written, the same line ends after it. Its content still ends at the segment's
 * end: it is the record the batch consumed.
 */
const consumedBeforeItsNewline = (rec: SourceRecord, segment: BatchSegment): boolean =>
  rec.contentEnd !== undefined && rec.end.index === 0 && segment.end.index === 0 &&
  rec.contentEnd <= segment.end.offset && segment.end.offset < rec.end.offset;

async function pull(it: AsyncIterator<SourceRecord>): Promise<SourceRecord | null> {
  const r = await it.next();
  return r.done ? null : r.value;
}
