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
  /**
   * The clustering domain of the tables the row comes from; absent in the default domain, as on
   * campaign events. The tables do not know their domain, so whoever reads them says it.
   */
  readonly domain?: string;
}

export interface Publisher {
  /**
   * Publishes a contiguous run of the log, in sequence order, and the current rows of the
   * campaigns it touched (a row goes out with the event of its `updated_sequence`). Resolves once
   * every message is durably acknowledged. Long runs go out in chunks, one after the other; after
   * each acknowledged chunk `acknowledged(s)` says that every event up to sequence `s`, and every
   * row whose `updated_sequence` is at most `s`, is out. On failure the chunks acknowledged so
   * far stay out and the caller publishes the rest again (errors carry `code` and `retriable`).
   */
  publish(events: readonly CampaignEvent[], rows: readonly PublishedRow[], acknowledged?: (sequence: number) => void): Promise<void>;
  close(): Promise<void>;
}

/** How far the log has been published. */
export interface OutboxCursor {
  /** Sequence of the last event known to be published; 0 when none. */
  published(): Promise<number>;
  /** Records that every event up to `sequence` is published. Never moves backwards. */
  markPublished(sequence: number): Promise<void>;
}
