/**
 * better-sqlite3 failures → StoreError. SQLITE_BUSY/LOCKED mean another connection holds the
 * write lock: retriable. Everything else repeats on retry.
 */
import { StoreError, type StoreErrorCode } from '../../ports/errors.ts';

const sqliteCode = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;

export function toStoreError(e: unknown, doing: string): StoreError {
  if (e instanceof StoreError) return e;
  const code = sqliteCode(e) ?? '';
  const message = e instanceof Error ? e.message : String(e);
  let mapped: StoreErrorCode = 'store_failure';
  let retriable = false;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    mapped = 'store_busy';
    retriable = true;
  } else if (code === 'SQLITE_CANTOPEN') {
    mapped = 'store_missing';
  } else if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    mapped = 'store_corrupt';
  }
  return new StoreError(mapped, `${doing}: ${message}`, retriable, { cause: e });
}

/** Runs `fn`, turning driver errors into StoreErrors. */
export function guarded<T>(doing: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toStoreError(e, doing);
  }
}
