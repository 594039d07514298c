/** Terse builders for identity events in tests. Times are epoch seconds. */
import type {
  IdentityEvent, IdentityObserved, Observation, PositionedEvent, SessionWindow, TtpEntry,
} from '../../src/domain/identity-events.ts';

let counter = 0;
export const nextId = (p = 'e') => `${p}${++counter}`;

export function obs(partial: Partial<Observation> = {}): Observation {
  return {
    sessions: [], ttp: [], payload_hashes: [], c2_endpoints: [], asn: null, tools: [], ja3: null, hassh: null,
    kd_simhash: null, ...partial,
  };
}

const versions = new Map<string, number>();
export function observed(identity: string, o: Partial<Observation>, opts: { time?: number; version?: number; id?: string } = {}): IdentityObserved {
  const v = opts.version ?? (versions.get(identity) ?? 0) + 1;
  versions.set(identity, Math.max(v, versions.get(identity) ?? 0));
  return { type: 'identity.observed', event_id: opts.id ?? nextId(), identity_uuid: identity, version: v, time: opts.time ?? 1_767_225_600, observation: obs(o) };
}
export const merged = (winner: string, loser: string, time = 1_767_225_600): IdentityEvent =>
  ({ type: 'identity.merged', event_id: nextId(), winner_uuid: winner, loser_uuid: loser, time });
export const unmerged = (resurrected: string, formerWinner: string, time = 1_767_225_600): IdentityEvent =>
  ({ type: 'identity.unmerged', event_id: nextId(), resurrected_uuid: resurrected, former_winner_uuid: formerWinner, time });
export const retired = (identity: string, time = 1_767_225_600): IdentityEvent =>
  ({ type: 'identity.retired', event_id: nextId(), identity_uuid: identity, time });

export const session = (start: number, end: number, decky = 'decky-01'): SessionWindow => ({ start, end, decky });
export const ttp = (decky: string, phase: TtpEntry['phase'], start: number, end = start): TtpEntry => ({ decky, phase, start, end });

export function positioned(events: readonly IdentityEvent[], source = 'test'): PositionedEvent[] {
  return events.map((event, i) => ({ position: `${source}:${i}`, event }));
}
