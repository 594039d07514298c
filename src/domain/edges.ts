/**
 * The five edge families of REFERENCE §3 and their combination. Pure functions of two feature
 * records. Arguments are put in uuid order first, so every score, including the float sum, is
 * symmetric: the reference's order-dependent temporal overlap is what made its partition depend
 * on input order.
 */
import { Marks, type Features } from './features.ts';
import { HANDOFF_IN, HANDOFF_OUT } from './phases.ts';
import type { HandoffBaseRate, HandoffRule, ScoringProfile, TokenRarity } from './profile.ts';
import { hammingHalves } from './simhash.ts';

export interface EdgeScore {
  readonly handoff: number;
  readonly shared_infra: number;
  readonly temporal: number;
  readonly cohort: number;
  readonly keystroke: number;
  readonly weight: number;
  /** Profiles that weigh evidence by how common it is (default@2): what they adjusted, and the weight before. */
  readonly adjustment?: Adjustment;
}

export interface Adjustment {
  /** the combined weight with the raw handoff and shared-infrastructure scores */
  readonly raw_weight: number;
  /** null when the pair shares no infrastructure token */
  readonly shared_infra: { readonly holders: number; readonly factor: number } | null;
  /** null when the pair has no handoff */
  readonly handoff: { readonly counterparts: number; readonly factor: number } | null;
}

/**
 * How common evidence is, over the live graph nodes (after upstream merges, retired identities
 * excluded, the whole log: no time window). The engine keeps these counts incrementally; the
 * test oracle recomputes them from the batch's end state.
 */
export interface Frequencies {
  /** identities holding the token (payload hash or C2 endpoint) */
  holders(token: string): number;
  /** identities whose last phase on the decky is an OUT phase ending in [t − window, t] */
  outsBefore(decky: string, t: number): number;
  /** identities that could receive a foothold (an IN first phase; foothold consumers only under that rule) starting on the decky in [t, t + window] */
  insAfter(decky: string, t: number): number;
}

/**
 * Token rarity: 1 for a token held by at most `full` identities; beyond, 1 − k / halvings where
 * k is the number of doublings of `full` it takes to reach the holder count (integer
 * arithmetic: exact), and 0 from `halvings` doublings on.
 */
export function rarityFactor(n: number, r: TokenRarity): number {
  if (n <= r.full) return 1;
  let k = 0;
  for (let m = r.full; m < n && k < r.halvings; m *= 2) k++;
  return k >= r.halvings ? 0 : 1 - k / r.halvings;
}

/** The handoff base rate: one of c possible counterparts counts 1 / c; beyond the cap, nothing. */
export function handoffFactor(c: number, b: HandoffBaseRate): number {
  return c <= b.cap ? 1 / c : 0;
}

/**
 * Directed out→in: any decky where `out` ends in an OUT phase and `inn` starts with an IN phase
 * within [0, window]. Under the `foothold` rule the incoming identity must also be a foothold
 * consumer: one that never gained access by itself (docs/CLUSTERING.md).
 */
function directedHandoff(out: Features, inn: Features, window: number, rule: HandoffRule): boolean {
  if (rule === 'foothold' && inn.selfAccess) return false;
  const small = out.last.size <= inn.first.size;
  const probe = small ? out.last : inn.first;
  const other = small ? inn.first : out.last;
  if (probe instanceof Marks) {
    // The engine's marks: walk keys by index (no iterator objects); same keys, same answer.
    for (let k = 0; k < probe.size; k++) if (handoffOn(probe.key(k), other, out, inn, window)) return true;
    return false;
  }
  for (const decky of probe.keys()) if (handoffOn(decky, other, out, inn, window)) return true;
  return false;
}

function handoffOn(decky: string, other: ReadonlyMap<string, unknown>, out: Features, inn: Features, window: number): boolean {
  if (!other.has(decky)) return false;
  const o = out.last.get(decky)!;
  const i = inn.first.get(decky)!;
  if (!HANDOFF_OUT.has(o.phase) || !HANDOFF_IN.has(i.phase)) return false;
  const gap = i.t - o.t;
  return gap >= 0 && gap <= window;
}

export function handoffScore(a: Features, b: Features, window: number, rule: HandoffRule = 'reference'): number {
  return directedHandoff(a, b, window, rule) || directedHandoff(b, a, window, rule) ? 1 : 0;
}

function intersectionSize<T>(a: readonly T[], b: readonly T[]): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    if (a[i] < b[j]) i++;
    else if (a[i] > b[j]) j++;
    else { n++; i++; j++; }
  }
  return n;
}

/** Jaccard of payload ∪ C2 strings; 0 when both are empty. */
export function sharedInfraScore(a: Features, b: Features): number {
  if (a.infra.length === 0 && b.infra.length === 0) return 0;
  const inter = intersectionSize(a.infra, b.infra);
  return inter / (a.infra.length + b.infra.length - inter);
}

/**
 * Symmetric temporal overlap: min(1, overlap / min(total_a, total_b)), 0 when either total is 0.
 * Overlap sums positive pairwise overlaps with the smaller uuid's windows outer, both sorted,
 * so the float sum has one canonical order.
 */
export function temporalScore(a: Features, b: Features): number {
  if (a.windowTotal <= 0 || b.windowTotal <= 0) return 0;
  const first = a.uuid <= b.uuid;
  const x = first ? a.windows : b.windows;
  const y = first ? b.windows : a.windows;
  let overlap = 0;
  for (let i = 0; i < x.length; i += 2) {
    const s = x[i];
    const e = x[i + 1];
    for (let j = 0; j < y.length; j += 2) {
      if (y[j] >= e) break; // y is sorted by start: nothing later can overlap this window
      const o = Math.min(e, y[j + 1]) - Math.max(s, y[j]);
      if (o > 0) overlap += o;
    }
  }
  return Math.min(1, overlap / Math.min(a.windowTotal, b.windowTotal));
}

/** Jaccard of the tagged sets {asn} ∪ {tool} ∪ {decky}; tags keep the three namespaces apart. */
export function cohortScore(a: Features, b: Features): number {
  const sizeA = a.asns.length + a.tools.length + a.deckies.length;
  const sizeB = b.asns.length + b.tools.length + b.deckies.length;
  if (sizeA === 0 && sizeB === 0) return 0;
  const inter = intersectionSize(a.asns, b.asns) + intersectionSize(a.tools, b.tools) + intersectionSize(a.deckies, b.deckies);
  return inter / (sizeA + sizeB - inter);
}

export function keystrokeScore(a: Features, b: Features, maxHamming: number): number {
  if (a.kd === null || b.kd === null) return 0;
  const d = hammingHalves(a.kdHi, a.kdLo, b.kdHi, b.kdLo);
  return d < maxHamming ? 1 - d / maxHamming : 0;
}

/**
 * Shared infrastructure weighed by rarity: the rarity factors of the shared tokens, summed in
 * token order and capped at 1. A token held by a crew's few identities is full evidence on its
 * own; a commodity token adds nothing, and unlike in the raw Jaccard it takes nothing away
 * either: a crew member that also touched a hot C2 still shares its crew's tools in full.
 * `factor` is the shared tokens' mean rarity factor (what the evidence shows).
 */
function rareSharedInfra(a: Features, b: Features, freq: Frequencies, r: TokenRarity): { score: number; holders: number; factor: number } {
  const x = a.infra;
  const y = b.infra;
  let i = 0;
  let j = 0;
  let inter = 0;
  let sum = 0;
  let holders = 0;
  while (i < x.length && j < y.length) {
    if (x[i] < y[j]) i++;
    else if (x[i] > y[j]) j++;
    else {
      const n = freq.holders(x[i]);
      if (n > holders) holders = n;
      sum += rarityFactor(n, r);
      inter++;
      i++;
      j++;
    }
  }
  if (inter === 0) return { score: 0, holders: 0, factor: 0 };
  return { score: Math.min(1, sum), holders, factor: sum / inter };
}

/**
 * The handoff weighed by its base rate: over every decky and direction where the raw handoff
 * holds, the best 1 / c, c = max(OUT phases that could have handed to the incoming identity,
 * IN phases that could have taken over from the outgoing one), both counting the pair itself.
 */
function baseRateHandoff(
  a: Features, b: Features, window: number, rule: HandoffRule, freq: Frequencies, base: HandoffBaseRate,
): { score: number; counterparts: number } {
  let best = 0;
  let fewest = 0;
  for (let dir = 0; dir < 2; dir++) {
    const out = dir === 0 ? a : b;
    const inn = dir === 0 ? b : a;
    if (rule === 'foothold' && inn.selfAccess) continue;
    const last = out.last;
    const marks = last instanceof Marks;
    const keys = marks ? null : [...last.keys()];
    const n = marks ? last.size : keys!.length;
    for (let k = 0; k < n; k++) {
      // the engine's marks by index (no iterator objects); same deckies, same order
      const decky = marks ? last.key(k) : keys![k];
      const o = marks ? last.mark(k) : last.get(decky)!;
      if (!HANDOFF_OUT.has(o.phase)) continue;
      const i = inn.first.get(decky);
      if (i === undefined || !HANDOFF_IN.has(i.phase)) continue;
      const gap = i.t - o.t;
      if (!(gap >= 0 && gap <= window)) continue;
      const c = Math.max(freq.outsBefore(decky, i.t), freq.insAfter(decky, o.t));
      const f = handoffFactor(c, base);
      if (fewest === 0 || c < fewest) fewest = c;
      if (f > best) best = f;
    }
  }
  return { score: best, counterparts: fewest };
}

/**
 * combined = wH·H + wS·S + wT·T + wC·C + wK·K, summed left to right in that order so results
 * near the threshold are bit-identical to the reference (0.4 + 0.6 is exactly 1.0). Under a
 * profile that weighs evidence by how common it is, H and S are the adjusted scores (`freq`
 * is then required) and the score carries the raw weight and what was adjusted.
 */
export function scorePair(a: Features, b: Features, p: ScoringProfile, freq?: Frequencies): EdgeScore {
  const first = a.uuid <= b.uuid;
  const x = first ? a : b;
  const y = first ? b : a;
  const w = p.weights;
  const raw_shared = w.shared_infra !== 0 ? sharedInfraScore(x, y) : 0;
  const temporal = w.temporal !== 0 ? temporalScore(x, y) : 0;
  const cohort = w.cohort !== 0 ? cohortScore(x, y) : 0;
  const keystroke = w.keystroke !== 0 ? keystrokeScore(x, y, p.keystrokeMaxHamming) : 0;
  const raw_handoff = w.handoff !== 0 ? handoffScore(x, y, p.handoffWindowSeconds, p.handoffRule) : 0;
  const raw_weight = w.handoff * raw_handoff + w.shared_infra * raw_shared + w.temporal * temporal + w.cohort * cohort + w.keystroke * keystroke;
  if (p.rarity === null && p.handoffBaseRate === null) {
    return { handoff: raw_handoff, shared_infra: raw_shared, temporal, cohort, keystroke, weight: raw_weight };
  }
  if (freq === undefined) throw new Error(`profile ${p.name} scores with frequencies; none were given`);
  let shared_infra = raw_shared;
  let infraAdj: Adjustment['shared_infra'] = null;
  if (p.rarity !== null && raw_shared > 0) {
    const r = rareSharedInfra(x, y, freq, p.rarity);
    shared_infra = r.score;
    infraAdj = { holders: r.holders, factor: r.factor };
  }
  let handoff = raw_handoff;
  let handoffAdj: Adjustment['handoff'] = null;
  if (p.handoffBaseRate !== null && raw_handoff > 0) {
    const h = baseRateHandoff(x, y, p.handoffWindowSeconds, p.handoffRule, freq, p.handoffBaseRate);
    handoff = h.score;
    handoffAdj = { counterparts: h.counterparts, factor: h.score };
  }
  const weight = w.handoff * handoff + w.shared_infra * shared_infra + w.temporal * temporal + w.cohort * cohort + w.keystroke * keystroke;
  return { handoff, shared_infra, temporal, cohort, keystroke, weight, adjustment: { raw_weight, shared_infra: infraAdj, handoff: handoffAdj } };
}

/** Whether a profile weighs evidence by how common it is (then scores need `Frequencies`). */
export const isDensityAware = (p: ScoringProfile): boolean => p.rarity !== null || p.handoffBaseRate !== null;

export const isEdge = (s: EdgeScore, p: ScoringProfile): boolean => s.weight >= p.threshold;
