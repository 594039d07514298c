/**
 * Rebuilds the tables from the log alone: fold every event from sequence 1, then replace the
 * stored tables in one step. The fold is the same one every batch commit runs, so the rebuilt
 * tables equal the incrementally written ones. A log that hands out its serialised events is
 * decoded straight into what the fold reads (fold-input.ts), without building whole events.
 */
import type { CampaignEvent } from '../domain/campaign-events.ts';
import { allRows, emptyTables, foldAll } from '../domain/tables.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { TableSink } from '../ports/table-sink.ts';
import { foldInput } from './fold-input.ts';
import { eventPages, PAGE_SIZE } from './log-reader.ts';

export interface ReplayProgress {
  readonly events: number;
  readonly total: number;
}

export interface ReplaySummary {
  readonly events_folded: number;
  readonly rows: number;
  readonly sequence: number;
}

export async function replayTables(
  log: EventLog, sink: TableSink, onProgress: (p: ReplayProgress) => void = () => {},
): Promise<ReplaySummary> {
  const total = await log.head();
  const tables = emptyTables();
  let events = 0;
  if (log.readSerialized !== undefined) {
    for (let next = 1; next <= total;) {
      const page = await log.readSerialized(next, Math.min(PAGE_SIZE * 10, total - next + 1));
      if (page.length === 0) break;
      // The fold reads sequence, type, time and payload only (FoldInput).
      const decoded = page.map(foldInput) as CampaignEvent[];
      foldAll(tables, decoded);
      next = decoded[decoded.length - 1].sequence + 1;
      events += page.length;
      onProgress({ events, total });
    }
  } else {
    for await (const page of eventPages(log, 1, total)) {
      foldAll(tables, page);
      events += page.length;
      onProgress({ events, total });
    }
  }
  const rows = allRows(tables);
  await sink.replaceAll(rows, tables.sequence);
  return { events_folded: events, rows: rows.length, sequence: tables.sequence };
}
