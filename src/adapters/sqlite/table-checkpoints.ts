/**
 * Table checkpoints in the store's database (domain/table-checkpoints.ts). `afterBatch` runs
 * inside the append transaction, after the batch's table rows: a checkpoint commits with its
 * batch or not at all, so none can name tables that were never committed.
 *
 * The rows are copied by SQLite from `campaigns` (one INSERT … SELECT): they never cross into
 * this process. The prefix's latest event time is the previous checkpoint's, extended by the
 * times of the events logged since, read back here: the batches in between may have been
 * appended by another run, or before this layout existed.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { AsOf } from '../../domain/as-of.ts';
import type { CampaignRow } from '../../domain/tables.ts';
import {
  CHECKPOINT_MIN_EVENTS, checkpointDue, latestTime, NO_TIME, readsTimes, type TableCheckpoint,
} from '../../domain/table-checkpoints.ts';
import type { CheckpointWithRows, TableCheckpointStore } from '../../ports/table-checkpoints.ts';
import { CAMPAIGN_COLUMNS, toCheckpoint, type CheckpointRecord } from '../sql-rows.ts';
import { fromRecord, toRecord, type CampaignRecord } from './campaign-rows.ts';
import { guarded } from './errors.ts';

const COLUMNS = CAMPAIGN_COLUMNS.join(', ');

export class SqliteTableCheckpoints implements TableCheckpointStore {
  readonly minEvents: number;
  private stmt: {
    last: Statement; rowCount: Statement; times: Statement; insert: Statement; copyRows: Statement;
    insertRow: Statement; bySequence: Statement; byTime: Statement; rowsOf: Statement; list: Statement;
  } | null = null;

  /** `available`: the layout has the checkpoint tables (a read-only open of an older store has not). */
  constructor(private readonly db: Database, private readonly available: boolean, minEvents = CHECKPOINT_MIN_EVENTS) {
    this.minEvents = minEvents;
  }

  // Prepared on first use: a connection opened before a writer migrated the layout has no tables yet.
  private get s(): NonNullable<SqliteTableCheckpoints['stmt']> {
    const db = this.db;
    this.stmt ??= {
      last: db.prepare('SELECT * FROM table_checkpoints ORDER BY batch_index DESC LIMIT 1'),
      rowCount: db.prepare('SELECT count(*) FROM campaigns').pluck(),
      times: db.prepare("SELECT json_extract(body, '$.time') FROM campaign_events WHERE sequence > ? AND sequence <= ? ORDER BY sequence").pluck(),
      insert: db.prepare('INSERT INTO table_checkpoints (batch_index, sequence, max_time, row_count) VALUES (?, ?, ?, ?)'),
      copyRows: db.prepare(`INSERT INTO table_checkpoint_rows (batch_index, ${COLUMNS}) SELECT ?, ${COLUMNS} FROM campaigns ORDER BY uuid`),
      insertRow: db.prepare(`INSERT INTO table_checkpoint_rows (batch_index, ${COLUMNS}) VALUES (@batch_index, ${CAMPAIGN_COLUMNS.map((c) => '@' + c).join(', ')})`),
      bySequence: db.prepare('SELECT * FROM table_checkpoints WHERE sequence <= ? ORDER BY batch_index DESC LIMIT 1'),
      byTime: db.prepare('SELECT * FROM table_checkpoints WHERE max_time IS NOT NULL AND max_time <= ? ORDER BY batch_index DESC LIMIT 1'),
      rowsOf: db.prepare(`SELECT ${COLUMNS} FROM table_checkpoint_rows WHERE batch_index = ?`),
      list: db.prepare('SELECT * FROM table_checkpoints ORDER BY batch_index'),
    };
    return this.stmt;
  }

  /**
   * In the append transaction, once the tables reflect batch `batchIndex` (last event
   * `sequence`): writes a checkpoint when one is due.
   */
  afterBatch(batchIndex: number, sequence: number): void {
    if (!this.available) return;
    const s = this.s;
    const last = s.last.get() as CheckpointRecord | undefined;
    const since = sequence - (last?.sequence ?? 0);
    // Counting rows reads the whole table: only when the events would make one due with the rows
    // the last checkpoint had (the fold never deletes a row, so there are at least as many now).
    if (!checkpointDue(since, last?.row_count ?? 0, this.minEvents)) return;
    const rows = s.rowCount.get() as number;
    if (!checkpointDue(since, rows, this.minEvents)) return;
    let maxTime = last === undefined ? NO_TIME : last.max_time;
    if (!readsTimes(last !== undefined, since, rows, this.minEvents)) maxTime = null;
    if (maxTime !== null) maxTime = latestTime(maxTime, s.times.all(last?.sequence ?? 0, sequence) as string[]);
    s.insert.run(batchIndex, sequence, maxTime, rows);
    s.copyRows.run(batchIndex);
  }

  async newestUsable(asOf: AsOf): Promise<CheckpointWithRows | null> {
    if (!this.available) return null;
    return guarded('reading a table checkpoint', () => {
      // One read transaction: a concurrent replay deleting checkpoints cannot leave us half of one.
      const read = this.db.transaction(() => {
        const s = this.s;
        const r = (asOf.kind === 'sequence' ? s.bySequence.get(asOf.sequence) : s.byTime.get(asOf.epoch)) as CheckpointRecord | undefined;
        if (r === undefined) return null;
        return { checkpoint: toCheckpoint(r), rows: (s.rowsOf.all(r.batch_index) as CampaignRecord[]).map(fromRecord) };
      });
      return read();
    });
  }

  async list(): Promise<readonly TableCheckpoint[]> {
    if (!this.available) return [];
    return guarded('reading table checkpoints', () => (this.s.list.all() as CheckpointRecord[]).map(toCheckpoint));
  }

  async clear(): Promise<void> {
    if (!this.available) return;
    guarded('deleting table checkpoints', () => this.db.transaction(() => {
      this.db.prepare('DELETE FROM table_checkpoint_rows').run();
      this.db.prepare('DELETE FROM table_checkpoints').run();
    }).immediate());
  }

  async save(c: TableCheckpoint, rows: readonly CampaignRow[]): Promise<void> {
    if (!this.available) return;
    guarded(`saving the table checkpoint of batch ${c.batchIndex}`, () => this.db.transaction(() => {
      const s = this.s;
      s.insert.run(c.batchIndex, c.sequence, c.maxTime, rows.length);
      for (const r of rows) s.insertRow.run({ batch_index: c.batchIndex, ...toRecord(r) });
    }).immediate());
  }
}
