/**
 * Where refused input goes: one record per refused event, with its source coordinates, in
 * input order. Written before the batch commits and rolled back to the committed mark on
 * restart, so a crash between the two never leaves a reject listed twice.
 */
import type { RejectCode } from '../domain/engine-api.ts';

export interface RejectRecord {
  /** `file:offset` (or `file:offset#index` inside an Avro block). */
  readonly position: string;
  /** 1-based line number (NDJSON) or record number (Avro) in its file. */
  readonly line: number | null;
  readonly code: RejectCode;
  readonly reason: string;
  readonly event_id: string | null;
}

export interface RejectSink {
  /** Append durably; returns the mark after the appended records. */
  write(rejects: readonly RejectRecord[]): Promise<string>;
  /** Drop whatever was written after `mark` (rejects of a batch that never committed). */
  rollback(mark: string): Promise<void>;
}
