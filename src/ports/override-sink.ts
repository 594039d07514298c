/**
 * Where an analyst override goes once a person has written it (docs/ANALYSTS.md): an overrides
 * file that `campaigns run` reads, or the identity topic the pipeline consumes. Either way the
 * override becomes input like any identity event, so replay and rebuild reproduce it; a sink
 * only appends, it never judges (the engine does, when it reads the override).
 *
 * Adapters: `src/adapters/file/override-file.ts`, `src/adapters/kafka/override-producer.ts`.
 */
import type { IdentityEventWire } from '../domain/validate.ts';
import { CodedError } from './errors.ts';

export interface OverrideSink {
  /** What kind of input receives the overrides (said back to the writer: `accepted`). */
  readonly kind: 'file' | 'topic';
  /** The file path or topic name, for messages. */
  readonly target: string;
  /**
   * Appends one override, already validated, durably: resolved means a later reader of the
   * input will find it (the file synced, the topic's in-sync replicas acknowledged). Throws an
   * OverrideSinkError, or the Kafka adapter's KafkaAdapterError, each with `retriable`.
   */
  append(wire: IdentityEventWire): Promise<void>;
  close(): Promise<void>;
}

export type OverrideSinkErrorCode =
  /** The overrides file cannot be opened or written (permissions, a full disk, not a file). */
  | 'override_write_failed';

export class OverrideSinkError extends CodedError<OverrideSinkErrorCode> {
  override readonly name = 'OverrideSinkError';
}
