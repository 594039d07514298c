/**
 * The engine's public surface, as adapters and the pipeline see it. Implemented by
 * `CampaignEngine` in `engine.ts`.
 */
import type { BatchRange, CampaignEvent } from './campaign-events.ts';
import type { PositionedEvent } from './identity-events.ts';

/** Why an event was refused. Stateless codes come from `validate.ts`, stateful ones from the engine. */
export type RejectCode =
  | 'invalid_json' | 'line_too_long' | 'schema' | 'unknown_type' | 'bad_time' | 'bad_value'
  | 'too_many_entries' | 'merge_cycle' | 'retired_identity' | 'undecodable' | 'bad_encoding'
  /** An event of a domain other than the default where only the default domain is clustered (the Kafka pipeline, for now). */
  | 'domain_unsupported'
  /** A domain's event read on a partition of a topic keyed by domain that is not its domain's (`pipeline --assignment domain`). */
  | 'domain_misrouted'
  /** An analyst override naming an identity the stream has never mentioned. */
  | 'unknown_identity'
  /** An analyst label naming a campaign the engine never formed. */
  | 'unknown_campaign'
  /** A revoke naming an event id that is not an accepted override (unknown, rejected, or itself a revoke). */
  | 'unknown_override'
  /** A revoke of an override already revoked. */
  | 'override_revoked'
  /**
   * An accepted override that is not in force: it conflicts with a newer one (larger time,
   * event_id), or the identity layer made its two identities one. Reported in the batch where
   * it loses; it comes back into force if the winner is revoked (docs/ANALYSTS.md).
   */
  | 'override_conflict';

export interface Rejection {
  readonly position: string;
  readonly event_id: string | null;
  readonly code: RejectCode;
  readonly reason: string;
}

export interface BatchStats {
  /** Events that changed (or could have changed) the projection. */
  readonly applied: number;
  /** Repeated `event_id`s: dropped and counted. */
  readonly duplicates: number;
  /** `identity.observed` at or below the identity's last accepted version: dropped and counted. */
  readonly stale: number;
  /** Stateful rejections (merge cycle, retired identity). */
  readonly rejected: number;
  /** Candidate pairs the clusterer actually scored in this batch. */
  readonly pairs_scored: number;
}

export interface BatchOutcome {
  /** Campaign events, sequences already assigned, in causal order. Empty when nothing changed. */
  readonly events: readonly CampaignEvent[];
  readonly rejections: readonly Rejection[];
  readonly stats: BatchStats;
}

export interface Membership {
  readonly identity_uuid: string;
  readonly campaign_uuid: string;
}

export interface EngineStatus {
  readonly identities_active: number;
  readonly campaigns_live: number;
  readonly campaigns_merged: number;
  /** Sequence the next appended campaign event will get. */
  readonly next_sequence: number;
  readonly largest_campaign: number;
  /** Input events whose ids the engine remembers (duplicates are refused forever): what a snapshot's size grows with. */
  readonly events_held: number;
}

export interface Engine {
  /**
   * Apply one batch atomically: either every accepted event of the batch is folded and the
   * outcome returned, or (on an internal error) it throws and the engine must be discarded and
   * rebuilt from the log or a snapshot. The batch range labels the emitted events.
   */
  applyBatch(events: readonly PositionedEvent[], range: BatchRange): BatchOutcome;
  membership(): Membership[];
  status(): EngineStatus;
  /** A plain-JSON snapshot; `restoreEngine(snapshot)` gives an engine that behaves identically. */
  snapshot(): unknown;
}
