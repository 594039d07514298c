/**
 * Walks the campaign event log batch by batch and hands on the events of the prefix an as-of
 * position selects (domain/as-of.ts): whole batches only, stopping at the first batch the
 * position does not admit. Batch records say where each batch starts and how many events it
 * has; the events are read in pages of their own, so a log of many small batches is not read
 * one batch per query.
 */
import { admitsBatch, type AsOf } from '../domain/as-of.ts';
import type { CampaignEvent } from '../domain/campaign-events.ts';
import { StoreError } from '../ports/errors.ts';
import type { EventLog } from '../ports/event-log.ts';
import { foldInput, type FoldInput } from './fold-input.ts';
import { batchRecords, PAGE_SIZE } from './log-reader.ts';

/** What the walk needs of an event: its place and its time. */
export type PrefixEvent = Pick<CampaignEvent, 'sequence' | 'time'>;

export type EventReader<E extends PrefixEvent> = (fromSequence: number, limit: number) => Promise<readonly E[]>;

/** Where a walk starts: after a batch whose state the caller already has (a table snapshot). */
export interface PrefixStart {
  readonly batchIndex: number;
  readonly sequence: number;
}

/** Where the prefix ends: its last batch and last event (0, 0: the empty prefix). */
export interface PrefixEnd {
  readonly batchIndex: number;
  readonly sequence: number;
  /**
   * The prefix ran to the end of the log as read, so a longer log may extend it. False when a
   * batch ended it: the log is append-only, so that prefix is final.
   */
  readonly open: boolean;
}

export const LOG_START: PrefixStart = { batchIndex: 0, sequence: 0 };

/** Whole events, evidence included (what the HTTP index needs). */
export const fullEvents = (log: EventLog): EventReader<CampaignEvent> => (from, limit) => log.read(from, limit);

/** Only what the table fold reads, decoded from the stored text when the log keeps it (replay's path). */
export function foldInputs(log: EventLog): EventReader<FoldInput> {
  const serialized = log.readSerialized?.bind(log);
  if (serialized === undefined) return (from, limit) => log.read(from, limit);
  return async (from, limit) => (await serialized(from, limit)).map(foldInput);
}

/** Events from a sequence on, handed out in runs of a given length, read a page at a time. */
class EventCursor<E extends PrefixEvent> {
  private page: readonly E[] = [];
  private at = 0;

  constructor(private readonly read: EventReader<E>, private next: number) {}

  async take(n: number): Promise<E[]> {
    const out: E[] = [];
    while (out.length < n) {
      if (this.at === this.page.length) {
        const from = this.next;
        this.page = await this.read(from, Math.max(PAGE_SIZE, n - out.length));
        this.at = 0;
        // Batch records and events are committed together: a recorded batch whose events are
        // missing is a damaged store, not a prefix to show.
        if (this.page.length === 0) throw new StoreError('store_failure', `the event log has no event ${from}, which a batch record names`);
        this.next = this.page[this.page.length - 1].sequence + 1;
      }
      const end = Math.min(this.page.length, this.at + n - out.length);
      for (; this.at < end; this.at++) out.push(this.page[this.at]);
    }
    return out;
  }
}

/**
 * Hands `onBatch` the events of every batch of the prefix `asOf` selects, after `start`, in
 * order, with the batch's index and last sequence (awaited before the next batch is read), and
 * returns where the prefix ends. Beyond the head: the whole log.
 */
export async function walkPrefix<E extends PrefixEvent>(
  log: EventLog, asOf: AsOf, read: EventReader<E>,
  onBatch: (events: readonly E[], batch: PrefixStart) => void | Promise<void>, start: PrefixStart = LOG_START,
): Promise<PrefixEnd> {
  let end = { batchIndex: start.batchIndex, sequence: start.sequence };
  const cursor = new EventCursor(read, start.sequence + 1);
  for await (const batch of batchRecords(log, start.batchIndex + 1)) {
    if (batch.first_sequence !== end.sequence + 1) {
      throw new StoreError('store_failure', `batch ${batch.index} starts at sequence ${batch.first_sequence}, expected ${end.sequence + 1}`);
    }
    const lastSequence = batch.first_sequence + batch.event_count - 1;
    // Times are only needed for a time position; a sequence position decides from the record.
    if (asOf.kind === 'sequence' && !admitsBatch(asOf, { lastSequence, eventTimes: [] })) return { ...end, open: false };
    const events = batch.event_count === 0 ? [] : await cursor.take(batch.event_count);
    if (!admitsBatch(asOf, { lastSequence, eventTimes: events.map((e) => e.time) })) return { ...end, open: false };
    end = { batchIndex: batch.index, sequence: lastSequence };
    await onBatch(events, end);
  }
  return { ...end, open: true };
}
