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
import { growF64 } from './columns.ts';
import { Marks, type Features } from './features.ts';
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

/** The keys a node is stored under (diagnostics and tests; the index computes them without strings). */
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

/**
 * Per-node scratch shared with the engine, one 64-byte block per node so a candidate costs one
 * cache line: the dedup stamp and the infra-hit count live here (the engine keeps its bound
 * facts and the compact scorer its features in the other slots).
 */
export const NODE_STRIDE = 16;
const NO_OUT: number[] = [];
export const SLOT_HITS = 3;
export const SLOT_MARK = 6;

/**
 * What a density-aware profile (default@2) rules out before scoring: a token held by so many
 * identities that it no longer links, a handoff role in a window so crowded that it no longer
 * counts. Both are exact: the pair's score from that key is 0.
 */
export interface CandidateGate {
  /** the token's rarity factor for its holder count (0: past the rarity cap, no candidates from it) */
  rarity(holders: number): number;
  /** false: the role's window has more possible counterparts than the base-rate cap */
  role(out: boolean, decky: string, t: number): boolean;
}

/** Nodes under one key: a bare id for a single node (most payload tokens are unique), else a list. */
type Posting = number | number[];

function postAdd<K>(m: Map<K, Posting>, k: K, id: number): void {
  const cur = m.get(k);
  if (cur === undefined) m.set(k, id);
  else if (typeof cur === 'number') { if (cur !== id) m.set(k, [cur, id]); }
  else if (!cur.includes(id)) cur.push(id);
}

function postRemove<K>(m: Map<K, Posting>, k: K, id: number): void {
  const cur = m.get(k);
  if (cur === undefined) return;
  if (typeof cur === 'number') { if (cur === id) m.delete(k); return; }
  const i = cur.indexOf(id);
  if (i < 0) return;
  const last = cur.pop()!;
  if (i < cur.length) cur[i] = last;
  if (cur.length === 1) m.set(k, cur[0]);
  else if (cur.length === 0) m.delete(k);
}

/**
 * Inverted index key → nodes, over the engine's integer node ids. Each key family has its own
 * map keyed by the raw value (token, decky + time bucket, band bits), so indexing a node builds
 * no key strings. A node's keys are recomputed from the features it was added with when it is
 * removed, so the index stores nothing per node.
 */
export class CandidateIndex {
  private readonly infra = new Map<string, Posting>();
  private readonly outRole = new Map<string, Map<number, Posting>>();
  private readonly inRole = new Map<string, Map<number, Posting>>();
  private readonly bands: Array<Map<number, Posting>>;
  private readonly wideBand = new Map<bigint, Posting>();
  private readonly cohort = new Map<string, Posting>();
  private readonly all = new Set<number>();
  private stamp = 0;
  // the candidates() call in progress
  private curOut: number[] = NO_OUT;
  private block: Int32Array = new Int32Array(0);
  private curId = -1;
  /**
   * Per node, under a gate: Σ of the rarity factors of the infra tokens it shares with the
   * node whose candidates are being gathered, summed in that node's (sorted) token order, the
   * order a density-aware profile sums them in. Reset when a node is first reached.
   */
  private rareSums = new Float64Array(0);
  private curRarity = 0;

  constructor(readonly plan: CandidatePlan, private readonly profile: ScoringProfile, private readonly gate: CandidateGate | null = null) {
    this.bands = Array.from({ length: plan.keystrokeBands > 1 ? plan.keystrokeBands : 0 }, () => new Map<number, Posting>());
  }

  private band(f: Features, i: number): number {
    const width = 64 / this.plan.keystrokeBands;
    const off = i * width;
    const word = off < 32 ? f.kdLo : f.kdHi;
    const shifted = word >>> (off & 31);
    return width === 32 ? shifted >>> 0 : shifted & ((1 << width) - 1);
  }

  /** Calls fn for every handoff role of f: OUT roles (last phases) then IN roles (first phases). */
  private forRoles(f: Features, fn: (out: boolean, decky: string, k: number, t: number) => void): void {
    const W = this.profile.handoffWindowSeconds;
    const last = f.last;
    const first = f.first;
    if (last instanceof Marks) {
      for (let i = 0; i < last.size; i++) if (HANDOFF_OUT.has(last.mark(i).phase)) fn(true, last.key(i), bucket(last.mark(i).t, W), last.mark(i).t);
    } else for (const [d, m] of last) if (HANDOFF_OUT.has(m.phase)) fn(true, d, bucket(m.t, W), m.t);
    if (first instanceof Marks) {
      for (let i = 0; i < first.size; i++) if (HANDOFF_IN.has(first.mark(i).phase)) fn(false, first.key(i), bucket(first.mark(i).t, W), first.mark(i).t);
    } else for (const [d, m] of first) if (HANDOFF_IN.has(m.phase)) fn(false, d, bucket(m.t, W), m.t);
  }

  private cohortKeys(f: Features): string[] {
    const keys: string[] = [];
    for (const a of f.asns) keys.push('c:a:' + a);
    for (const t of f.tools) keys.push('c:t:' + t);
    for (const d of f.deckies) keys.push('c:d:' + d);
    return keys;
  }

  private readonly addRole = (out: boolean, d: string, k: number): void => {
    const m = out ? this.outRole : this.inRole;
    let byBucket = m.get(d);
    if (!byBucket) m.set(d, (byBucket = new Map()));
    postAdd(byBucket, k, this.curId);
  };

  private readonly removeRole = (out: boolean, d: string, k: number): void => {
    const m = out ? this.outRole : this.inRole;
    const byBucket = m.get(d);
    if (!byBucket) return;
    postRemove(byBucket, k, this.curId);
    if (byBucket.size === 0) m.delete(d);
  };

  private readonly visitRole = (out: boolean, d: string, k: number, t: number): void => {
    // OUT at bucket k meets IN at k or k+1; IN at bucket k meets OUT at k or k−1.
    const byBucket = (out ? this.inRole : this.outRole).get(d);
    if (!byBucket) return;
    if (this.gate !== null && !this.gate.role(out, d, t)) return;
    this.visit(byBucket.get(k), false);
    if (this.profile.handoffWindowSeconds > 0) this.visit(byBucket.get(out ? k + 1 : k - 1), false);
  };

  add(id: number, f: Features): void {
    const plan = this.plan;
    if (plan.scan) this.all.add(id);
    if (plan.infra) for (const t of f.infra) postAdd(this.infra, t, id);
    if (plan.handoff) {
      this.curId = id;
      this.forRoles(f, this.addRole);
    }
    if (plan.keystrokeBands > 0 && f.kd !== null) {
      if (plan.keystrokeBands === 1) postAdd(this.wideBand, f.kd, id);
      else for (let i = 0; i < plan.keystrokeBands; i++) postAdd(this.bands[i], this.band(f, i), id);
    }
    if (plan.cohort) for (const k of this.cohortKeys(f)) postAdd(this.cohort, k, id);
  }

  /** Removes a node; `f` must be the features it was added with. */
  remove(id: number, f: Features): void {
    const plan = this.plan;
    if (plan.scan) this.all.delete(id);
    if (plan.infra) for (const t of f.infra) postRemove(this.infra, t, id);
    if (plan.handoff) {
      this.curId = id;
      this.forRoles(f, this.removeRole);
    }
    if (plan.keystrokeBands > 0 && f.kd !== null) {
      if (plan.keystrokeBands === 1) postRemove(this.wideBand, f.kd, id);
      else for (let i = 0; i < plan.keystrokeBands; i++) postRemove(this.bands[i], this.band(f, i), id);
    }
    if (plan.cohort) for (const k of this.cohortKeys(f)) postRemove(this.cohort, k, id);
  }

  private visit(p: Posting | undefined, count: boolean): void {
    if (p === undefined) return;
    const stamp = this.stamp;
    const B = this.block;
    const R = this.rareSums;
    const r = this.curRarity;
    if (typeof p === 'number') {
      const at = NODE_STRIDE * p;
      if (B[at + SLOT_MARK] !== stamp) {
        B[at + SLOT_MARK] = stamp;
        B[at + SLOT_HITS] = 0;
        if (this.gate !== null) R[p] = 0;
        this.curOut.push(p);
      }
      if (count && p !== this.curId) {
        B[at + SLOT_HITS]++;
        if (this.gate !== null) R[p] += r;
      }
      return;
    }
    for (let i = 0; i < p.length; i++) {
      const y = p[i];
      const at = NODE_STRIDE * y;
      if (B[at + SLOT_MARK] !== stamp) {
        B[at + SLOT_MARK] = stamp;
        B[at + SLOT_HITS] = 0;
        if (this.gate !== null) R[y] = 0;
        this.curOut.push(y);
      }
      if (count && y !== this.curId) {
        B[at + SLOT_HITS]++;
        if (this.gate !== null) R[y] += r;
      }
    }
  }

  /**
   * Appends to `out` every node that shares a blocking key with node `id` (indexed with
   * features `f`), each once, excluding `id` itself; for each, block slot SLOT_HITS gets how
   * many of `f`'s infra tokens it holds: exactly |f.infra ∩ y.infra| when the plan indexes
   * infra. `block` (NODE_STRIDE ints per node) must cover every indexed node.
   */
  candidates(id: number, f: Features, out: number[], block: Int32Array): void {
    this.block = block;
    // Stamps only grow; a wrap (after 2^31 calls) clears the marks once.
    if (this.stamp === 0x7fffffff) {
      for (let i = SLOT_MARK; i < block.length; i += NODE_STRIDE) block[i] = 0;
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    block[NODE_STRIDE * id + SLOT_MARK] = stamp;
    this.curOut = out;
    this.curId = id;
    const plan = this.plan;
    if (plan.scan) {
      for (const y of this.all) this.visit(y, false);
      if (plan.infra) for (const t of f.infra) this.visit(this.infra.get(t), true);
    } else {
      if (plan.infra) {
        const gate = this.gate;
        if (gate !== null && this.rareSums.length < block.length / NODE_STRIDE) this.rareSums = growF64(this.rareSums, block.length / NODE_STRIDE);
        for (const t of f.infra) {
          const p = this.infra.get(t);
          if (gate !== null && p !== undefined) {
            const r = gate.rarity(typeof p === 'number' ? 1 : p.length);
            if (r === 0) continue;
            this.curRarity = r;
          }
          this.visit(p, true);
        }
      }
      if (plan.handoff) this.forRoles(f, this.visitRole);
      if (plan.keystrokeBands > 0 && f.kd !== null) {
        if (plan.keystrokeBands === 1) this.visit(this.wideBand.get(f.kd), false);
        else for (let i = 0; i < plan.keystrokeBands; i++) this.visit(this.bands[i].get(this.band(f, i)), false);
      }
      if (plan.cohort) for (const k of this.cohortKeys(f)) this.visit(this.cohort.get(k), false);
    }
    this.curOut = NO_OUT;
  }

  /**
   * Under a gate, for a node returned by the last `candidates` call: the rarity factors of the
   * tokens it shares with that call's node, summed in the order a density-aware score sums them
   * (tokens past the cap add exactly 0 and are skipped).
   */
  rareSum(y: number): number {
    return this.rareSums[y];
  }

  /** Live holders of an infrastructure token. */
  holdersOf(token: string): number {
    const p = this.infra.get(token);
    return p === undefined ? 0 : typeof p === 'number' ? 1 : p.length;
  }

  /** The live holders of an infrastructure token (do not mutate). */
  holderIds(token: string): readonly number[] {
    const p = this.infra.get(token);
    return p === undefined ? [] : typeof p === 'number' ? [p] : p;
  }

  /** Number of distinct infra keys held (diagnostics). */
  get size(): number {
    return this.infra.size;
  }
}
