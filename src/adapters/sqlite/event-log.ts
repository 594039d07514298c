/**
 * The event log in SQLite. `append` is one IMMEDIATE transaction (the write lock is taken at
 * BEGIN, so two writers cannot both pass the continuity check): batch record, events, input
 * checkpoints and table rows commit together.
 *
 * A repeated event id is found by the UNIQUE index on `event_id` as the event is inserted, not
 * by a lookup before it: the lookup walked the same (randomly keyed) index a second time for
 * every event, and the constraint is what guarantees uniqueness anyway.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import { StoreError } from '../../ports/errors.ts';
import { checkCommitShape } from '../../ports/event-log.ts';
import type {
  BatchCommit, BatchRecord, BatchSegment, EventLog, InputCheckpoint,
} from '../../ports/event-log.ts';
import {
  BATCH_COLUMNS, batchFromRow, batchToRow, checkpointFromRow, segmentCheckpoint, type BatchRow, type CheckpointRow,
} from '../sql-rows.ts';
import { guarded } from './errors.ts';
import type { SqliteTables } from './table-store.ts';

/** Segments are stored as JSON text. */
const toBatchRecord = (r: BatchRow<string>): BatchRecord =>
  batchFromRow(r, (text) => JSON.parse(text) as BatchSegment[]);

export class SqliteEventLog implements EventLog {
  private readonly stmt: {
    head: Statement; lastIndex: Statement; lastBatch: Statement; insertBatch: Statement;
    insertEvent: Statement; upsertCheckpoint: Statement; read: Statement; batches: Statement;
    checkpoints: Statement;
  };

  constructor(
    private readonly db: Database,
    private readonly tables: SqliteTables,
    private readonly onClose: () => void = () => {},
  ) {
    this.stmt = {
      head: db.prepare('SELECT coalesce(max(sequence), 0) AS n FROM campaign_events'),
      lastIndex: db.prepare('SELECT coalesce(max(batch_index), 0) AS n FROM batches'),
      lastBatch: db.prepare('SELECT * FROM batches ORDER BY batch_index DESC LIMIT 1'),
      insertBatch: db.prepare(
        `INSERT INTO batches (${BATCH_COLUMNS.join(', ')}) VALUES (${BATCH_COLUMNS.map((c) => '@' + c).join(', ')})`),
      insertEvent: db.prepare(
        'INSERT INTO campaign_events (sequence, event_id, type, batch_index, body) VALUES (?, ?, ?, ?, ?)'),
      upsertCheckpoint: db.prepare(
        `INSERT INTO input_checkpoints (source, locator, byte_offset, record_index, ordinal, fingerprint, batch_index)
         VALUES (@source, @locator, @byte_offset, @record_index, @ordinal, @fingerprint, @batch_index)
         ON CONFLICT (source) DO UPDATE SET locator = excluded.locator, byte_offset = excluded.byte_offset,
           record_index = excluded.record_index, ordinal = excluded.ordinal, fingerprint = excluded.fingerprint,
           batch_index = excluded.batch_index`),
      read: db.prepare('SELECT body FROM campaign_events WHERE sequence >= ? ORDER BY sequence LIMIT ?'),
      batches: db.prepare('SELECT * FROM batches WHERE batch_index >= ? ORDER BY batch_index LIMIT ?'),
      checkpoints: db.prepare('SELECT * FROM input_checkpoints ORDER BY source'),
    };
  }

  async append(commit: BatchCommit): Promise<void> {
    const { batch, events } = commit;
    checkCommitShape(commit);
    const run = this.db.transaction(() => {
      const lastIndex = (this.stmt.lastIndex.get() as { n: number }).n;
      if (batch.index !== lastIndex + 1) {
        throw new StoreError('batch_conflict', `batch ${batch.index} does not follow the last committed batch ${lastIndex}`);
      }
      const head = (this.stmt.head.get() as { n: number }).n;
      if (batch.first_sequence !== head + 1) {
        throw new StoreError('sequence_conflict', `batch ${batch.index} starts at sequence ${batch.first_sequence}, the log's head is ${head}`);
      }
      this.stmt.insertBatch.run(batchToRow(batch));
      for (const e of events) {
        try {
          this.stmt.insertEvent.run(e.sequence, e.event_id, e.type, batch.index, JSON.stringify(e));
        } catch (err) {
          // Sequences were checked above (head + 1, gap-free), so the one unique key this insert
          // can violate is event_id: already in the log, or earlier in this batch.
          if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
            throw new StoreError('duplicate_event', `event id ${e.event_id} (sequence ${e.sequence}) is already in the log`, false, { cause: err });
          }
          throw err;
        }
      }
      for (const s of batch.segments) {
        this.stmt.upsertCheckpoint.run({ ...segmentCheckpoint(s), batch_index: batch.index });
      }
      if (commit.tables !== undefined) {
        this.tables.writeInTransaction(commit.tables, batch.first_sequence + batch.event_count - 1);
      }
    });
    guarded(`appending batch ${batch.index}`, () => run.immediate());
  }

  async read(fromSequence: number, limit: number): Promise<readonly CampaignEvent[]> {
    return guarded('reading the event log', () =>
      (this.stmt.read.all(fromSequence, limit) as { body: string }[]).map((r) => JSON.parse(r.body) as CampaignEvent));
  }

  async head(): Promise<number> {
    return guarded('reading the log head', () => (this.stmt.head.get() as { n: number }).n);
  }

  async lastBatch(): Promise<BatchRecord | null> {
    return guarded('reading the last batch', () => {
      const r = this.stmt.lastBatch.get() as BatchRow<string> | undefined;
      return r === undefined ? null : toBatchRecord(r);
    });
  }

  async batches(fromIndex: number, limit: number): Promise<readonly BatchRecord[]> {
    return guarded('reading batch records', () =>
      (this.stmt.batches.all(fromIndex, limit) as BatchRow<string>[]).map(toBatchRecord));
  }

  async checkpoints(): Promise<readonly InputCheckpoint[]> {
    return guarded('reading input checkpoints', () =>
      (this.stmt.checkpoints.all() as CheckpointRow[]).map(checkpointFromRow));
  }

  /** The connection is shared with the tables and snapshots: the store decides what closing means. */
  async close(): Promise<void> {
    this.onClose();
  }
}

