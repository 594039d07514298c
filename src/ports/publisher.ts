/**
 * Where the campaign event log is published for subscribers (Kafka topics in the pipeline).
 *
 * Publishing cannot be atomic with appending to the log (two systems), so the log is the
 * outbox: a relay reads appended events and publishes them, then records how far it got
 * (`OutboxCursor`). A crash between the two publishes some events again on restart:
 * delivery is at-least-once, every event keeps its deterministic `event_id`, and subscribers
 * drop the ids they have seen.
 */
import type { CampaignEvent } from '../domain/campaign-events.ts';
import type { CampaignRow } from '../domain/tables.ts';

/** A campaign table row as subscribers get it. */
export interface PublishedRow {
  readonly row: CampaignRow;
  /** Live identities of the campaigns merged into this one (transitively), sorted. */
  readonly merged_members: readonly string[];
}

export interface Publisher {
  /**
   * Publishes a contiguous run of the log, in sequence order, and the current rows of the
   * campaigns it touched. Resolves once every message is durably acknowledged. On failure some
   * of them may be out already; the caller publishes the whole run again (errors carry
   * `code` and `retriable`).
   */
  publish(events: readonly CampaignEvent[], rows: readonly PublishedRow[]): Promise<void>;
  close(): Promise<void>;
}

/** How far the log has been published. */
export interface OutboxCursor {
  /** Sequence of the last event known to be published; 0 when none. */
  published(): Promise<number>;
  /** Records that every event up to `sequence` is published. Never moves backwards. */
  markPublished(sequence: number): Promise<void>;
}
