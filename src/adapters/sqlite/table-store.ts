/** The campaign tables in the store's database (TableSink + TableReader). */
import type { Database, Statement } from 'better-sqlite3';
import type { CampaignRow } from '../../domain/tables.ts';
import type { TableReader, TableSink } from '../../ports/table-sink.ts';
import { fromRecord, toRecord, UPSERT_SQL, type CampaignRecord } from './campaign-rows.ts';
import { guarded } from './errors.ts';

export class SqliteTables implements TableSink, TableReader {
  private readonly upsert: Statement;
  private readonly setSequence: Statement;
  private readonly getSequence: Statement;
  private readonly all: Statement;

  constructor(private readonly db: Database) {
    this.upsert = db.prepare(UPSERT_SQL);
    this.setSequence = db.prepare("UPDATE store_meta SET value = ? WHERE key = 'tables_sequence'");
    this.getSequence = db.prepare("SELECT value FROM store_meta WHERE key = 'tables_sequence'");
    this.all = db.prepare('SELECT * FROM campaigns ORDER BY uuid');
  }

  /** For the event log's append transaction: no transaction of its own. */
  writeInTransaction(rows: readonly CampaignRow[], throughSequence: number): void {
    for (const r of rows) this.upsert.run(toRecord(r));
    this.setSequence.run(String(throughSequence));
  }

  async write(rows: readonly CampaignRow[], throughSequence: number): Promise<void> {
    guarded('writing campaign rows', () =>
      this.db.transaction(() => this.writeInTransaction(rows, throughSequence)).immediate());
  }

  async replaceAll(rows: readonly CampaignRow[], throughSequence: number): Promise<void> {
    guarded('replacing the campaign tables', () =>
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM campaigns').run();
        this.writeInTransaction(rows, throughSequence);
      }).immediate());
  }

  async rows(): Promise<readonly CampaignRow[]> {
    return guarded('reading campaign rows', () => (this.all.all() as CampaignRecord[]).map(fromRecord));
  }

  async sequence(): Promise<number> {
    return guarded('reading the tables sequence', () =>
      Number((this.getSequence.get() as { value: string }).value));
  }
}
