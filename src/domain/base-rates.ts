/**
 * The counts a density-aware profile (default@2) scores with, kept incrementally over the live
 * graph nodes, and the pairs whose score a batch's count changes may have moved.
 *
 * - Token holders come from the candidate index (its postings are exactly the live holders).
 * - Handoff timelines: per decky, the OUT last phases and the IN first phases (foothold
 *   consumers only under that rule), as (time, node) lists sorted by time.
 *
 * A pair's adjusted score depends on the holders of the tokens it shares and on the timeline
 * counts in its handoff windows. When a batch changes a count, exactly the pairs that depend
 * on it are handed back for re-scoring (`drainAffected`): the holders of a token whose rarity
 * factor changed, the handoff pairs of a window whose count changed. Above the caps the factors
 * are 0 and stay 0, so a commodity token or a crowded window costs nothing per change: at most
 * cap × holders pairs per change (docs/CLUSTERING.md).
 */
import type { Features } from './features.ts';
import { rarityFactor, type Frequencies } from './edges.ts';
import { HANDOFF_IN, HANDOFF_OUT } from './phases.ts';
import type { ScoringProfile } from './profile.ts';

/** (time, node) pairs sorted by time then node. */
class Timeline {
  readonly t: number[] = [];
  readonly n: number[] = [];

  /** First index with (t, n) ≥ (time, node). */
  private lower(time: number, node: number): number {
    let lo = 0;
    let hi = this.t.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.t[mid] < time || (this.t[mid] === time && this.n[mid] < node)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(time: number, node: number): void {
    const i = this.lower(time, node);
    this.t.splice(i, 0, time);
    this.n.splice(i, 0, node);
  }

  remove(time: number, node: number): void {
    const i = this.lower(time, node);
    if (this.t[i] === time && this.n[i] === node) {
      this.t.splice(i, 1);
      this.n.splice(i, 1);
    }
  }

  /** Index range [from, to) of entries with from ≤ t ≤ to. */
  range(from: number, to: number): [number, number] {
    return [this.lower(from, -Infinity), this.lower(to, Infinity)];
  }

  count(from: number, to: number): number {
    const [a, b] = this.range(from, to);
    return b - a;
  }
}

interface DeckyTimelines {
  readonly out: Timeline;
  readonly in: Timeline;
}

interface MarkChange {
  readonly decky: string;
  readonly out: boolean;
  readonly t: number;
  /** added (true) or removed */
  readonly add: boolean;
}

export class BaseRates implements Frequencies {
  private readonly deckies = new Map<string, DeckyTimelines>();
  /** token → holders before the batch's first change of it */
  private readonly tokensBefore = new Map<string, number>();
  private changes: MarkChange[] = [];
  private readonly window: number;

  constructor(
    private readonly profile: ScoringProfile,
    /** live holders of a token (the candidate index's postings) */
    private readonly holderCount: (token: string) => number,
    private readonly holderIds: (token: string) => readonly number[],
    /** calls fn(other) for every node u has an edge with */
    private readonly neighbours: (u: number, fn: (other: number) => void) => void,
  ) {
    this.window = profile.handoffWindowSeconds;
  }

  holders(token: string): number {
    return this.holderCount(token);
  }

  outsBefore(decky: string, t: number): number {
    return this.deckies.get(decky)?.out.count(t - this.window, t) ?? 0;
  }

  insAfter(decky: string, t: number): number {
    return this.deckies.get(decky)?.in.count(t, t + this.window) ?? 0;
  }

  /**
   * Node u's features go from `before` to `after` (undefined: not a node). Call before the
   * candidate index drops `before`'s tokens, so their holder counts are still the old ones.
   */
  update(u: number, before: Features | undefined, after: Features | undefined): void {
    if (this.profile.rarity !== null) {
      for (const f of [before, after]) {
        if (!f) continue;
        for (const t of f.infra) if (!this.tokensBefore.has(t)) this.tokensBefore.set(t, this.holderCount(t));
      }
    }
    if (this.profile.handoffBaseRate === null) return;
    const b = this.marks(before);
    const a = this.marks(after);
    for (const [key, t] of b) {
      if (a.get(key) === t) continue;
      this.move(key, t, u, false);
    }
    for (const [key, t] of a) {
      if (b.get(key) === t) continue;
      this.move(key, t, u, true);
    }
  }

  /** A node's timeline entries: "o\u0000decky" / "i\u0000decky" → time. */
  private marks(f: Features | undefined): Map<string, number> {
    const m = new Map<string, number>();
    if (!f) return m;
    for (const [d, mark] of f.last) if (HANDOFF_OUT.has(mark.phase)) m.set('o\u0000' + d, mark.t);
    if (this.profile.handoffRule !== 'foothold' || !f.selfAccess) {
      for (const [d, mark] of f.first) if (HANDOFF_IN.has(mark.phase)) m.set('i\u0000' + d, mark.t);
    }
    return m;
  }

  private move(key: string, t: number, u: number, add: boolean): void {
    const out = key[0] === 'o';
    const decky = key.slice(2);
    let tl = this.deckies.get(decky);
    if (!tl) this.deckies.set(decky, (tl = { out: new Timeline(), in: new Timeline() }));
    const line = out ? tl.out : tl.in;
    if (add) line.add(t, u);
    else line.remove(t, u);
    this.changes.push({ decky, out, t, add });
  }

  /**
   * Calls visit(x, y) for every pair (x ≠ y, possibly repeated) whose adjusted score may have
   * changed through this batch's count changes, then forgets the changes.
   *
   * Handoffs: for every timeline entry whose count moved (an IN phase whose window saw OUT
   * phases come or go, or the reverse), the net change Δ of its count is known exactly from the
   * batch's changes, so its count before the batch is the count now minus Δ. The pairs the entry
   * takes part in are re-scored only when that count really changed and was or is within the
   * cap (above it the factor is 0 before and after).
   */
  drainAffected(visit: (x: number, y: number) => void): void {
    const rarity = this.profile.rarity;
    if (rarity !== null) {
      for (const [t, before] of this.tokensBefore) {
        const was = rarityFactor(before, rarity);
        const now = rarityFactor(this.holderCount(t), rarity);
        if (was === now) continue;
        const ids = this.holderIds(t);
        if (now < was) {
          // Commoner: scores of pairs sharing the token only fall, so only the edges among its
          // holders can change (a pair that was no edge stays none): their degree, not n².
          const holds = new Set(ids);
          for (const h of ids) this.neighbours(h, (y) => { if (holds.has(y)) visit(h, y); });
        } else {
          for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) visit(ids[i], ids[j]);
        }
      }
      this.tokensBefore.clear();
    }
    const base = this.profile.handoffBaseRate;
    if (base !== null && this.changes.length > 0) {
      const W = this.window;
      const byDecky = new Map<string, MarkChange[]>();
      for (const c of this.changes) {
        const list = byDecky.get(c.decky);
        if (list) list.push(c);
        else byDecky.set(c.decky, [c]);
      }
      for (const [decky, changes] of byDecky) {
        const tl = this.deckies.get(decky)!;
        const outMoves = changes.filter((c) => c.out);
        const inMoves = changes.filter((c) => !c.out);
        // IN entries whose window [t − W, t] saw OUT changes: their outs count moved
        this.recount(tl.in, tl.out, outMoves, (t) => [t - W, t], (t) => [t, t + W], base.cap, (x, y) => visit(y, x));
        // OUT entries whose window [t, t + W] saw IN changes: their ins count moved
        this.recount(tl.out, tl.in, inMoves, (t) => [t, t + W], (t) => [t - W, t], base.cap, visit);
      }
      this.changes = [];
    }
  }

  /**
   * For the entries of `line` whose counting window over `other` contains one of `moves`:
   * when their count changed and was or is within the cap, every pair with the entries of
   * `other` in their window. `window(t)` is an entry's counting window, `reach(t)` the entries a
   * move at t can affect.
   */
  private recount(
    line: Timeline, other: Timeline, moves: readonly MarkChange[], window: (t: number) => [number, number],
    reach: (t: number) => [number, number], cap: number, visit: (entry: number, counterpart: number) => void,
  ): void {
    if (moves.length === 0) return;
    const seen = new Set<number>();
    for (const m of moves) {
      const [from, to] = reach(m.t);
      const [a, b] = line.range(from, to);
      for (let k = a; k < b; k++) {
        if (seen.has(k)) continue;
        seen.add(k);
        const [lo, hi] = window(line.t[k]);
        let delta = 0;
        for (const x of moves) if (x.t >= lo && x.t <= hi) delta += x.add ? 1 : -1;
        if (delta === 0) continue;
        const [oa, ob] = other.range(lo, hi);
        const after = ob - oa;
        if (Math.min(after, after - delta) > cap) continue;
        for (let j = oa; j < ob; j++) if (other.n[j] !== line.n[k]) visit(line.n[k], other.n[j]);
      }
    }
  }

  /** Whether an OUT phase at t on the decky has more possible takers than count (the pair's factor is 0). */
  crowdedOut(decky: string, t: number): boolean {
    const base = this.profile.handoffBaseRate;
    return base !== null && this.insAfter(decky, t) > base.cap;
  }

  /** Whether an IN phase at t on the decky has more possible givers than count. */
  crowdedIn(decky: string, t: number): boolean {
    const base = this.profile.handoffBaseRate;
    return base !== null && this.outsBefore(decky, t) > base.cap;
  }
}
