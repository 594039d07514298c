/**
 * The input a log's committed batches consumed, read again: each batch's recorded segments are
 * re-opened, their records decoded, and the batch closed at its recorded range, so the ingest
 * loop cuts exactly the batches that were committed. Restoring an engine (restore.ts) checks what
 * an engine makes of them against the log; `campaigns diff` clusters them under another profile
 * into a scratch store (profile-diff.ts).
 *
 * A source is opened once, at its latest checkpoint's locator, and verified against that
 * checkpoint before a record is read from it: a file whose consumed part has changed is
 * `input_changed`, a file that is gone `input_missing` (from the opener), never a silently
 * different re-derivation.
 */
import type { BatchRecord, BatchSegment, EventLog, InputCheckpoint } from '../ports/event-log.ts';
import type { IdentitySource } from '../ports/identity-source.ts';
import type { IngestItem } from './batch-assembly.ts';
import { decodeRecord } from './decode.ts';
import { inDomain, type DomainFilter } from './domain-filter.ts';
import { verifyCheckpoint } from './input-plan.ts';
import { batchRecords } from './log-reader.ts';
import { SegmentReader } from './segment-reader.ts';

export interface RecordedInputDeps {
  readonly log: EventLog;
  /** Opens a source the store recorded, by name and last known locator. */
  readonly openSource: (name: string, locator: string) => Promise<IdentitySource>;
  /** The store's one domain when its inputs mix domains: a recorded segment's other records are skipped. */
  readonly domain?: DomainFilter;
}

export class RecordedInput {
  private readonly reader: SegmentReader;
  /** Batches whose items were handed out and that were not taken yet (`take`), oldest first. */
  private readonly pending: BatchRecord[] = [];
  private checkpoints: Map<string, InputCheckpoint> | null = null;

  constructor(private readonly deps: RecordedInputDeps) {
    const opened = new Map<string, IdentitySource>();
    this.reader = new SegmentReader(async (segment: BatchSegment) => {
      let s = opened.get(segment.source);
      if (s === undefined) {
        this.checkpoints ??= new Map((await deps.log.checkpoints()).map((c) => [c.source, c]));
        const cp = this.checkpoints.get(segment.source);
        s = await deps.openSource(segment.source, cp?.locator ?? segment.locator);
        if (cp !== undefined) await verifyCheckpoint(s, cp);
        opened.set(segment.source, s);
      }
      return s;
    });
  }

  /**
   * The records of batches `after + 1 … last` in order, each batch's followed by its recorded cut.
   * A batch's record is queued for `take` before its first record is handed out.
   */
  async *items(after: number, last = Number.POSITIVE_INFINITY): AsyncGenerator<IngestItem> {
    // A segment runs from the batch's first record of a source to its last: other domains'
    // records in between were never the batch's.
    const keep = inDomain(this.deps.domain);
    for await (const batch of batchRecords(this.deps.log, after + 1)) {
      if (batch.index > last) return;
      this.pending.push(batch);
      for (const segment of batch.segments) {
        for await (const record of this.reader.read(segment)) {
          const d = decodeRecord(record);
          if (keep(d)) yield d;
        }
      }
      yield { recorded: batch.range };
    }
  }

  /**
   * The record of the oldest batch handed out and not taken yet: the one the ingest loop is
   * staging now (it stages batches in order, and reads at most one ahead).
   */
  take(): BatchRecord | undefined {
    return this.pending.shift();
  }

  async close(): Promise<void> {
    await this.reader.close();
  }
}
