/**
 * The five edge families of REFERENCE §3 and their combination. Pure functions of two feature
 * records. Arguments are put in uuid order first, so every score, including the float sum, is
 * symmetric: the reference's order-dependent temporal overlap is what made its partition depend
 * on input order.
 */
import { Marks, type Features } from './features.ts';
import { HANDOFF_IN, HANDOFF_OUT } from './phases.ts';
import type { HandoffRule, ScoringProfile } from './profile.ts';
import { hammingHalves } from './simhash.ts';

export interface EdgeScore {
  readonly handoff: number;
  readonly shared_infra: number;
  readonly temporal: number;
  readonly cohort: number;
  readonly keystroke: number;
  readonly weight: number;
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
 * combined = wH·H + wS·S + wT·T + wC·C + wK·K, summed left to right in that order so results
 * near the threshold are bit-identical to the reference (0.4 + 0.6 is exactly 1.0).
 */
export function scorePair(a: Features, b: Features, p: ScoringProfile): EdgeScore {
  const first = a.uuid <= b.uuid;
  const x = first ? a : b;
  const y = first ? b : a;
  const w = p.weights;
  const shared_infra = w.shared_infra !== 0 ? sharedInfraScore(x, y) : 0;
  const temporal = w.temporal !== 0 ? temporalScore(x, y) : 0;
  const cohort = w.cohort !== 0 ? cohortScore(x, y) : 0;
  const keystroke = w.keystroke !== 0 ? keystrokeScore(x, y, p.keystrokeMaxHamming) : 0;
  const handoff = w.handoff !== 0 ? handoffScore(x, y, p.handoffWindowSeconds, p.handoffRule) : 0;
  const weight = w.handoff * handoff + w.shared_infra * shared_infra + w.temporal * temporal + w.cohort * cohort + w.keystroke * keystroke;
  return { handoff, shared_infra, temporal, cohort, keystroke, weight };
}

export const isEdge = (s: EdgeScore, p: ScoringProfile): boolean => s.weight >= p.threshold;
