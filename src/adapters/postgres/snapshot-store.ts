/** Engine snapshots in the store's schema; saving one drops the older ones in the same transaction. */
import type { Pool } from 'pg';
import type { EngineSnapshotRecord, SnapshotStore } from '../../ports/snapshot-store.ts';
import { guarded } from './errors.ts';
import type { TableNames } from './schema.ts';
import { inTransaction } from './transaction.ts';

interface SnapshotRow {
  batch_index: number;
  sequence: number;
  state: string;
}

export class PostgresSnapshots implements SnapshotStore {
  constructor(private readonly pool: Pool, private readonly t: TableNames) {}

  async save(s: EngineSnapshotRecord): Promise<void> {
    await inTransaction(this.pool, `saving the engine snapshot of batch ${s.batch_index}`, async (c) => {
      await c.query(
        `INSERT INTO ${this.t.snapshots} (batch_index, sequence, state) VALUES ($1, $2, $3)
         ON CONFLICT (batch_index) DO UPDATE SET sequence = excluded.sequence, state = excluded.state`,
        [s.batch_index, s.sequence, s.state]);
      await c.query(`DELETE FROM ${this.t.snapshots} WHERE batch_index <> $1`, [s.batch_index]);
    });
  }

  async latest(): Promise<EngineSnapshotRecord | null> {
    return guarded('reading the engine snapshot', async () => {
      const r = await this.pool.query<SnapshotRow>(
        `SELECT batch_index, sequence, state FROM ${this.t.snapshots} ORDER BY batch_index DESC LIMIT 1`);
      const row = r.rows[0];
      return row === undefined ? null : { batch_index: row.batch_index, sequence: row.sequence, state: row.state };
    });
  }

  async clear(): Promise<void> {
    await guarded('deleting engine snapshots', async () => {
      await this.pool.query(`DELETE FROM ${this.t.snapshots}`);
    });
  }
}
