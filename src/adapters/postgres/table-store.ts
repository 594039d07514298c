/** The campaign tables in the store's schema (TableSink + TableReader). */
import type { Pool, PoolClient } from 'pg';
import type { CampaignRow } from '../../domain/tables.ts';
import type { TableReader, TableSink } from '../../ports/table-sink.ts';
import { fromRecord, rowsParameter, selectAllSql, upsertSql, type CampaignRecord } from './campaign-rows.ts';
import { guarded } from './errors.ts';
import type { TableNames } from './schema.ts';
import { inTransaction } from './transaction.ts';

export class PostgresTables implements TableSink, TableReader {
  private readonly upsert: string;
  private readonly selectAll: string;

  constructor(private readonly pool: Pool, private readonly t: TableNames) {
    this.upsert = upsertSql(t);
    this.selectAll = selectAllSql(t);
  }

  /** For the event log's append transaction: runs on its client, no transaction of its own. */
  async writeInTransaction(client: PoolClient, rows: readonly CampaignRow[], throughSequence: number): Promise<void> {
    if (rows.length > 0) await client.query(this.upsert, [rowsParameter(rows)]);
    await client.query(`UPDATE ${this.t.meta} SET value = $1 WHERE key = 'tables_sequence'`, [String(throughSequence)]);
  }

  async write(rows: readonly CampaignRow[], throughSequence: number): Promise<void> {
    await inTransaction(this.pool, 'writing campaign rows', (c) => this.writeInTransaction(c, rows, throughSequence));
  }

  /** Readers (READ COMMITTED, MVCC) see the old table or the new one, never a mix. */
  async replaceAll(rows: readonly CampaignRow[], throughSequence: number): Promise<void> {
    await inTransaction(this.pool, 'replacing the campaign tables', async (c) => {
      await c.query(`DELETE FROM ${this.t.campaigns}`);
      await this.writeInTransaction(c, rows, throughSequence);
    });
  }

  async rows(): Promise<readonly CampaignRow[]> {
    return guarded('reading campaign rows', async () =>
      (await this.pool.query<CampaignRecord>(this.selectAll)).rows.map(fromRecord));
  }

  async sequence(): Promise<number> {
    return guarded('reading the tables sequence', async () => {
      const r = await this.pool.query<{ value: string }>(`SELECT value FROM ${this.t.meta} WHERE key = 'tables_sequence'`);
      return Number(r.rows[0].value);
    });
  }
}
