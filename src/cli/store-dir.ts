/**
 * The store directory: everything a run writes lives under `--store <dir>`.
 *
 *   campaigns.sqlite (+ -wal, -shm)  event log, batch records, checkpoints, tables, snapshot
 *   rejects.ndjson                   refused input, one JSON object per line
 *   writer.lock                      held by the one process writing (run, replay)
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { RejectsFile } from '../adapters/file/rejects-file.ts';
import { openSqliteStore, type SqliteStore } from '../adapters/sqlite/store.ts';
import { acquireWriterLock } from '../adapters/sqlite/writer-lock.ts';
import { StoreError } from '../ports/errors.ts';

export const STORE_FILE = 'campaigns.sqlite';
export const REJECTS_FILE = 'rejects.ndjson';
export const LOCK_FILE = 'writer.lock';

export interface WritableStore {
  readonly store: SqliteStore;
  readonly rejects: RejectsFile;
  close(): void;
}

export interface WriteOptions {
  /** `replay` rebuilds an existing store: a mistyped `--store` must not become a new, empty one. */
  readonly mustExist?: boolean;
  /** Long writers (`run`, the pipeline): the store's writes on a thread of their own (adapters/sqlite/writer-thread.ts). */
  readonly writerThread?: boolean;
}

/** The directory, created if needed; a path that cannot be one is `store_failure`, not a stack trace. */
function storeDirectory(dir: string, mustExist: boolean): void {
  let isDir: boolean | null = null;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = null;
  }
  if (isDir === false) throw new StoreError('store_failure', `--store ${dir} is a file, not a store directory`);
  if (mustExist && (isDir === null || !existsSync(path.join(dir, STORE_FILE)))) {
    throw new StoreError('store_missing', `no store at ${dir}`);
  }
  if (isDir === null) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new StoreError('store_failure', `cannot create the store directory ${dir}: ${(e as Error).message}`, false, { cause: e });
    }
  }
}

/** Creates the directory if needed and takes the writer lock before opening anything. */
export function openStoreForWriting(dir: string, options: WriteOptions = {}): WritableStore {
  storeDirectory(dir, options.mustExist ?? false);
  const lock = acquireWriterLock(path.join(dir, LOCK_FILE));
  try {
    const store = openSqliteStore(path.join(dir, STORE_FILE), { writerThread: options.writerThread ?? false });
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
