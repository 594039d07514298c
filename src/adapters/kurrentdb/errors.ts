/**
 * @kurrent/kurrentdb-client failures → StoreError.
 *
 * - WrongExpectedVersion: the stream moved since this adapter last read it (another writer):
 *   sequence_conflict, not retriable (the same batch conflicts again; re-read and decide).
 * - unavailable / deadline exceeded / timeout / not leader: the node is down, slow or no longer
 *   the leader; retriable. An append that failed this way may still have been written: the
 *   retried append catches up first and then fails with sequence_conflict if it was, and
 *   `lastBatch()` tells which batch is there.
 * - a deleted or tombstoned stream: store_missing. Oversized appends (the server's MaxAppendSize,
 *   1 MiB by default): store_failure with the limit in the message; smaller batches fix it.
 * - anything else repeats on retry.
 */
import { ErrorType, isCommandError } from '@kurrent/kurrentdb-client';
import { StoreError, type StoreErrorCode } from '../../ports/errors.ts';

export interface Classified {
  readonly code: StoreErrorCode;
  readonly retriable: boolean;
}

const RETRIABLE: ReadonlySet<string> = new Set([
  ErrorType.UNAVAILABLE, ErrorType.DEADLINE_EXCEEDED, ErrorType.TIMEOUT, ErrorType.NOT_LEADER,
]);

/** Pure: the StoreError code and retriability of a client error. */
export function classify(e: unknown): Classified {
  if (!(e instanceof Error) || !isCommandError(e)) return { code: 'store_failure', retriable: false };
  if (e.type === ErrorType.WRONG_EXPECTED_VERSION || e.type === ErrorType.APPEND_CONSISTENCY_VIOLATION) {
    return { code: 'sequence_conflict', retriable: false };
  }
  if (RETRIABLE.has(e.type)) return { code: 'store_failure', retriable: true };
  if (e.type === ErrorType.STREAM_DELETED || e.type === ErrorType.STREAM_TOMBSTONED) {
    return { code: 'store_missing', retriable: false };
  }
  return { code: 'store_failure', retriable: false };
}

export function toStoreError(e: unknown, doing: string): StoreError {
  if (e instanceof StoreError) return e;
  const { code, retriable } = classify(e);
  let message = e instanceof Error ? e.message : String(e);
  if (e instanceof Error && isCommandError(e)) {
    if (e.type === ErrorType.WRONG_EXPECTED_VERSION) {
      message = `another writer appended to ${e.streamName} (expected revision ${String(e.expectedState)}, found ${String(e.actualState)})`;
    } else if (e.type === ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED) {
      message = `the batch exceeds the server's maximum append size of ${e.maxAppendSize} bytes: use smaller batches or raise MaxAppendSize`;
    }
    message = `${message} [${e.type}]`;
  }
  return new StoreError(code, `${doing}: ${message}`, retriable, { cause: e });
}
