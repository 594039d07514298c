/** Engine snapshots in the store's database; saving one drops the older ones. */
import type { Database, Statement } from 'better-sqlite3';
import type { EngineSnapshotRecord, SnapshotStore } from '../../ports/snapshot-store.ts';
import { guarded } from './errors.ts';

interface SnapshotRow {
  batch_index: number;
  sequence: number;
  state: string;
}

export class SqliteSnapshots implements SnapshotStore {
  private readonly insert: Statement;
  private readonly dropOthers: Statement;
  private readonly newest: Statement;
  private readonly dropAll: Statement;

  constructor(private readonly db: Database) {
    this.insert = db.prepare(
      'INSERT OR REPLACE INTO engine_snapshots (batch_index, sequence, state) VALUES (@batch_index, @sequence, @state)');
    this.dropOthers = db.prepare('DELETE FROM engine_snapshots WHERE batch_index <> ?');
    this.newest = db.prepare('SELECT * FROM engine_snapshots ORDER BY batch_index DESC LIMIT 1');
    this.dropAll = db.prepare('DELETE FROM engine_snapshots');
  }

  async save(s: EngineSnapshotRecord): Promise<void> {
    guarded(`saving the engine snapshot of batch ${s.batch_index}`, () =>
      this.db.transaction(() => {
        this.insert.run({ batch_index: s.batch_index, sequence: s.sequence, state: s.state });
        this.dropOthers.run(s.batch_index);
      }).immediate());
  }

  async latest(): Promise<EngineSnapshotRecord | null> {
    return guarded('reading the engine snapshot', () => {
      const r = this.newest.get() as SnapshotRow | undefined;
      return r === undefined ? null : { batch_index: r.batch_index, sequence: r.sequence, state: r.state };
    });
  }

  async clear(): Promise<void> {
    guarded('deleting engine snapshots', () => this.dropAll.run());
  }
}
