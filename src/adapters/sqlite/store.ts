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
import { checkCommitShape, type EventLog } from '../../ports/event-log.ts';
import type { SnapshotStore } from '../../ports/snapshot-store.ts';
import type { StoreSettings } from '../../ports/store-settings.ts';
import type { TableCheckpointStore } from '../../ports/table-checkpoints.ts';
import type { TableReader, TableSink } from '../../ports/table-sink.ts';
import { toStoreError } from './errors.ts';
import { serializeCommit, SqliteEventLog } from './event-log.ts';
import { ensureLayout, LAYOUT_VERSION } from './schema.ts';
import { SqliteSettings } from './settings-store.ts';
import { SqliteSnapshots } from './snapshot-store.ts';
import { SqliteTableCheckpoints } from './table-checkpoints.ts';
import { SqliteTables } from './table-store.ts';
import { SqliteWriterThread } from './writer-thread.ts';

export interface SqliteStore {
  readonly file: string;
  readonly log: EventLog;
  readonly tables: TableReader & TableSink;
  readonly tableCheckpoints: TableCheckpointStore;
  readonly snapshots: SnapshotStore;
  readonly settings: StoreSettings;
  close(): void;
}

export interface OpenOptions {
  /** Read commands open read-only and never create a store. */
  readonly readonly?: boolean;
  /** How long a writer waits for another connection's lock before failing with store_busy. */
  readonly busyTimeoutMs?: number;
  /**
   * Run every write on a thread of its own (writer-thread.ts): an append then costs the caller
   * a hand-over, and its transaction and fsync use the other core. For long writers (`run`, the
   * pipeline); short commands need no second connection.
   */
  readonly writerThread?: boolean;
  /**
   * Minimum of campaign events between two table checkpoints (domain/table-checkpoints.ts;
   * default CHECKPOINT_MIN_EVENTS). Tests use a few, to get checkpoints on a small log.
   */
  readonly checkpointMinEvents?: number;
}

/** Long enough to outlast a concurrent reader's checkpoint, short enough to report a second writer. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Appends the writer thread may hold at once (it applies them in order, one transaction each).
 * One was not enough: the clustering thread waited 1.7 s of a 19 s run for the writer, whose
 * load is bursty (a WAL checkpoint every few batches, table rows every tenth) while its average
 * is under half a core (docs/BENCHMARKS.md, "The I/O path"). A few batches absorb a burst; each
 * held batch is about a megabyte of serialised events.
 */
const APPENDS_IN_FLIGHT = 4;

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
  let layout: number;
  try {
    if (readonly) db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? BUSY_TIMEOUT_MS}`);
    else configureWriter(db, options.busyTimeoutMs ?? BUSY_TIMEOUT_MS);
    layout = ensureLayout(db, !readonly);
  } catch (e) {
    db.close();
    throw toStoreError(e, `opening ${file}`);
  }
  let writer: SqliteWriterThread | null = null;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    writer?.close();
    db.close();
  };
  const tables = new SqliteTables(db);
  const tableCheckpoints = new SqliteTableCheckpoints(db, layout >= LAYOUT_VERSION, options.checkpointMinEvents);
  const log = new SqliteEventLog(db, tables, close, tableCheckpoints);
  const snapshots = new SqliteSnapshots(db);
  const settings = new SqliteSettings(db);
  if (readonly || options.writerThread !== true) return { file, log, tables, tableCheckpoints, snapshots, settings, close };
  try {
    writer = new SqliteWriterThread(file, options.busyTimeoutMs ?? BUSY_TIMEOUT_MS, tableCheckpoints.minEvents);
  } catch (e) {
    db.close();
    throw toStoreError(e, `starting the writer thread of ${file}`);
  }
  const w = writer;
  return {
    file,
    log: {
      maxAppendsInFlight: APPENDS_IN_FLIGHT,
      append: async (commit) => {
        checkCommitShape(commit);
        return w.send({ op: 'append', commit: serializeCommit(commit) });
      },
      read: (from, limit) => log.read(from, limit),
      readAt: (sequences) => log.readAt!(sequences),
      readSerialized: (from, limit) => log.readSerialized(from, limit),
      head: () => log.head(),
      lastBatch: () => log.lastBatch(),
      batches: (from, limit) => log.batches(from, limit),
      checkpoints: () => log.checkpoints(),
      close: () => log.close(),
    },
    tables: {
      write: (rows, through) => w.send({ op: 'tables.write', rows, through }),
      replaceAll: (rows, through) => w.send({ op: 'tables.replaceAll', rows, through }),
      rows: () => tables.rows(),
      sequence: () => tables.sequence(),
    },
    tableCheckpoints: {
      minEvents: tableCheckpoints.minEvents,
      newestUsable: (asOf) => tableCheckpoints.newestUsable(asOf),
      list: () => tableCheckpoints.list(),
      clear: () => w.send({ op: 'checkpoints.clear' }),
      save: (checkpoint, rows) => w.send({ op: 'checkpoints.save', checkpoint, rows }),
    },
    snapshots: {
      save: (snapshot) => w.send({ op: 'snapshots.save', snapshot }),
      clear: () => w.send({ op: 'snapshots.clear' }),
      latest: () => snapshots.latest(),
    },
    settings: {
      set: (key, value) => w.send({ op: 'settings.set', key, value }),
      get: (key) => settings.get(key),
    },
    close,
  };
}

/** A writable connection's settings (the main one, or the writer thread's). */
export function configureWriter(db: Database.Database, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
}
