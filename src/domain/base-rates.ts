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
}

export class BaseRates implements Frequencies {
  private readonly deckies = new Map<string, DeckyTimelines>();
  /** token → holders before the batch's first change of it */
  private readonly tokensBefore = new Map<string, number>();
  private changes: MarkChange[] = [];
  private readonly changesPerDecky = new Map<string, number>();
  private readonly window: number;

  constructor(
    private readonly profile: ScoringProfile,
    /** live holders of a token (the candidate index's postings) */
    private readonly holderCount: (token: string) => number,
    private readonly holderIds: (token: string) => readonly number[],
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
    this.changes.push({ decky, out, t });
    this.changesPerDecky.set(decky, (this.changesPerDecky.get(decky) ?? 0) + 1);
  }

  /**
   * Calls visit(x, y) for every pair (x ≠ y, possibly repeated) whose adjusted score may have
   * changed through this batch's count changes, then forgets the changes.
   */
  drainAffected(visit: (x: number, y: number) => void): void {
    const rarity = this.profile.rarity;
    if (rarity !== null) {
      for (const [t, before] of this.tokensBefore) {
        if (rarityFactor(before, rarity) === rarityFactor(this.holderCount(t), rarity)) continue;
        const ids = this.holderIds(t);
        for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) visit(ids[i], ids[j]);
      }
      this.tokensBefore.clear();
    }
    const base = this.profile.handoffBaseRate;
    if (base !== null) {
      const W = this.window;
      for (const c of this.changes) {
        const tl = this.deckies.get(c.decky)!;
        // The count a pair's factor reads may have moved by up to this decky's changes: until it
        // is above the cap by more than that, the factor may have changed.
        const limit = base.cap + (this.changesPerDecky.get(c.decky) ?? 1);
        if (c.out) {
          // an OUT phase at t counts for every IN phase starting in [t, t + W]
          const [a, b] = tl.in.range(c.t, c.t + W);
          for (let k = a; k < b; k++) {
            const ti = tl.in.t[k];
            const [oa, ob] = tl.out.range(ti - W, ti);
            if (ob - oa > limit) continue;
            for (let m = oa; m < ob; m++) if (tl.out.n[m] !== tl.in.n[k]) visit(tl.out.n[m], tl.in.n[k]);
          }
        } else {
          // an IN phase at t counts for every OUT phase ending in [t − W, t]
          const [a, b] = tl.out.range(c.t - W, c.t);
          for (let k = a; k < b; k++) {
            const to = tl.out.t[k];
            const [ia, ib] = tl.in.range(to, to + W);
            if (ib - ia > limit) continue;
            for (let m = ia; m < ib; m++) if (tl.in.n[m] !== tl.out.n[k]) visit(tl.out.n[k], tl.in.n[m]);
          }
        }
      }
      this.changes = [];
      this.changesPerDecky.clear();
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
