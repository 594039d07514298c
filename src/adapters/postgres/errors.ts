/**
 * pg failures → StoreError. Callers branch on `code` and retry only when `retriable`:
 *
 * - the server went away or is not reachable yet (connection refused/reset, 57P01 admin
 *   shutdown after a failover or restart, 08xxx connection exceptions, too many connections):
 *   retriable. If it happened during COMMIT the batch may have committed anyway; the retried
 *   append then fails with sequence_conflict/batch_conflict and `lastBatch()` tells which.
 * - transaction conflicts (40001 serialization failure, 40P01 deadlock, 55P03 lock timeout,
 *   57014 statement timeout): the whole transaction was rolled back, retriable as store_busy.
 * - unique violations are the log's concurrency guard: mapped by constraint name to
 *   sequence_conflict / batch_conflict / duplicate_event, never retriable (the same batch
 *   repeats the same conflict).
 * - everything else (bad SQL, permissions, check constraints) repeats on retry.
 */
import { StoreError, type StoreErrorCode } from '../../ports/errors.ts';
import { CONSTRAINTS } from './schema.ts';

interface PgLikeError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

const field = (e: unknown, name: keyof PgLikeError): string | undefined => {
  if (typeof e !== 'object' || e === null) return undefined;
  const v = (e as PgLikeError)[name];
  return typeof v === 'string' ? v : undefined;
};

/** Socket-level failures from Node (no SQLSTATE): the server is down, restarting or unreachable. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * pg reports a connection lost mid-query with a plain Error and no code; matching the message
 * is the only way to tell it from a bug. These are the driver's own texts (pg 8.x).
 */
const LOST_CONNECTION = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i;

const UNIQUE_CONFLICTS: Record<string, StoreErrorCode> = {
  [CONSTRAINTS.eventSequence]: 'sequence_conflict',
  [CONSTRAINTS.eventId]: 'duplicate_event',
  [CONSTRAINTS.batchIndex]: 'batch_conflict',
};

export interface Classified {
  readonly code: StoreErrorCode;
  readonly retriable: boolean;
}

/** Pure: which StoreError code and retriability a driver error gets. */
export function classify(e: unknown): Classified {
  const sqlstate = field(e, 'code') ?? '';
  const message = field(e, 'message') ?? '';
  if (sqlstate === '23505') {
    return { code: UNIQUE_CONFLICTS[field(e, 'constraint') ?? ''] ?? 'store_failure', retriable: false };
  }
  if (sqlstate === '40001' || sqlstate === '40P01' || sqlstate === '55P03' || sqlstate === '57014') {
    return { code: 'store_busy', retriable: true };
  }
  if (sqlstate === '57P01' || sqlstate === '57P02' || sqlstate === '57P03' || sqlstate === '53300' || sqlstate.startsWith('08')) {
    return { code: 'store_failure', retriable: true };
  }
  if (NETWORK_CODES.has(sqlstate) || (sqlstate === '' && LOST_CONNECTION.test(message))) {
    return { code: 'store_failure', retriable: true };
  }
  // 3D000 no such database, 3F000 no such schema, 42P01 no such table: nothing to read here.
  if (sqlstate === '3D000' || sqlstate === '3F000' || sqlstate === '42P01') {
    return { code: 'store_missing', retriable: false };
  }
  // XX001/XX002: the server found damaged data pages.
  if (sqlstate === 'XX001' || sqlstate === 'XX002') return { code: 'store_corrupt', retriable: false };
  return { code: 'store_failure', retriable: false };
}

export function toStoreError(e: unknown, doing: string): StoreError {
  if (e instanceof StoreError) return e;
  const { code, retriable } = classify(e);
  const sqlstate = field(e, 'code');
  const message = e instanceof Error ? e.message : String(e);
  const detail = sqlstate === undefined ? message : `${message} [${sqlstate}]`;
  return new StoreError(code, `${doing}: ${detail}`, retriable, { cause: e });
}

/** Runs `fn`, turning driver errors into StoreErrors. */
export async function guarded<T>(doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toStoreError(e, doing);
  }
}
