/**
 * Opens the store's SQLite file and hands out its adapters, which share one connection.
 *
 * WAL lets the read commands (`events`, `tables`, `membership`) run while a `run` writes.
 * synchronous=FULL makes a committed batch survive power loss, not just a killed process;
 * its cost is one fsync per batch, which the batch size amortises.
 *
 * The writer checkpoints the WAL into the database every WAL_CHECKPOINT_PAGES pages instead of
 * SQLite's 1,000: one batch writes a few thousand pages (its events, and one page per event in the
 * randomly keyed event_id index), so the default copied every page of every batch back into the
 * database right after writing it to the WAL. Checkpointing every few batches copies a page that
 * several batches touched once. It changes nothing about durability (a commit is durable once its
 * WAL frames are synced) and little for readers (the WAL index grows to a few hundred KB).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { StoreError } from '../../ports/errors.ts';
import { toStoreError } from './errors.ts';
import { SqliteEventLog } from './event-log.ts';
import { ensureLayout } from './schema.ts';
import { SqliteSettings } from './settings-store.ts';
import { SqliteSnapshots } from './snapshot-store.ts';
import { SqliteTables } from './table-store.ts';

export interface SqliteStore {
  readonly file: string;
  readonly log: SqliteEventLog;
  readonly tables: SqliteTables;
  readonly snapshots: SqliteSnapshots;
  readonly settings: SqliteSettings;
  close(): void;
}

export interface OpenOptions {
  /** Read commands open read-only and never create a store. */
  readonly readonly?: boolean;
  /** How long a writer waits for another connection's lock before failing with store_busy. */
  readonly busyTimeoutMs?: number;
}

/** Long enough to outlast a concurrent reader's checkpoint, short enough to report a second writer. */
const BUSY_TIMEOUT_MS = 5_000;

/** 80 MB of 4 KiB pages: about five 1,000-event batches (measured: docs/BENCHMARKS.md). */
export const WAL_CHECKPOINT_PAGES = 20_000;

export function openSqliteStore(file: string, options: OpenOptions = {}): SqliteStore {
  const readonly = options.readonly ?? false;
  if (readonly && !existsSync(file)) {
    throw new StoreError('store_missing', `no store at ${file}`);
  }
  let db: Database.Database;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly });
  } catch (e) {
    throw toStoreError(e, `opening ${file}`);
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? BUSY_TIMEOUT_MS}`);
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    }
    db.pragma('foreign_keys = ON');
    ensureLayout(db, !readonly);
  } catch (e) {
    db.close();
    throw toStoreError(e, `opening ${file}`);
  }
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    db.close();
  };
  const tables = new SqliteTables(db);
  return {
    file,
    log: new SqliteEventLog(db, tables, close),
    tables,
    snapshots: new SqliteSnapshots(db),
    settings: new SqliteSettings(db),
    close,
  };
}
