/**
 * The event log in SQLite. `append` is one IMMEDIATE transaction (the write lock is taken at
 * BEGIN, so two writers cannot both pass the continuity check): batch record, events, input
 * checkpoints and table rows commit together.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import { StoreError } from '../../ports/errors.ts';
import { checkCommitShape } from '../../ports/event-log.ts';
import type {
  BatchCommit, BatchRecord, BatchSegment, EventLog, InputCheckpoint,
} from '../../ports/event-log.ts';
import { guarded } from './errors.ts';
import type { SqliteTables } from './table-store.ts';

interface BatchRow {
  batch_index: number;
  range_from: string;
  range_to: string;
  segments: string;
  input_count: number;
  first_sequence: number;
  event_count: number;
  rejects_mark: string;
}

interface CheckpointRow {
  source: string;
  locator: string;
  byte_offset: number;
  record_index: number;
  ordinal: number;
  fingerprint: string;
  batch_index: number;
}

const toBatchRecord = (r: BatchRow): BatchRecord => ({
  index: r.batch_index,
  range: { from: r.range_from, to: r.range_to },
  segments: JSON.parse(r.segments) as BatchSegment[],
  input_count: r.input_count,
  first_sequence: r.first_sequence,
  event_count: r.event_count,
  rejects_mark: r.rejects_mark,
});

export class SqliteEventLog implements EventLog {
  private readonly stmt: {
    head: Statement; lastIndex: Statement; lastBatch: Statement; insertBatch: Statement;
    insertEvent: Statement; upsertCheckpoint: Statement; read: Statement; batches: Statement;
    checkpoints: Statement; eventIdTaken: Statement;
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
        `INSERT INTO batches (batch_index, range_from, range_to, segments, input_count, first_sequence, event_count, rejects_mark)
         VALUES (@batch_index, @range_from, @range_to, @segments, @input_count, @first_sequence, @event_count, @rejects_mark)`),
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
      eventIdTaken: db.prepare('SELECT sequence FROM campaign_events WHERE event_id = ?'),
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
      this.stmt.insertBatch.run({
        batch_index: batch.index,
        range_from: batch.range.from,
        range_to: batch.range.to,
        segments: JSON.stringify(batch.segments),
        input_count: batch.input_count,
        first_sequence: batch.first_sequence,
        event_count: batch.event_count,
        rejects_mark: batch.rejects_mark,
      });
      for (const e of events) {
        if (this.stmt.eventIdTaken.get(e.event_id) !== undefined) {
          throw new StoreError('duplicate_event', `event id ${e.event_id} (sequence ${e.sequence}) is already in the log`);
        }
        this.stmt.insertEvent.run(e.sequence, e.event_id, e.type, batch.index, JSON.stringify(e));
      }
      for (const s of batch.segments) {
        this.stmt.upsertCheckpoint.run({
          source: s.source,
          locator: s.locator,
          byte_offset: s.end.offset,
          record_index: s.end.index,
          ordinal: s.end.ordinal,
          fingerprint: s.fingerprint,
          batch_index: batch.index,
        });
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
      const r = this.stmt.lastBatch.get() as BatchRow | undefined;
      return r === undefined ? null : toBatchRecord(r);
    });
  }

  async batches(fromIndex: number, limit: number): Promise<readonly BatchRecord[]> {
    return guarded('reading batch records', () =>
      (this.stmt.batches.all(fromIndex, limit) as BatchRow[]).map(toBatchRecord));
  }

  async checkpoints(): Promise<readonly InputCheckpoint[]> {
    return guarded('reading input checkpoints', () =>
      (this.stmt.checkpoints.all() as CheckpointRow[]).map((r) => ({
        source: r.source,
        locator: r.locator,
        position: { offset: r.byte_offset, index: r.record_index, ordinal: r.ordinal },
        fingerprint: r.fingerprint,
        batch_index: r.batch_index,
      })));
  }

  /** The connection is shared with the tables and snapshots: the store decides what closing means. */
  async close(): Promise<void> {
    this.onClose();
  }
}

