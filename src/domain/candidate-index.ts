/**
 * Blocking: which pairs can possibly reach the threshold. The plan is derived from the
 * profile's weights so it never misses an edge: a family is indexed when the families left
 * unindexed could otherwise add up to the threshold on their own.
 *
 * Keys:
 *  - `s:<token>`        shared payload hash / C2 endpoint (shared-infra > 0 needs one)
 *  - `o:<decky>:<k>` / `i:<decky>:<k>`  handoff roles per decky, bucketed by the handoff window
 *                       (an OUT phase ending in bucket k can only meet an IN phase starting in k or k+1)
 *  - `k<b>:<band>:<bits>` keystroke SimHash bands: pairs at Hamming distance < b share a band
 *  - `c:<tag>`          cohort tokens, only when the weights make cohort load-bearing
 * When no exact blocking exists (temporal alone can cross the threshold) the plan is a scan.
 */
import type { Features } from './features.ts';
import { HANDOFF_IN, HANDOFF_OUT } from './phases.ts';
import type { ScoringProfile } from './profile.ts';

export interface CandidatePlan {
  readonly infra: boolean;
  readonly handoff: boolean;
  /** number of equal-width SimHash bands (0 = keystroke not indexed) */
  readonly keystrokeBands: number;
  readonly cohort: boolean;
  /** no exact blocking: every pair is a candidate */
  readonly scan: boolean;
}

/** Slack for the float sum: a bound this close to the threshold counts as reaching it. */
const EPS = 1e-9;
const BAND_CHOICES = [1, 2, 4, 8, 16, 32, 64];

export function planCandidates(p: ScoringProfile): CandidatePlan {
  const w = p.weights;
  const infra = w.shared_infra > 0;
  const handoff = w.handoff > 0;
  const reaches = (bound: number) => bound >= p.threshold - EPS;
  const kMax = (bands: number) => w.keystroke * Math.max(0, 1 - bands / p.keystrokeMaxHamming);
  // Without an infra or handoff key a pair scores at most temporal + cohort + keystroke.
  if (!reaches(w.temporal + w.cohort + Math.max(0, w.keystroke))) {
    return { infra, handoff, keystrokeBands: 0, cohort: false, scan: false };
  }
  if (w.keystroke > 0) {
    for (const b of BAND_CHOICES) {
      if (!reaches(w.temporal + w.cohort + kMax(b))) {
        return { infra, handoff, keystrokeBands: b, cohort: false, scan: false };
      }
    }
  }
  // Keystroke bands cannot rule pairs out; cohort must be shared unless temporal + keystroke suffice.
  if (w.cohort > 0 && !reaches(w.temporal + Math.max(0, w.keystroke))) {
    return { infra, handoff, keystrokeBands: 0, cohort: true, scan: false };
  }
  return { infra, handoff, keystrokeBands: 0, cohort: false, scan: true };
}

const bucket = (t: number, window: number) => (window > 0 ? Math.floor(t / window) : t);

/** The keys a node is stored under. */
export function nodeKeys(f: Features, plan: CandidatePlan, p: ScoringProfile): string[] {
  const keys: string[] = [];
  if (plan.infra) for (const t of f.infra) keys.push('s:' + t);
  if (plan.handoff) {
    const W = p.handoffWindowSeconds;
    for (const [d, m] of f.last) if (HANDOFF_OUT.has(m.phase)) keys.push(`o:${d}:${bucket(m.t, W)}`);
    for (const [d, m] of f.first) if (HANDOFF_IN.has(m.phase)) keys.push(`i:${d}:${bucket(m.t, W)}`);
  }
  if (plan.keystrokeBands > 0 && f.kd !== null) {
    const b = plan.keystrokeBands;
    const width = 64 / b;
    for (let i = 0; i < b; i++) {
      const bits = (f.kd >> BigInt(i * width)) & ((1n << BigInt(width)) - 1n);
      keys.push(`k${b}:${i}:${bits.toString(16)}`);
    }
  }
  if (plan.cohort) {
    for (const a of f.asns) keys.push('c:a:' + a);
    for (const t of f.tools) keys.push('c:t:' + t);
    for (const d of f.deckies) keys.push('c:d:' + d);
  }
  return keys;
}

/** The keys whose members can pair with a node stored under `key`. */
function partnerKeys(key: string, window: number): string[] {
  if (key.startsWith('o:') || key.startsWith('i:')) {
    const cut = key.lastIndexOf(':');
    const decky = key.slice(2, cut);
    const k = Number(key.slice(cut + 1));
    // OUT at bucket k meets IN at k or k+1; IN at bucket k meets OUT at k or k−1.
    return key[0] === 'o'
      ? [`i:${decky}:${k}`, `i:${decky}:${window > 0 ? k + 1 : k}`]
      : [`o:${decky}:${k}`, `o:${decky}:${window > 0 ? k - 1 : k}`];
  }
  return [key];
}

/**
 * Inverted index key → nodes. A key held by a single node stores the bare id (most payload
 * tokens are unique), so the index costs little per identity.
 */
export class CandidateIndex {
  private readonly postings = new Map<string, string | Set<string>>();
  private readonly keysOf = new Map<string, string[]>();
  private readonly all = new Set<string>();

  constructor(readonly plan: CandidatePlan, private readonly profile: ScoringProfile) {}

  add(f: Features): void {
    const keys = nodeKeys(f, this.plan, this.profile);
    if (this.plan.scan) this.all.add(f.uuid);
    if (keys.length === 0) return;
    this.keysOf.set(f.uuid, keys);
    for (const k of keys) {
      const cur = this.postings.get(k);
      if (cur === undefined) this.postings.set(k, f.uuid);
      else if (typeof cur === 'string') { if (cur !== f.uuid) this.postings.set(k, new Set([cur, f.uuid])); }
      else cur.add(f.uuid);
    }
  }

  remove(uuid: string): void {
    this.all.delete(uuid);
    const keys = this.keysOf.get(uuid);
    if (!keys) return;
    this.keysOf.delete(uuid);
    for (const k of keys) {
      const cur = this.postings.get(k);
      if (cur === undefined) continue;
      if (typeof cur === 'string') { if (cur === uuid) this.postings.delete(k); }
      else {
        cur.delete(uuid);
        if (cur.size === 1) this.postings.set(k, cur.values().next().value as string);
        else if (cur.size === 0) this.postings.delete(k);
      }
    }
  }

  /** Every node that shares a blocking key with `uuid` (which must be indexed), excluding itself. */
  candidates(uuid: string, into: Set<string> = new Set()): Set<string> {
    if (this.plan.scan) {
      for (const u of this.all) if (u !== uuid) into.add(u);
      return into;
    }
    const keys = this.keysOf.get(uuid);
    if (!keys) return into;
    const W = this.profile.handoffWindowSeconds;
    for (const key of keys) {
      for (const pk of partnerKeys(key, W)) {
        const cur = this.postings.get(pk);
        if (cur === undefined) continue;
        if (typeof cur === 'string') { if (cur !== uuid) into.add(cur); }
        else for (const u of cur) if (u !== uuid) into.add(u);
      }
    }
    return into;
  }

  /** Number of distinct keys held (diagnostics). */
  get size(): number {
    return this.postings.size;
  }
}
