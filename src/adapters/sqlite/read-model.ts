/**
 * A store's SQLite read model: `read-model.sqlite` beside its `campaigns.sqlite`, kept by the
 * follower of `campaigns serve` (log-follower.ts), read by its routes.
 *
 * A file of its own, not tables in the store: the store has one writer (`campaigns run`), and a
 * follower writing there would take the store's write lock between the run's batches and slow
 * the write path; here it writes alone, at its own pace, and the run never waits for it. Its
 * position (the last event applied, and that event's id) commits with every page, so a restart
 * resumes where it stood: serve starts in the time it takes to open two files, whatever the
 * log's length. A model that does not match the log any more (the store was rebuilt: the log is
 * shorter, or holds another event at the model's position) is emptied and rebuilt.
 *
 * Connections: one writer (the follower's pages; with `writerThread`, on a thread of its own,
 * read-model-thread.ts) and a few readers; each request reads inside a transaction of one
 * reader, and WAL gives it a snapshot the follower's commits do not move.
 */
import Database from 'better-sqlite3';
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import type { CampaignView, FollowedReadModel } from '../../ports/campaign-queries.ts';
import { StoreError } from '../../ports/errors.ts';
import type { EventLog } from '../../ports/event-log.ts';
import { toStoreError } from './errors.ts';
import { WAL_CHECKPOINT_PAGES } from './store.ts';
import { ensureReadModelLayout, resetReadModel } from './read-model-schema.ts';
import { SqliteQueries, SqliteReadModelView } from './read-model-view.ts';
import { ReadModelWriterThread } from './read-model-thread.ts';
import { SqliteReadModelWriter } from './read-model-writer.ts';

export const READ_MODEL_FILE = 'read-model.sqlite';

export interface SqliteReadModelOptions {
  /** Reader connections (requests reading at once; each read holds one only while it runs). */
  readonly readers?: number;
  readonly busyTimeoutMs?: number;
  /** Apply pages on a thread of their own (serve): requests are never held behind one. */
  readonly writerThread?: boolean;
}

const READERS = 2;
const BUSY_TIMEOUT_MS = 5_000;
/** Page cache per connection, KiB: bounded, so the process does not grow with the model. */
const WRITER_CACHE_KIB = 64 * 1024;
const READER_CACHE_KIB = 16 * 1024;

/** The writer's connection and its settings (the serving thread's, or the writer thread's). */
export function openReadModelWriter(file: string, busyTimeoutMs = BUSY_TIMEOUT_MS): { db: Database.Database; writer: SqliteReadModelWriter } {
  const db = new Database(file);
  try {
    configureWriter(db, busyTimeoutMs);
    return { db, writer: new SqliteReadModelWriter(db) };
  } catch (e) {
    db.close();
    throw e;
  }
}

function configureWriter(db: Database.Database, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('journal_mode = WAL');
  // Derived data: a commit lost to a power cut is re-applied from the log, and the position
  // commits with the rows, so NORMAL (no fsync per commit) cannot leave it inconsistent.
  db.pragma('synchronous = NORMAL');
  db.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
  // The writer's working tables (read-model-writer.ts) are rebuilt every page: never on disk.
  db.pragma('temp_store = MEMORY');
  // As the store does (store.ts): a page rewrites the same index pages several pages in a
  // row, and SQLite's default copied them back into the database after every 1,000.
  db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
}

/** The writer on this thread, or the thread that writes. */
type Writer = { readonly db: Database.Database; readonly writer: SqliteReadModelWriter } | ReadModelWriterThread;

interface Reader {
  readonly db: Database.Database;
  readonly queries: SqliteQueries;
}

export class SqliteReadModel implements FollowedReadModel {
  private current: number;
  private readonly free: Reader[];
  private readonly waiting: Array<(r: Reader) => void> = [];
  private closed = false;

  private constructor(
    private readonly writer: Writer,
    at: number,
    private readonly readers: readonly Reader[],
    /** Whether opening found a model of another layout, or one the log no longer matches, and emptied it. */
    readonly rebuilt: boolean,
  ) {
    this.current = at;
    this.free = [...readers];
  }

  /** Opens (creating or rebuilding as needed) the read model in `file` for the store whose log is `log`. */
  static async open(file: string, log: EventLog, options: SqliteReadModelOptions = {}): Promise<SqliteReadModel> {
    const busy = options.busyTimeoutMs ?? BUSY_TIMEOUT_MS;
    let writerDb: Database.Database;
    try {
      writerDb = new Database(file);
    } catch (e) {
      throw toStoreError(e, `opening the read model ${file}`);
    }
    const readers: Reader[] = [];
    try {
      configureWriter(writerDb, busy);
      let rebuilt = ensureReadModelLayout(writerDb);
      if (!rebuilt && !(await matchesLog(writerDb, log))) {
        resetReadModel(writerDb);
        rebuilt = true;
      }
      const at = Number(writerDb.prepare("SELECT value FROM rm_meta WHERE key = 'sequence'").pluck().get());
      let writer: Writer;
      if (options.writerThread) {
        writerDb.close();
        writer = new ReadModelWriterThread({ file, busyTimeoutMs: busy }, at);
      } else {
        writer = { db: writerDb, writer: new SqliteReadModelWriter(writerDb) };
      }
      for (let k = 0; k < (options.readers ?? READERS); k++) {
        const db = new Database(file, { readonly: true, fileMustExist: true });
        db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? BUSY_TIMEOUT_MS}`);
        db.pragma(`cache_size = -${READER_CACHE_KIB}`);
        readers.push({ db, queries: new SqliteQueries(db, log) });
      }
      return new SqliteReadModel(writer, at, readers, rebuilt);
    } catch (e) {
      for (const r of readers) r.db.close();
      if (writerDb.open) writerDb.close();
      throw toStoreError(e, `opening the read model ${file}`);
    }
  }

  get sequence(): number {
    return this.current;
  }

  async read<T>(fn: (view: CampaignView) => Promise<T>): Promise<T> {
    const reader = await this.acquire();
    try {
      reader.db.exec('BEGIN');
      try {
        return await fn(new SqliteReadModelView(reader.queries));
      } finally {
        reader.db.exec('COMMIT');
      }
    } finally {
      this.release(reader);
    }
  }

  async apply(events: readonly CampaignEvent[]): Promise<void> {
    if (events.length === 0) return;
    const w = this.writer;
    if (w instanceof ReadModelWriterThread) {
      try {
        this.current = await w.apply(events);
      } catch (e) {
        // Another process may have moved the model: the follower resumes from where it stands.
        if (w.sequence >= 0) this.current = w.sequence;
        throw e;
      }
      return;
    }
    try {
      this.current = w.writer.apply(events);
    } catch (e) {
      this.current = w.writer.sequence();
      throw toStoreError(e, 'applying events to the read model');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.readers) r.db.close();
    if (this.writer instanceof ReadModelWriterThread) await this.writer.close();
    else this.writer.db.close();
  }

  private acquire(): Promise<Reader> {
    if (this.closed) return Promise.reject(new StoreError('store_failure', 'the read model is closed'));
    const r = this.free.pop();
    return r !== undefined ? Promise.resolve(r) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(r: Reader): void {
    const next = this.waiting.shift();
    if (next !== undefined) next(r);
    else this.free.push(r);
  }
}

/** Does the log still hold, at the model's position, the event the model last applied? */
async function matchesLog(db: Database.Database, log: EventLog): Promise<boolean> {
  const at = Number(db.prepare("SELECT value FROM rm_meta WHERE key = 'sequence'").pluck().get());
  if (at === 0) return true;
  const id = db.prepare("SELECT value FROM rm_meta WHERE key = 'event_id'").pluck().get() as string;
  const [ev] = await log.read(at, 1);
  return ev !== undefined && ev.sequence === at && ev.event_id === id;
}
