/**
 * Where identity events come from: a file (NDJSON, Avro container) or a topic partition. A
 * source yields raw records with their position; decoding to the wire object is the source's
 * business (it knows the format), validation is not (the pipeline runs the one validator).
 */

/** A point in one source where reading can resume. */
export interface InputPosition {
  /** Byte offset (files) or log offset (topics). */
  readonly offset: number;
  /**
   * Records already consumed at `offset` (an Avro block is only addressable by its start, so
   * a position inside a block is the block's offset plus the records read from it); 0 for
   * NDJSON.
   */
  readonly index: number;
  /** Lines (NDJSON) or records (Avro) before this position: gives rejects a line number. */
  readonly ordinal: number;
}

export const START: InputPosition = { offset: 0, index: 0, ordinal: 0 };

export type RawPayload =
  /** One NDJSON line, without its terminator. */
  | { readonly kind: 'text'; readonly text: string }
  /** A decoded record (the plain wire object the validator takes). */
  | { readonly kind: 'object'; readonly value: unknown }
  /**
   * Bytes the source could not turn into a record (oversized line, corrupt Avro block, text
   * that is not UTF-8).
   */
  | { readonly kind: 'invalid'; readonly code: 'line_too_long' | 'undecodable' | 'schema' | 'bad_encoding'; readonly reason: string };

export interface SourceRecord {
  readonly source: string;
  readonly start: InputPosition;
  /** Where reading resumes after this record. */
  readonly end: InputPosition;
  /**
   * NDJSON: where the line's content ends, before trailing whitespace and its newline. A last
   * line consumed before its newline was written ended there; read again once the newline is
   * there, it ends after it, and both ends mark the same record.
   */
  readonly contentEnd?: number;
  readonly payload: RawPayload;
}

/** The end of an input that is not complete yet: neither consumed nor refused. */
export interface HeldBack {
  /** Where the held-back part starts (reading resumes here next time). */
  readonly at: InputPosition;
  readonly bytes: number;
  readonly reason: string;
}

export interface ReadOptions {
  /**
   * The input is being followed while it grows (`run --follow`): a last NDJSON line without a
   * newline is always held back, since its writer may not have finished it.
   */
  readonly growing?: boolean;
  /** Told when reading stops before the end of the input because the rest is incomplete. */
  readonly onHeldBack?: (held: HeldBack) => void;
}

export interface IdentitySource {
  /** The name positions are recorded under (a file's base name). */
  readonly name: string;
  /** Where to find the source again (a file path). */
  readonly locator: string;
  /** Total bytes when known (progress). */
  readonly size: number | null;
  /**
   * Records from `from` (a position this source produced, or START) to the end, or to where an
   * incomplete rest begins (reported through `options.onHeldBack`).
   */
  records(from: InputPosition, options?: ReadOptions): AsyncIterable<SourceRecord>;
  /**
   * A digest of the input consumed up to `at`, stored with every checkpoint: the same digest
   * later proves the consumed part is unchanged. Throws InputError('input_changed') when the
   * source is shorter than `at`.
   */
  fingerprint(at: InputPosition): Promise<string>;
}

/** Opens a source recorded in the store, by name and last known locator. */
export type SourceOpener = (name: string, locator: string) => Promise<IdentitySource>;

/** Human and log form of a position: `name:offset`, or `name:offset#index` inside an Avro block. */
export const formatPosition = (source: string, p: InputPosition): string =>
  p.index === 0 ? `${source}:${p.offset}` : `${source}:${p.offset}#${p.index}`;

export const samePosition = (a: InputPosition, b: InputPosition): boolean =>
  a.offset === b.offset && a.index === b.index;
