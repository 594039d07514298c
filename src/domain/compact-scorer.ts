/**
 * Exact pair weights from per-node typed blocks, for the nodes whose features are small enough
 * to fit one (at most one window, two ASNs, one tool, two deckies, one first and one last phase
 * mark): the common case. It returns exactly `scorePair(a, b, profile).weight`, bit for bit:
 * every family score is computed from the same operands with the same operations (see each
 * case), and the combination is the same left-to-right sum. Nodes that do not fit, or profiles
 * it cannot follow, get NaN and the caller uses `scorePair` itself.
 *
 * Why: the engine scores every candidate pair of every changed node; following `Features`
 * pointers (arrays, typed arrays, marks) for both sides costs a dozen cache misses per pair on a
 * million-node graph. A block is two cache lines.
 */
import { Evidence, Marks, type Features } from './features.ts';
import { HANDOFF_IN, HANDOFF_OUT } from './phases.ts';
import type { ScoringProfile } from './profile.ts';
import { popcount32 } from './simhash.ts';
import { nextCapacity } from './columns.ts';

/** Int32 slots per node (the candidate index and the engine own slots 0–7). */
export const CS_STRIDE = 16;
const I_OK = 8; // bit flags below; 0 = not compact
const I_ASN0 = 9;
const I_ASN1 = 10;
const I_COUNTS = 11; // nAsn | nTool << 4 | nDecky << 8
const I_TOOL = 12;
const I_DECKY0 = 13;
const I_DECKY1 = 14;
const I_MARKS = 15; // lastDecky << 16 | firstDecky (ids + 1, 0 = none)
/** Float64 slots per node. */
const F_STRIDE = 5;
const F_WS = 0;
const F_WE = 1;
const F_LAST_T = 2;
const F_FIRST_T = 3;
const F_WT = 4;

const OK = 1;
const SELF_ACCESS = 2;
const LAST_OUT = 4;
const FIRST_IN = 8;

const MAX_ID = 0xfffe;

export class CompactScorer {
  private f = new Float64Array(0);
  private readonly ids = new Map<string, number>();

  constructor(private readonly profile: ScoringProfile) {}

  private idOf(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      if (this.ids.size >= MAX_ID) return -1;
      id = this.ids.size;
      this.ids.set(s, id);
    }
    return id;
  }

  /** Fills node u's slots in `block` (CS_STRIDE ints per node) from its features. */
  set(block: Int32Array, u: number, f: Features): void {
    const at = CS_STRIDE * u;
    if (F_STRIDE * (u + 1) > this.f.length) {
      const g = new Float64Array(nextCapacity(Math.max(this.f.length, 2048), F_STRIDE * (u + 1)));
      g.set(this.f);
      this.f = g;
    }
    block[at + I_OK] = 0;
    const nWin = f instanceof Evidence ? f.windowsLength : f.windows.length;
    if (nWin > 2 || f.asns.length > 2 || f.tools.length > 1 || f.deckies.length > 2 || f.last.size > 1 || f.first.size > 1) return;
    const tool = f.tools.length ? this.idOf(f.tools[0]) : 0;
    const d0 = f.deckies.length > 0 ? this.idOf(f.deckies[0]) : 0;
    const d1 = f.deckies.length > 1 ? this.idOf(f.deckies[1]) : 0;
    let lastD = 0;
    let firstD = 0;
    let flags = OK | (f.selfAccess ? SELF_ACCESS : 0);
    const F = this.f;
    const fa = F_STRIDE * u;
    if (f.last.size) {
      const [d, m] = f.last instanceof Marks ? [f.last.key(0), f.last.mark(0)] : [...f.last][0];
      lastD = this.idOf(d) + 1;
      if (HANDOFF_OUT.has(m.phase)) flags |= LAST_OUT;
      F[fa + F_LAST_T] = m.t;
    }
    if (f.first.size) {
      const [d, m] = f.first instanceof Marks ? [f.first.key(0), f.first.mark(0)] : [...f.first][0];
      firstD = this.idOf(d) + 1;
      if (HANDOFF_IN.has(m.phase)) flags |= FIRST_IN;
      F[fa + F_FIRST_T] = m.t;
    }
    if (tool < 0 || d0 < 0 || d1 < 0 || lastD === 0 && f.last.size || firstD === 0 && f.first.size) return;
    block[at + I_ASN0] = f.asns.length > 0 ? f.asns[0] : 0;
    block[at + I_ASN1] = f.asns.length > 1 ? f.asns[1] : 0;
    // ASNs must survive the Int32 round trip to compare exactly.
    for (const a of f.asns) if ((a | 0) !== a) return;
    block[at + I_COUNTS] = f.asns.length | (f.tools.length << 4) | (f.deckies.length << 8);
    block[at + I_TOOL] = tool;
    block[at + I_DECKY0] = d0;
    block[at + I_DECKY1] = d1;
    block[at + I_MARKS] = (lastD << 16) | firstD;
    if (f instanceof Evidence) {
      F[fa + F_WS] = f.ws ?? 0;
      F[fa + F_WE] = f.we ?? 0;
    } else {
      F[fa + F_WS] = nWin ? f.windows[0] : 0;
      F[fa + F_WE] = nWin ? f.windows[1] : 0;
    }
    F[fa + F_WT] = f.windowTotal;
    block[at + I_OK] = flags;
  }

  /** Family scores of the last `weight` call that returned a number (evidence records). */
  readonly last = { handoff: 0, temporal: 0, cohort: 0 };

  /**
   * scorePair(a, b).weight, or NaN when either node is not compact. `shared` and `keystroke`
   * are the pair's exact shared-infra and keystroke scores (the caller has them).
   */
  weight(block: Int32Array, a: number, b: number, shared: number, keystroke: number): number {
    const A = CS_STRIDE * a;
    const B = CS_STRIDE * b;
    const fa = block[A + I_OK];
    const fb = block[B + I_OK];
    if (fa === 0 || fb === 0) return NaN;
    const p = this.profile;
    const w = p.weights;
    const F = this.f;
    const FA = F_STRIDE * a;
    const FB = F_STRIDE * b;
    const windowTotalA = F[FA + F_WT];
    const windowTotalB = F[FB + F_WT];

    // temporal: one window each (or none). temporalScore walks the smaller uuid's windows
    // outside; with one window a side the positive overlap min(e, e') − max(s, s') is the same
    // either way, and the early break only skips non-positive overlaps.
    let temporal = 0;
    if (w.temporal !== 0 && windowTotalA > 0 && windowTotalB > 0) {
      const o = Math.min(F[FA + F_WE], F[FB + F_WE]) - Math.max(F[FA + F_WS], F[FB + F_WS]);
      const overlap = o > 0 ? o : 0;
      temporal = Math.min(1, overlap / Math.min(windowTotalA, windowTotalB));
    }

    // cohort: |{asn} ∪ {tool} ∪ {decky}| Jaccard, sizes and intersection counted exactly.
    let cohort = 0;
    if (w.cohort !== 0) {
      const ca = block[A + I_COUNTS];
      const cb = block[B + I_COUNTS];
      const nAa = ca & 15;
      const nTa = (ca >> 4) & 15;
      const nDa = (ca >> 8) & 15;
      const nAb = cb & 15;
      const nTb = (cb >> 4) & 15;
      const nDb = (cb >> 8) & 15;
      const sizeA = nAa + nTa + nDa;
      const sizeB = nAb + nTb + nDb;
      if (sizeA !== 0 || sizeB !== 0) {
        let inter = 0;
        for (let i = 0; i < nAa; i++) {
          const v = block[A + I_ASN0 + i];
          for (let j = 0; j < nAb; j++) if (block[B + I_ASN0 + j] === v) inter++;
        }
        if (nTa && nTb && block[A + I_TOOL] === block[B + I_TOOL]) inter++;
        for (let i = 0; i < nDa; i++) {
          const v = block[A + I_DECKY0 + i];
          for (let j = 0; j < nDb; j++) if (block[B + I_DECKY0 + j] === v) inter++;
        }
        cohort = inter / (sizeA + sizeB - inter);
      }
    }

    // handoff: one last and one first mark a side at most: the decky must match, the phases
    // play their roles, and the gap in [0, window] (the foothold rule: no self access inside).
    let handoff = 0;
    if (w.handoff !== 0) {
      const ma = block[A + I_MARKS];
      const mb = block[B + I_MARKS];
      const win = p.handoffWindowSeconds;
      const foothold = p.handoffRule === 'foothold';
      if (directed(ma >>> 16, fa, F[FA + F_LAST_T], mb & 0xffff, fb, F[FB + F_FIRST_T], win, foothold) ||
        directed(mb >>> 16, fb, F[FB + F_LAST_T], ma & 0xffff, fa, F[FA + F_FIRST_T], win, foothold)) handoff = 1;
    }

    const last = this.last;
    last.handoff = handoff;
    last.temporal = temporal;
    last.cohort = cohort;
    return w.handoff * handoff + w.shared_infra * shared + w.temporal * temporal + w.cohort * cohort + w.keystroke * keystroke;
  }
}

function directed(lastD: number, outFlags: number, lastT: number, firstD: number, inFlags: number, firstT: number, window: number, foothold: boolean): boolean {
  if (foothold && inFlags & SELF_ACCESS) return false;
  if (lastD === 0 || firstD === 0 || lastD !== firstD) return false;
  if (!(outFlags & LAST_OUT) || !(inFlags & FIRST_IN)) return false;
  const gap = firstT - lastT;
  return gap >= 0 && gap <= window;
}

/** Exact keystroke score from the halves (keystrokeScore's operations). */
export function keystrokeFromHalves(hiA: number, loA: number, hiB: number, loB: number, maxHamming: number): number {
  const d = popcount32((hiA ^ hiB) >>> 0) + popcount32((loA ^ loB) >>> 0);
  return d < maxHamming ? 1 - d / maxHamming : 0;
}
