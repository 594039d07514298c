/**
 * What a generated corpus looks like from the clusterer's side, for checking that a fleet
 * scenario has the properties it claims (tests, docs/SIMULATOR.md): how often an identity's
 * activity on a decky ends in an outgoing handoff phase or starts with an incoming one, how many
 * rows hold each payload/C2 token, and how many rows report late or touch a sighting-only C2.
 *
 * An "observation" here is one (attacker row, decky) pair with its final first and last phase,
 * chosen by value as the engine chooses them (smallest (start, phase) / largest (end, phase)),
 * after every late report: a single session carries one phase, so the unit in which something
 * "starts with discovery" or "ends in persistence" is a row's activity on one decky.
 */
import { HANDOFF_IN, HANDOFF_OUT } from '../domain/phases.ts';
import type { Phase } from '../domain/phases.ts';
import type { AttackerRow } from './corpus-types.ts';

export interface HandoffRoleShares {
  /** (row, decky) pairs with at least one session */
  readonly observations: number;
  /** share whose last phase is command_and_control or persistence */
  readonly ending_out: number;
  /** share whose first phase is discovery or lateral_movement */
  readonly starting_in: number;
}

export function handoffRoleShares(rows: Iterable<AttackerRow>): HandoffRoleShares {
  let observations = 0;
  let out = 0;
  let inn = 0;
  for (const r of rows) {
    const first = new Map<string, { t: number; phase: Phase }>();
    const last = new Map<string, { t: number; phase: Phase }>();
    for (const s of r.sessions) {
      const f = first.get(s.decky);
      if (!f || s.start < f.t || (s.start === f.t && s.phase < f.phase)) first.set(s.decky, { t: s.start, phase: s.phase });
      const l = last.get(s.decky);
      if (!l || s.end > l.t || (s.end === l.t && s.phase > l.phase)) last.set(s.decky, { t: s.end, phase: s.phase });
    }
    for (const [decky, f] of first) {
      observations++;
      if (HANDOFF_IN.has(f.phase)) inn++;
      if (HANDOFF_OUT.has((last.get(decky) as { phase: Phase }).phase)) out++;
    }
  }
  return { observations, ending_out: observations === 0 ? 0 : out / observations, starting_in: observations === 0 ? 0 : inn / observations };
}

/** Payload hash or C2 endpoint → how many rows hold it (sessions and sightings). */
export function tokenHolders(rows: Iterable<AttackerRow>): Map<string, number> {
  const holders = new Map<string, number>();
  for (const r of rows) {
    const mine = new Set<string>();
    for (const s of r.sessions) {
      if (s.payload_hash) mine.add(s.payload_hash);
      if (s.c2_callback) mine.add(s.c2_callback);
    }
    for (const s of r.sightings ?? []) mine.add(s.c2_callback);
    for (const t of mine) holders.set(t, (holders.get(t) ?? 0) + 1);
  }
  return holders;
}
