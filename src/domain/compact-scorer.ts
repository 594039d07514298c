/**
 * Exact pair weights from per-node typed blocks, for the nodes whose features are small enough
 * to fit one (at most two windows, two ASNs, one tool, two deckies, two first and two last
 * phase marks): the common case. It returns exactly `scorePair(a, b, profile).weight`, bit for bit:
 * every family score is computed from the same operands with the same operations (see each
 * case), and the combination is the same left-to-right sum. Nodes that do not fit, or profiles
 * it cannot follow, get NaN and the caller uses `scorePair` itself.
 *
 * Why: the engine scores every candidate pair of every changed node; following `Features`
 * pointers (arrays, typed arrays, marks) for both sides costs a dozen cache misses per pair on a
 * million-node graph. A block is two cache lines.
 */
import { Evidence, Marks, type Features, type PhaseMark } from './features.ts';
import { HANDOFF_IN, HANDOFF_OUT } from './phases.ts';
import type { ScoringProfile } from './profile.ts';
import { popcount32 } from './simhash.ts';
import { nextCapacity } from './columns.ts';

/** Int32 slots per node (the candidate index and the engine own slots 0–7). */
export const CS_STRIDE = 16;
const I_OK = 8; // bit flags below; 0 = not compact
const I_ASN0 = 9;
const I_ASN1 = 10;
const I_COUNTS = 11; // nAsn | nTool << 4 | nDecky << 8 | nWindow << 12
const I_TOOL = 12;
const I_DECKY0 = 13;
const I_DECKY1 = 14;
const I_MARKS = 15; // lastDecky0 << 16 | firstDecky0 (ids + 1, 0 = none)
/** Float64 slots per node. */
const F_STRIDE = 10;
const F_WS0 = 0;
const F_WE0 = 1;
const F_WS1 = 2;
const F_WE1 = 3;
const F_WT = 4;
const F_LAST_T0 = 5;
const F_LAST_T1 = 6;
const F_FIRST_T0 = 7;
const F_FIRST_T1 = 8;
const F_MARKS1 = 9; // lastDecky1 * 65536 + firstDecky1 (ids + 1, 0 = none)

const OK = 1;
const SELF_ACCESS = 2;
const LAST_OUT0 = 4;
const FIRST_IN0 = 8;
const LAST_OUT1 = 16;
const FIRST_IN1 = 32;

const MAX_ID = 0xfffe;

/**
 * Exact pair weights from per-node typed blocks, for nodes with at most two windows, two ASNs,
 * one tool, two deckies and two first and two last phase marks (an identity seen twice, the
 * common case on a fleet).
 */
export class CompactScorer {
  private f = new Float64Array(0);
  private readonly ids = new Map<string, number>();

  /** @param uuidLess identity a's uuid sorts before b's (temporal overlap sums in that order) */
  constructor(private readonly profile: ScoringProfile, private readonly uuidLess: (a: number, b: number) => boolean) {}

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
    if (nWin > 4 || f.asns.length > 2 || f.tools.length > 1 || f.deckies.length > 2 || f.last.size > 2 || f.first.size > 2) return;
    const tool = f.tools.length ? this.idOf(f.tools[0]) : 0;
    const d0 = f.deckies.length > 0 ? this.idOf(f.deckies[0]) : 0;
    const d1 = f.deckies.length > 1 ? this.idOf(f.deckies[1]) : 0;
    if (tool < 0 || d0 < 0 || d1 < 0) return;
    let flags = OK | (f.selfAccess ? SELF_ACCESS : 0);
    const F = this.f;
    const fa = F_STRIDE * u;
    const lastD = [0, 0];
    const firstD = [0, 0];
    for (let i = 0; i < f.last.size; i++) {
      const [d, m] = markAt(f.last, i);
      const id = this.idOf(d);
      if (id < 0) return;
      lastD[i] = id + 1;
      if (HANDOFF_OUT.has(m.phase)) flags |= i === 0 ? LAST_OUT0 : LAST_OUT1;
      F[fa + (i === 0 ? F_LAST_T0 : F_LAST_T1)] = m.t;
    }
    for (let i = 0; i < f.first.size; i++) {
      const [d, m] = markAt(f.first, i);
      const id = this.idOf(d);
      if (id < 0) return;
      firstD[i] = id + 1;
      if (HANDOFF_IN.has(m.phase)) flags |= i === 0 ? FIRST_IN0 : FIRST_IN1;
      F[fa + (i === 0 ? F_FIRST_T0 : F_FIRST_T1)] = m.t;
    }
    // ASNs must survive the Int32 round trip to compare exactly.
    for (const a of f.asns) if ((a | 0) !== a) return;
    block[at + I_ASN0] = f.asns.length > 0 ? f.asns[0] : 0;
    block[at + I_ASN1] = f.asns.length > 1 ? f.asns[1] : 0;
    block[at + I_COUNTS] = f.asns.length | (f.tools.length << 4) | (f.deckies.length << 8) | ((nWin >> 1) << 12);
    block[at + I_TOOL] = tool;
    block[at + I_DECKY0] = d0;
    block[at + I_DECKY1] = d1;
    block[at + I_MARKS] = (lastD[0] << 16) | firstD[0];
    F[fa + F_MARKS1] = lastD[1] * 65536 + firstD[1];
    if (f instanceof Evidence && !f.w) {
      F[fa + F_WS0] = f.ws ?? 0;
      F[fa + F_WE0] = f.we ?? 0;
    } else {
      const w = f instanceof Evidence ? f.w! : f.windows;
      for (let i = 0; i < 4; i++) F[fa + F_WS0 + i] = i < nWin ? w[i] : 0;
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
    const ca = block[A + I_COUNTS];
    const cb = block[B + I_COUNTS];

    // temporal: temporalScore's double loop over at most two windows a side, the smaller
    // uuid's windows outside, positive overlaps summed in that order (so the float sum is the
    // same), then min(1, overlap / min(totals)). Its early break only skips non-positive terms.
    let temporal = 0;
    const windowTotalA = F[FA + F_WT];
    const windowTotalB = F[FB + F_WT];
    if (w.temporal !== 0 && windowTotalA > 0 && windowTotalB > 0) {
      const nA = (ca >> 12) & 3;
      const nB = (cb >> 12) & 3;
      const aOut = nA === 1 && nB === 1 ? true : this.uuidLess(a, b);
      const X = aOut ? FA : FB;
      const Y = aOut ? FB : FA;
      const nX = aOut ? nA : nB;
      const nY = aOut ? nB : nA;
      let overlap = 0;
      for (let i = 0; i < nX; i++) {
        const s = F[X + 2 * i];
        const e = F[X + 2 * i + 1];
        for (let j = 0; j < nY; j++) {
          const o = Math.min(e, F[Y + 2 * j + 1]) - Math.max(s, F[Y + 2 * j]);
          if (o > 0) overlap += o;
        }
      }
      temporal = Math.min(1, overlap / Math.min(windowTotalA, windowTotalB));
    }

    // cohort: |{asn} ∪ {tool} ∪ {decky}| Jaccard, sizes and intersection counted exactly.
    let cohort = 0;
    if (w.cohort !== 0) {
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

    // handoff: any decky where one side's last mark plays OUT and the other's first mark plays
    // IN within [0, window] (each decky appears once per map, so marks pair up by decky id);
    // the foothold rule: the incoming side must not have gained access by itself.
    let handoff = 0;
    if (w.handoff !== 0) {
      const win = p.handoffWindowSeconds;
      const foothold = p.handoffRule === 'foothold';
      if (this.directed(A, FA, fa, B, FB, fb, block, win, foothold) || this.directed(B, FB, fb, A, FA, fa, block, win, foothold)) handoff = 1;
    }

    const last = this.last;
    last.handoff = handoff;
    last.temporal = temporal;
    last.cohort = cohort;
    return w.handoff * handoff + w.shared_infra * shared + w.temporal * temporal + w.cohort * cohort + w.keystroke * keystroke;
  }

  private directed(O: number, FO: number, oFlags: number, I: number, FI: number, iFlags: number, block: Int32Array, window: number, foothold: boolean): boolean {
    if (foothold && iFlags & SELF_ACCESS) return false;
    if (!(oFlags & (LAST_OUT0 | LAST_OUT1)) || !(iFlags & (FIRST_IN0 | FIRST_IN1))) return false;
    const F = this.f;
    const om = block[O + I_MARKS];
    const im = block[I + I_MARKS];
    const om1 = F[FO + F_MARKS1];
    const im1 = F[FI + F_MARKS1];
    for (let i = 0; i < 2; i++) {
      if (!(oFlags & (i === 0 ? LAST_OUT0 : LAST_OUT1))) continue;
      const lastD = i === 0 ? om >>> 16 : Math.floor(om1 / 65536);
      const lastT = F[FO + (i === 0 ? F_LAST_T0 : F_LAST_T1)];
      for (let j = 0; j < 2; j++) {
        if (!(iFlags & (j === 0 ? FIRST_IN0 : FIRST_IN1))) continue;
        const firstD = j === 0 ? im & 0xffff : im1 % 65536;
        if (lastD === 0 || lastD !== firstD) continue;
        const gap = F[FI + (j === 0 ? F_FIRST_T0 : F_FIRST_T1)] - lastT;
        if (gap >= 0 && gap <= window) return true;
      }
    }
    return false;
  }
}

/** The i-th (decky, mark) of a phase map in key order. */
function markAt(m: ReadonlyMap<string, PhaseMark>, i: number): [string, PhaseMark] {
  if (m instanceof Marks) return [m.key(i), m.mark(i)];
  const keys = [...m.keys()].sort();
  return [keys[i], m.get(keys[i])!];
}

/** Exact keystroke score from the halves (keystrokeScore's operations). */
export function keystrokeFromHalves(hiA: number, loA: number, hiB: number, loB: number, maxHamming: number): number {
  const d = popcount32((hiA ^ hiB) >>> 0) + popcount32((loA ^ loB) >>> 0);
  return d < maxHamming ? 1 - d / maxHamming : 0;
}
