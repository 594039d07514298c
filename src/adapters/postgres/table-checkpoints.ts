/**
 * Table checkpoints in the store's schema (domain/table-checkpoints.ts). `afterBatch` runs on
 * the append transaction's client, after the batch's table rows: a checkpoint commits with its
 * batch or not at all.
 *
 * The rows are copied by PostgreSQL from `campaigns` (one INSERT … SELECT): they never cross
 * into this process. The prefix's latest event time is the previous checkpoint's, extended by
 * the times of the events logged since, read back here: the batches in between may have been
 * appended by another member, or before layout 2 existed.
 */
import type { Pool, PoolClient } from 'pg';
import type { AsOf } from '../../domain/as-of.ts';
import type { CampaignRow } from '../../domain/tables.ts';
import {
  CHECKPOINT_MIN_EVENTS, checkpointDue, latestTime, NO_TIME, readsTimes, type TableCheckpoint,
} from '../../domain/table-checkpoints.ts';
import type { CheckpointWithRows, TableCheckpointStore } from '../../ports/table-checkpoints.ts';
import { CAMPAIGN_COLUMNS, toCheckpoint, type CheckpointRecord } from '../sql-rows.ts';
import { fromRecord, rowsParameter, type CampaignRecord } from './campaign-rows.ts';
import { guarded } from './errors.ts';
import type { TableNames } from './schema.ts';
import { inTransaction } from './transaction.ts';

const COLUMNS = CAMPAIGN_COLUMNS.join(', ');

/** Rows per INSERT when `replay` saves a checkpoint: one JSON parameter of a few MB. */
const SAVE_CHUNK = 5_000;

export class PostgresTableCheckpoints implements TableCheckpointStore {
  readonly minEvents: number;

  /** `available`: the layout has the checkpoint tables (a read-only open of layout 1 has not). */
  constructor(
    private readonly pool: Pool, private readonly t: TableNames, private readonly available: boolean, minEvents = CHECKPOINT_MIN_EVENTS,
  ) {
    this.minEvents = minEvents;
  }

  /**
   * On the append transaction's client, once the tables reflect batch `batchIndex` (last event
   * `sequence`): writes a checkpoint when one is due.
   */
  async afterBatch(c: PoolClient, batchIndex: number, sequence: number): Promise<void> {
    if (!this.available) return;
    const t = this.t;
    const last = (await c.query<CheckpointRecord>(
      `SELECT batch_index, sequence, max_time, row_count FROM ${t.tableCheckpoints} ORDER BY batch_index DESC LIMIT 1`)).rows[0];
    const since = sequence - (last?.sequence ?? 0);
    // Counting rows reads the whole table: only when the events would make one due with the rows
    // the last checkpoint had (the fold never deletes a row, so there are at least as many now).
    if (!checkpointDue(since, last?.row_count ?? 0, this.minEvents)) return;
    const rows = (await c.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${t.campaigns}`)).rows[0].n;
    if (!checkpointDue(since, rows, this.minEvents)) return;
    let maxTime = last === undefined ? NO_TIME : last.max_time;
    if (!readsTimes(last !== undefined, since, rows, this.minEvents)) maxTime = null;
    if (maxTime !== null) {
      const times = await c.query<{ time: string }>(
        `SELECT body->>'time' AS time FROM ${t.events} WHERE sequence > $1 AND sequence <= $2`, [last?.sequence ?? 0, sequence]);
      maxTime = latestTime(maxTime, times.rows.map((r) => r.time));
    }
    await c.query(`INSERT INTO ${t.tableCheckpoints} (batch_index, sequence, max_time, row_count) VALUES ($1, $2, $3, $4)`,
      [batchIndex, sequence, maxTime, rows]);
    await c.query(`INSERT INTO ${t.checkpointRows} (batch_index, ${COLUMNS}) SELECT $1, ${COLUMNS} FROM ${t.campaigns}`, [batchIndex]);
  }

  async newestUsable(asOf: AsOf): Promise<CheckpointWithRows | null> {
    if (!this.available) return null;
    const t = this.t;
    // One snapshot: a concurrent replay deleting checkpoints cannot leave us half of one.
    return inTransaction(this.pool, 'reading a table checkpoint', async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const where = asOf.kind === 'sequence' ? 'sequence <= $1' : 'max_time IS NOT NULL AND max_time <= $1';
      const r = (await c.query<CheckpointRecord>(
        `SELECT batch_index, sequence, max_time, row_count FROM ${t.tableCheckpoints} WHERE ${where} ORDER BY batch_index DESC LIMIT 1`,
        [asOf.kind === 'sequence' ? asOf.sequence : asOf.epoch])).rows[0];
      if (r === undefined) return null;
      const rows = await c.query<CampaignRecord>(`SELECT ${COLUMNS} FROM ${t.checkpointRows} WHERE batch_index = $1`, [r.batch_index]);
      return { checkpoint: toCheckpoint(r), rows: rows.rows.map(fromRecord) };
    });
  }

  async list(): Promise<readonly TableCheckpoint[]> {
    if (!this.available) return [];
    return guarded('reading table checkpoints', async () =>
      (await this.pool.query<CheckpointRecord>(
        `SELECT batch_index, sequence, max_time, row_count FROM ${this.t.tableCheckpoints} ORDER BY batch_index`)).rows.map(toCheckpoint));
  }

  async clear(): Promise<void> {
    if (!this.available) return;
    // The rows go with their checkpoints (ON DELETE CASCADE).
    await inTransaction(this.pool, 'deleting table checkpoints', async (c) => {
      await c.query(`DELETE FROM ${this.t.checkpointRows}`);
      await c.query(`DELETE FROM ${this.t.tableCheckpoints}`);
    });
  }

  async save(cp: TableCheckpoint, rows: readonly CampaignRow[]): Promise<void> {
    if (!this.available) return;
    const t = this.t;
    await inTransaction(this.pool, `saving the table checkpoint of batch ${cp.batchIndex}`, async (c) => {
      await c.query(`INSERT INTO ${t.tableCheckpoints} (batch_index, sequence, max_time, row_count) VALUES ($1, $2, $3, $4)`,
        [cp.batchIndex, cp.sequence, cp.maxTime, rows.length]);
      for (let i = 0; i < rows.length; i += SAVE_CHUNK) {
        await c.query(
          `INSERT INTO ${t.checkpointRows} (batch_index, ${COLUMNS})
           SELECT $2, ${COLUMNS} FROM json_populate_recordset(NULL::${t.campaigns}, $1::json)`,
          [rowsParameter(rows.slice(i, i + SAVE_CHUNK)), cp.batchIndex]);
      }
    });
  }
}
