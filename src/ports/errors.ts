/**
 * Errors that cross a port. Each carries a stable `code` (callers branch on it, never on the
 * message) and a `retriable` flag: retrying a retriable error may succeed (a busy database, a
 * file briefly locked); retrying any other one repeats the same failure. Unknown errors from
 * a driver are mapped to a non-retriable code by the adapter.
 */

/**
 * The shape every such error shares; each kind is a subclass that fixes its codes and its
 * `name` (callers tell the kinds apart with `instanceof`, so the base is never thrown itself).
 */
export abstract class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly retriable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type StoreErrorCode =
  /** The batch's first sequence is not the log's head + 1 (another writer, or a lost batch). */
  | 'sequence_conflict'
  /** The batch index is not the last index + 1. */
  | 'batch_conflict'
  /** An event id is already in the log: appending would duplicate an event. */
  | 'duplicate_event'
  /** The store is locked by another writer; retry later. */
  | 'store_busy'
  /** The store does not exist (read commands never create one). */
  | 'store_missing'
  /** The store was written by a newer, unknown layout version. */
  | 'store_version'
  /** The store's content contradicts itself (tables ahead of the log, unreadable rows). */
  | 'store_corrupt'
  /** The store's log was clustered with another scoring profile than the one asked for. */
  | 'profile_mismatch'
  /** The adapter cannot do what was asked (e.g. tables in a log that keeps none). */
  | 'unsupported'
  /** Any other driver failure. */
  | 'store_failure';

export class StoreError extends CodedError<StoreErrorCode> {
  override readonly name = 'StoreError';
}

export type InputErrorCode =
  /** An input file named by the command or needed to rebuild state is not there. */
  | 'input_missing'
  /** The part of an input already consumed has changed since it was consumed. */
  | 'input_changed'
  /** Two inputs share a name (inputs are identified by file name in the store). */
  | 'input_conflict'
  /** The file cannot be read (permissions, I/O error, not a regular file). */
  | 'input_unreadable';

export class InputError extends CodedError<InputErrorCode> {
  override readonly name = 'InputError';
}

export const isStoreError = (e: unknown): e is StoreError => e instanceof StoreError;
export const isInputError = (e: unknown): e is InputError => e instanceof InputError;

/** Any error that crossed a port: it has a `code` and says whether retrying may help. */
export const isCodedError = (e: unknown): e is CodedError<string> => e instanceof CodedError;

/**
 * The code every adapter uses for an operation it gave up because the process is stopping (not
 * a failure: nothing is wrong with the input or the service).
 */
export const ABORTED = 'aborted';

export const isAborted = (e: unknown): boolean => isCodedError(e) && e.code === ABORTED;
