/**
 * The event log in PostgreSQL. `append` is one transaction that first locks the single
 * `log_head` row (SELECT ... FOR UPDATE): a second writer blocks there until the first commits,
 * then reads the new head and fails the continuity check with sequence_conflict instead of
 * interleaving. The primary key on `sequence` and the unique `event_id` back that up at the
 * constraint level (a writer that bypassed the head row still cannot fork the log). Batch
 * record, events, input checkpoints, table rows, the head and the NOTIFY commit together.
 */
import type { Pool, PoolClient } from 'pg';
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
import type { TableNames } from './schema.ts';
import type { PostgresTableCheckpoints } from './table-checkpoints.ts';
import type { PostgresTables } from './table-store.ts';
import { inTransaction } from './transaction.ts';

/** pg parses the json `segments` column itself. */
type PgBatchRow = BatchRow<BatchSegment[]>;

const toBatchRecord = (r: PgBatchRow): BatchRecord => batchFromRow(r, (segments) => segments);

const BATCH_COLUMN_LIST = BATCH_COLUMNS.join(', ');
/** `$1, $2, …` in BATCH_COLUMNS order; `segments` comes as JSON text and is cast to json. */
const BATCH_PLACEHOLDERS = BATCH_COLUMNS.map((c, i) => (c === 'segments' ? `$${i + 1}::json` : `$${i + 1}`)).join(', ');

export class PostgresEventLog implements EventLog {
  constructor(
    private readonly pool: Pool,
    private readonly t: TableNames,
    private readonly tables: PostgresTables,
    private readonly onClose: () => Promise<void>,
    private readonly tableCheckpoints: PostgresTableCheckpoints | null = null,
  ) {}

  async append(commit: BatchCommit): Promise<void> {
    checkCommitShape(commit);
    await inTransaction(this.pool, `appending batch ${commit.batch.index}`, (c) => this.appendIn(c, commit));
  }

  private async appendIn(c: PoolClient, { batch, events, tables }: BatchCommit): Promise<void> {
    const t = this.t;
    const head = (await c.query<{ sequence: number; batch_index: number }>(
      `SELECT sequence, batch_index FROM ${t.head} FOR UPDATE`)).rows[0];
    if (head === undefined) throw new StoreError('store_corrupt', `schema ${t.schema}: the log_head row is missing`);
    // Sequence first: a writer that lost a race gets sequence_conflict (its batch index is stale
    // too); batch_conflict is left for a batch whose events fit but whose index does not.
    if (batch.first_sequence !== head.sequence + 1) {
      throw new StoreError('sequence_conflict', `batch ${batch.index} starts at sequence ${batch.first_sequence}, the log's head is ${head.sequence}`);
    }
    if (batch.index !== head.batch_index + 1) {
      throw new StoreError('batch_conflict', `batch ${batch.index} does not follow the last committed batch ${head.batch_index}`);
    }
    const row = batchToRow(batch);
    await c.query(`INSERT INTO ${t.batches} (${BATCH_COLUMN_LIST}) VALUES (${BATCH_PLACEHOLDERS})`,
      BATCH_COLUMNS.map((col) => row[col]));
    if (events.length > 0) {
      // One statement for the whole batch: arrays in, rows out. A repeated event id (in the log or
      // within the batch) fails the unique constraint → duplicate_event, and the batch rolls back.
      await c.query(
        `INSERT INTO ${t.events} (sequence, event_id, type, batch_index, body)
         SELECT s, id, ty, $4, b::json FROM unnest($1::bigint[], $2::text[], $3::text[], $5::text[]) AS x (s, id, ty, b)`,
        [events.map((e) => e.sequence), events.map((e) => e.event_id), events.map((e) => e.type), batch.index,
          events.map((e) => JSON.stringify(e))]);
    }
    if (batch.segments.length > 0) {
      await c.query(
        `INSERT INTO ${t.checkpoints} (source, locator, byte_offset, record_index, ordinal, fingerprint, batch_index)
         SELECT source, locator, byte_offset, record_index, ordinal, fingerprint, $2
         FROM json_to_recordset($1::json) AS x (source text, locator text, byte_offset bigint, record_index bigint, ordinal bigint, fingerprint text)
         ON CONFLICT (source) DO UPDATE SET locator = excluded.locator, byte_offset = excluded.byte_offset,
           record_index = excluded.record_index, ordinal = excluded.ordinal, fingerprint = excluded.fingerprint,
           batch_index = excluded.batch_index`,
        [checkpointsParameter(batch.segments), batch.index]);
    }
    const newHead = batch.first_sequence + batch.event_count - 1;
    if (tables !== undefined) {
      await this.tables.writeInTransaction(c, tables, newHead);
      // Only here do the tables reflect exactly this batch: a checkpoint copies them now or waits.
      await this.tableCheckpoints?.afterBatch(c, batch.index, newHead);
    }
    await c.query(`UPDATE ${t.head} SET sequence = $1, batch_index = $2`, [newHead, batch.index]);
    // Delivered to LISTENers only if and when this transaction commits.
    await c.query('SELECT pg_notify($1, $2)', [t.channel, String(newHead)]);
  }

  async readAt(sequences: readonly number[]): Promise<readonly CampaignEvent[]> {
    if (sequences.length === 0) return [];
    return guarded('reading the event log', async () => {
      const r = await this.pool.query<{ body: string }>(
        `SELECT body::text AS body FROM ${this.t.events} WHERE sequence = ANY ($1::bigint[]) ORDER BY sequence`, [sequences]);
      return r.rows.map((row) => JSON.parse(row.body) as CampaignEvent);
    });
  }

  async read(fromSequence: number, limit: number): Promise<readonly CampaignEvent[]> {
    if (limit <= 0) return [];
    return guarded('reading the event log', async () => {
      const r = await this.pool.query<{ body: string }>(
        `SELECT body::text AS body FROM ${this.t.events} WHERE sequence >= $1 ORDER BY sequence LIMIT $2`,
        [fromSequence, limit]);
      return r.rows.map((row) => JSON.parse(row.body) as CampaignEvent);
    });
  }

  async head(): Promise<number> {
    return guarded('reading the log head', async () =>
      (await this.pool.query<{ sequence: number }>(`SELECT sequence FROM ${this.t.head}`)).rows[0].sequence);
  }

  async lastBatch(): Promise<BatchRecord | null> {
    return guarded('reading the last batch', async () => {
      const r = await this.pool.query<PgBatchRow>(
        `SELECT ${BATCH_COLUMN_LIST} FROM ${this.t.batches} ORDER BY batch_index DESC LIMIT 1`);
      return r.rows.length === 0 ? null : toBatchRecord(r.rows[0]);
    });
  }

  async batches(fromIndex: number, limit: number): Promise<readonly BatchRecord[]> {
    if (limit <= 0) return [];
    return guarded('reading batch records', async () =>
      (await this.pool.query<PgBatchRow>(
        `SELECT ${BATCH_COLUMN_LIST} FROM ${this.t.batches} WHERE batch_index >= $1 ORDER BY batch_index LIMIT $2`,
        [fromIndex, limit])).rows.map(toBatchRecord));
  }

  async checkpoints(): Promise<readonly InputCheckpoint[]> {
    return guarded('reading input checkpoints', async () =>
      (await this.pool.query<CheckpointRow>(
        // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
        `SELECT * FROM ${this.t.checkpoints} ORDER BY source COLLATE "C"`)).rows.map(checkpointFromRow));
  }

  /** The pool is shared with the tables and snapshots: the store decides what closing means. */
  async close(): Promise<void> {
    await this.onClose();
  }
}

/** One row per source, its last segment in the batch winning (as sequential upserts would). */
function checkpointsParameter(segments: readonly BatchSegment[]): string {
  const last = new Map<string, BatchSegment>();
  for (const s of segments) last.set(s.source, s);
  return JSON.stringify([...last.values()].map(segmentCheckpoint));
}

