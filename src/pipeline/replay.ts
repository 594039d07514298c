/**
 * Rebuilds the tables from the log alone: fold every event from sequence 1, then replace the
 * stored tables in one step. The fold is the same one every batch commit runs, so the rebuilt
 * tables equal the incrementally written ones. A log that hands out its serialised events is
 * decoded straight into what the fold reads (fold-input.ts), without building whole events.
 *
 * Given the store's table checkpoints, it rebuilds those too (which is how a store laid out
 * before checkpoints gains them): it deletes them, folds batch by batch, and saves one whenever
 * one is due (checkpointDue, the store's own rule). Each is saved on its own: one that replay
 * did not reach is missing, never wrong, and an as-of position folds from an earlier one.
 */
import type { CampaignEvent } from '../domain/campaign-events.ts';
import { checkpointDue, latestTime, NO_TIME, type TableCheckpoint } from '../domain/table-checkpoints.ts';
import { allRows, emptyTables, foldAll, type CampaignTables } from '../domain/tables.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { TableCheckpointWriter } from '../ports/table-checkpoints.ts';
import type { TableSink } from '../ports/table-sink.ts';
import { foldInput } from './fold-input.ts';
import { foldInputs, walkPrefix, type PrefixStart } from './log-prefix.ts';
import { eventPages, PAGE_SIZE } from './log-reader.ts';

export interface ReplayProgress {
  readonly events: number;
  readonly total: number;
}

export interface ReplaySummary {
  readonly events_folded: number;
  readonly rows: number;
  readonly sequence: number;
  /** Table checkpoints written (0 without a checkpoint store). */
  readonly checkpoints: number;
}

export async function replayTables(
  log: EventLog, sink: TableSink, onProgress: (p: ReplayProgress) => void = () => {}, checkpoints?: TableCheckpointWriter,
): Promise<ReplaySummary> {
  const total = await log.head();
  const tables = emptyTables();
  let events = 0;
  let saved = 0;
  if (checkpoints !== undefined) {
    await checkpoints.clear();
    let last = 0;
    let maxTime: number | null = NO_TIME;
    // Past any head: the whole log, batch by batch (a checkpoint follows a whole batch).
    await walkPrefix(log, { kind: 'sequence', sequence: Number.MAX_SAFE_INTEGER }, foldInputs(log), async (page, batch) => {
      foldAll(tables, page as readonly CampaignEvent[]);
      maxTime = latestTime(maxTime, page.map((e) => e.time));
      events += page.length;
      if (page.length > 0) onProgress({ events, total });
      if (!checkpointDue(batch.sequence - last, tables.rows.size, checkpoints.minEvents)) return;
      await checkpoints.save(checkpointOf(tables, batch, maxTime), allRows(tables));
      last = batch.sequence;
      saved++;
    });
  } else if (log.readSerialized !== undefined) {
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
  return { events_folded: events, rows: rows.length, sequence: tables.sequence, checkpoints: saved };
}

const checkpointOf = (tables: CampaignTables, batch: PrefixStart, maxTime: number | null): TableCheckpoint =>
  ({ batchIndex: batch.batchIndex, sequence: batch.sequence, maxTime, rowCount: tables.rows.size });
