/**
 * One writer per store. Two `run`s on one store would each roll the rejects file back and
 * race for batch indexes; the log's continuity checks would stop the second one's appends,
 * but not before it had truncated the first one's rejects.
 *
 * The lock is an EXCLUSIVE transaction on a small side database, held for the life of the
 * process. SQLite's locks are the operating system's file locks, which die with the process:
 * a writer killed with SIGKILL leaves no stale lock to clean up.
 */
import Database from 'better-sqlite3';
import { StoreError } from '../../ports/errors.ts';

export interface WriterLock {
  release(): void;
}

export function acquireWriterLock(file: string): WriterLock {
  let db: Database.Database | null = null;
  try {
    // Inside the try: a directory that cannot hold the lock file (read-only) fails right here.
    db = new Database(file);
    db.pragma('busy_timeout = 0');
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    db?.close();
    const code = (e as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new StoreError('store_busy', 'another process is writing to this store', true, { cause: e });
    }
    throw new StoreError('store_failure', `cannot lock the store: ${(e as Error).message}`, false, { cause: e });
  }
  let held = true;
  const locked = db;
  return {
    release() {
      if (!held) return;
      held = false;
      locked.exec('ROLLBACK');
      locked.close();
    },
  };
}
