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

export type IdentityEvent = IdentityObserved | IdentityMerged | IdentityUnmerged | IdentityRetired;
export type IdentityEventType = IdentityEvent['type'];

export const IDENTITY_EVENT_TYPES: readonly IdentityEventType[] = [
  'identity.observed', 'identity.merged', 'identity.unmerged', 'identity.retired',
];

/**
 * An event as it enters the engine, with the opaque input position it was read at
 * (`file:offset`, `topic/partition@offset`, …). Positions only label batches; the core never
 * parses them.
 */
export interface PositionedEvent {
  readonly position: string;
  readonly event: IdentityEvent;
}
