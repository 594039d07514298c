/**
 * The input contract: identity events after validation (see `validate.ts` for the wire form).
 * Times are epoch seconds (fractions allowed), converted once at the boundary so the core
 * never parses dates.
 */
import type { Phase } from './phases.ts';

/**
 * Every identity event may name its clustering domain (fleet, tenant; `domains.ts`). Absent in
 * the default domain: an event without it is exactly the event of before domains existed.
 */
interface InDomain {
  readonly domain?: string;
}

export type EpochSeconds = number;

export interface SessionWindow {
  readonly start: EpochSeconds;
  readonly end: EpochSeconds;
  readonly decky: string;
}

export interface TtpEntry {
  readonly decky: string;
  readonly phase: Phase;
  readonly start: EpochSeconds;
  /** Defaults to `start` on the wire. */
  readonly end: EpochSeconds;
}

/** One observation's contribution to an identity. Every field is optional on the wire. */
export interface Observation {
  readonly sessions: readonly SessionWindow[];
  readonly ttp: readonly TtpEntry[];
  readonly payload_hashes: readonly string[];
  readonly c2_endpoints: readonly string[];
  readonly asn: number | null;
  readonly tools: readonly string[];
  readonly ja3: string | null;
  readonly hassh: string | null;
  /** One session's keystroke digraph SimHash, 64 bits. */
  readonly kd_simhash: bigint | null;
}

export interface IdentityObserved extends InDomain {
  readonly type: 'identity.observed';
  readonly event_id: string;
  readonly time: EpochSeconds;
  readonly identity_uuid: string;
  readonly version: number;
  readonly observation: Observation;
}

export interface IdentityMerged extends InDomain {
  readonly type: 'identity.merged';
  readonly event_id: string;
  readonly time: EpochSeconds;
  readonly winner_uuid: string;
  readonly loser_uuid: string;
}

export interface IdentityUnmerged extends InDomain {
  readonly type: 'identity.unmerged';
  readonly event_id: string;
  readonly time: EpochSeconds;
  readonly resurrected_uuid: string;
  readonly former_winner_uuid: string;
}

export interface IdentityRetired extends InDomain {
  readonly type: 'identity.retired';
  readonly event_id: string;
  readonly time: EpochSeconds;
  readonly identity_uuid: string;
}

/** What the identity layer says (the projection folds these). */
export type IdentityLayerEvent = IdentityObserved | IdentityMerged | IdentityUnmerged | IdentityRetired;

/**
 * Analyst overrides (docs/ANALYSTS.md): a person's word on the clustering, in the same stream as
 * the identity layer's events so that replay and rebuild reproduce it. Every one names who said
 * it and why; the engine keeps them (overrides.ts) and honours them exactly.
 */
interface AnalystBase extends InDomain {
  readonly event_id: string;
  readonly time: EpochSeconds;
  readonly author: string;
  readonly reason: string;
}

/** The two identities belong together (an edge above any threshold). */
export interface AnalystMustLink extends AnalystBase {
  readonly type: 'analyst.must_link';
  /** Exactly two distinct identities. */
  readonly identity_uuids: readonly [string, string];
}

/** The two identities are never in one campaign. */
export interface AnalystCannotLink extends AnalystBase {
  readonly type: 'analyst.cannot_link';
  readonly identity_uuids: readonly [string, string];
}

/** The identity stays with the anchor identity's campaign; a newer pin of the same identity replaces it. */
export interface AnalystPin extends AnalystBase {
  readonly type: 'analyst.pin';
  readonly identity_uuid: string;
  readonly anchor_uuid: string;
}

/** Names a campaign; no effect on clustering. */
export interface AnalystLabel extends AnalystBase {
  readonly type: 'analyst.label';
  readonly campaign_uuid: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly notes: string | null;
}

/** Undoes an earlier override (must-link, cannot-link, pin or label). */
export interface AnalystRevoke extends AnalystBase {
  readonly type: 'analyst.revoke';
  readonly override_event_id: string;
}

export type AnalystEvent = AnalystMustLink | AnalystCannotLink | AnalystPin | AnalystLabel | AnalystRevoke;

export type IdentityEvent = IdentityLayerEvent | AnalystEvent;
export type IdentityEventType = IdentityEvent['type'];

export const IDENTITY_EVENT_TYPES: readonly IdentityEventType[] = [
  'identity.observed', 'identity.merged', 'identity.unmerged', 'identity.retired',
  'analyst.must_link', 'analyst.cannot_link', 'analyst.pin', 'analyst.label', 'analyst.revoke',
];

export const isAnalystEvent = (e: IdentityEvent): e is AnalystEvent => e.type.startsWith('analyst.');

/**
 * An event as it enters the engine, with the opaque input position it was read at
 * (`file:offset`, `topic/partition@offset`, …). Positions only label batches; the core never
 * parses them.
 */
export interface PositionedEvent {
  readonly position: string;
  readonly event: IdentityEvent;
}
