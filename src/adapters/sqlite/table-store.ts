/** The campaign tables in the store's database (TableSink + TableReader). */
import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { Membership } from '../../domain/engine-api.ts';
import type { CampaignRow } from '../../domain/tables.ts';
import { CanonicalResolver } from '../canonical-resolver.ts';
import type { TableReader, TableSink } from '../../ports/table-sink.ts';
import { fromRecord, toRecord, UPSERT_SQL, type CampaignRecord } from './campaign-rows.ts';
import { guarded } from './errors.ts';

/** A member as the membership query reads it: its campaign and the next two merge pointers. */
interface Member {
  readonly identity: string;
  readonly campaign: string;
  readonly next: string | null;
  readonly after: string | null;
}

function* hops(page: readonly Member[]): Iterable<readonly [string, string | null]> {
  for (const m of page) {
    yield [m.campaign, m.next];
    if (m.next !== null) yield [m.next, m.after];
  }
}

export class SqliteTables implements TableSink, TableReader {
  private readonly upsert: Statement;
  private readonly setSequence: Statement;
  private readonly getSequence: Statement;
  private readonly all: Statement;

  constructor(private readonly db: Database.Database) {
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

  /**
   * The members of every row, sorted by SQLite (its sorter spills to a temporary file, not to
   * this process's heap), their live campaigns resolved a page at a time. The merge pointers
   * are read on a second connection (an open iterator keeps this one busy), in a read
   * transaction begun at the same tables sequence: both see one state of the tables.
   */
  async *membership(pageSize = 10_000): AsyncIterable<readonly Membership[]> {
    const other = new Database(this.db.name, { readonly: true, fileMustExist: true });
    try {
      other.pragma('busy_timeout = 5000');
      const sequenceOf = (d: Database.Database): string => (d.prepare("SELECT value FROM store_meta WHERE key = 'tables_sequence'").get() as { value: string }).value;
      for (let attempt = 0; ; attempt++) {
        this.db.exec('BEGIN');
        other.exec('BEGIN');
        if (sequenceOf(this.db) === sequenceOf(other)) break;
        // A table write landed between the two: begin again (a writer commits every few batches).
        this.db.exec('COMMIT');
        other.exec('COMMIT');
        if (attempt === 10) throw new Error('the campaign tables kept changing while membership began reading them');
      }
      try {
        const pointers = other.prepare('SELECT uuid, merged_into FROM campaigns WHERE uuid IN (SELECT value FROM json_each(?))');
        const resolver = new CanonicalResolver(async (uuids) =>
          new Map((pointers.all(JSON.stringify(uuids)) as Array<{ uuid: string; merged_into: string | null }>).map((r) => [r.uuid, r.merged_into])));
        // The first two hops of each chain come with the members (most campaigns are live or
        // merged into a live one): the resolver reads only longer chains.
        const members = this.db.prepare(`
          SELECT j.value AS identity, c.uuid AS campaign, c.merged_into AS next, p.merged_into AS after
          FROM campaigns c CROSS JOIN json_each(c.members) j LEFT JOIN campaigns p ON p.uuid = c.merged_into ORDER BY j.value`);
        let page: Member[] = [];
        const flush = async (): Promise<Membership[]> => {
          const live = await resolver.resolve(page.map((m) => m.campaign), hops(page));
          const out = page.map((m) => ({ identity_uuid: m.identity, campaign_uuid: live.get(m.campaign)! }));
          page = [];
          return out;
        };
        for (const m of members.iterate() as IterableIterator<Member>) {
          page.push(m);
          if (page.length === pageSize) yield await flush();
        }
        if (page.length > 0) yield await flush();
      } finally {
        this.db.exec('COMMIT');
        other.exec('COMMIT');
      }
    } finally {
      other.close();
    }
  }

  async sequence(): Promise<number> {
    return guarded('reading the tables sequence', () =>
      Number((this.getSequence.get() as { value: string }).value));
  }
}
