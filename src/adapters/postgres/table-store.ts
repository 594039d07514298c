/** The campaign tables in the store's schema (TableSink + TableReader). */
import type { Pool, PoolClient } from 'pg';
import type { Membership } from '../../domain/engine-api.ts';
import type { CampaignRow } from '../../domain/tables.ts';
import { CanonicalResolver } from '../canonical-resolver.ts';
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

  /**
   * The members of every row through a server-side cursor, sorted by PostgreSQL in byte order
   * (COLLATE "C": code point order), their live campaigns resolved a page at a time on the same
   * REPEATABLE READ transaction: one state of the tables, never all of it in this process.
   */
  async *membership(pageSize = 10_000): AsyncIterable<readonly Membership[]> {
    const client = await this.pool.connect();
    const ignore = (): void => {};
    client.on('error', ignore);
    let open = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      open = true;
      // The first two hops of each chain come with the members: the resolver reads only longer ones.
      await client.query(`DECLARE membership NO SCROLL CURSOR FOR
        SELECT m AS identity, c.uuid AS campaign, c.merged_into AS next, p.merged_into AS after
        FROM ${this.t.campaigns} c CROSS JOIN unnest(c.members) AS m LEFT JOIN ${this.t.campaigns} p ON p.uuid = c.merged_into
        ORDER BY m COLLATE "C"`);
      const resolver = new CanonicalResolver(async (uuids) => {
        const r = await client.query<{ uuid: string; merged_into: string | null }>(
          `SELECT uuid, merged_into FROM ${this.t.campaigns} WHERE uuid = ANY ($1::text[])`, [uuids]);
        return new Map(r.rows.map((x) => [x.uuid, x.merged_into]));
      });
      for (;;) {
        const r = await guarded('reading the membership', () =>
          client.query<{ identity: string; campaign: string; next: string | null; after: string | null }>(`FETCH ${pageSize} FROM membership`));
        if (r.rows.length === 0) break;
        const known = r.rows.flatMap((m) => (m.next === null ? [[m.campaign, null] as const] : [[m.campaign, m.next] as const, [m.next, m.after] as const]));
        const live = await resolver.resolve(r.rows.map((m) => m.campaign), known);
        yield r.rows.map((m) => ({ identity_uuid: m.identity, campaign_uuid: live.get(m.campaign)! }));
      }
    } finally {
      if (open) await client.query('ROLLBACK').catch(ignore);
      client.off('error', ignore);
      client.release();
    }
  }

  async sequence(): Promise<number> {
    return guarded('reading the tables sequence', async () => {
      const r = await this.pool.query<{ value: string }>(`SELECT value FROM ${this.t.meta} WHERE key = 'tables_sequence'`);
      return Number(r.rows[0].value);
    });
  }
}
