/**
 * The store directory: everything a run writes lives under `--store <dir>`.
 *
 *   campaigns.sqlite (+ -wal, -shm)  event log, batch records, checkpoints, tables, snapshot
 *   rejects.ndjson                   refused input, one JSON object per line
 *   writer.lock                      held by the one process writing (run, replay)
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { RejectsFile } from '../adapters/file/rejects-file.ts';
import { openSqliteStore, type SqliteStore } from '../adapters/sqlite/store.ts';
import { acquireWriterLock } from '../adapters/sqlite/writer-lock.ts';

export const STORE_FILE = 'campaigns.sqlite';
export const REJECTS_FILE = 'rejects.ndjson';
export const LOCK_FILE = 'writer.lock';

export interface WritableStore {
  readonly store: SqliteStore;
  readonly rejects: RejectsFile;
  close(): void;
}

/** Creates the directory if needed and takes the writer lock before opening anything. */
export function openStoreForWriting(dir: string): WritableStore {
  mkdirSync(dir, { recursive: true });
  const lock = acquireWriterLock(path.join(dir, LOCK_FILE));
  try {
    const store = openSqliteStore(path.join(dir, STORE_FILE));
    return {
      store,
      rejects: new RejectsFile(path.join(dir, REJECTS_FILE)),
      close() {
        store.close();
        lock.release();
      },
    };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** Read commands never create a store: a typo in --store is an error, not an empty answer. */
export const openStoreForReading = (dir: string): SqliteStore =>
  openSqliteStore(path.join(dir, STORE_FILE), { readonly: true });
