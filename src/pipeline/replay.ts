/**
 * Rebuilds the tables from the log alone: fold every event from sequence 1, then replace the
 * stored tables in one step. The fold is the same one every batch commit runs, so the rebuilt
 * tables equal the incrementally written ones.
 */
import { allRows, emptyTables, foldAll } from '../domain/tables.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { TableSink } from '../ports/table-sink.ts';
import { eventPages } from './log-reader.ts';

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
  for await (const page of eventPages(log, 1, total)) {
    foldAll(tables, page);
    events += page.length;
    onProgress({ events, total });
  }
  const rows = allRows(tables);
  await sink.replaceAll(rows, tables.sequence);
  return { events_folded: events, rows: rows.length, sequence: tables.sequence };
}
