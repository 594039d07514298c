/**
 * What the Kafka pipeline keeps beside the store's event log, which has no place for it:
 *
 * - the outbox cursor: how far the log has been published (`OutboxCursor`, publisher.ts);
 * - the quarantine: input offsets found to be poison (the engine fails on them). Recorded
 *   before the batch that skips them commits, so re-deriving state skips them too.
 *
 * Kept apart from the event log on purpose: both are written outside the batch transaction
 * (the cursor after a publish, the quarantine before the batch that needs it), and a store
 * that never ran the pipeline has neither. Implementations live with their store adapter
 * (src/adapters/sqlite/kafka-side-store.ts, src/adapters/postgres/kafka-side-store.ts).
 */
import type { OutboxCursor } from './publisher.ts';

export interface QuarantineEntry {
  readonly source: string;
  readonly offset: number;
  readonly reason: string;
}

export interface QuarantineStore {
  /** Every entry, ordered by source, then offset. */
  all(): Promise<readonly QuarantineEntry[]>;
  /** Durable before it resolves; an entry for the same source and offset replaces the old one. */
  add(entry: QuarantineEntry): Promise<void>;
}

export interface KafkaSideStore {
  /** The cursor of one output (named by its events topic). */
  cursor(name: string): OutboxCursor;
  readonly quarantine: QuarantineStore;
  close(): Promise<void>;
}
