/**
 * Cannot-link overrides as a hard constraint on the clustering: constrained Kruskal.
 *
 * Rule (docs/CLUSTERING.md, "Overrides"): within a connected component of the stored edges that
 * holds a cannot-link pair (a *region*), edges are taken strongest first, ties by (a, b) in uuid
 * order, and an edge that would join two groups between which a cannot-link stands is skipped.
 * The groups are the campaigns. The cut is deterministic and explainable: every skipped edge
 * names the cannot-link that refused it.
 *
 * The component graph stays the one source of the partition: the edges Kruskal skipped are
 * *suppressed* there (stored, weight kept current, outside the forest), so its components are
 * the groups and the reconciler needs no other input. Inside a group, the maximum spanning
 * forest of what is left is exactly Kruskal's (an edge between two sub-groups of one final group
 * is never refused), so evidence stays a spanning forest.
 *
 * Cost: a region is solved again, whole, whenever a batch changes an edge at one of its nodes,
 * changes one of its nodes, or changes the cannot-links; every batch also checks each cannot-link
 * in force for its two ends meeting in one component (O(cannot-links)); a component without a
 * cannot-link pair costs nothing more. Overrides are rare and a region is usually the two or three campaigns an analyst
 * pulled apart, but a cannot-link inside a giant campaign makes every batch that touches that
 * campaign re-sort its edges (documented in docs/ANALYSTS.md).
 *
 * Identical-infrastructure classes (infra-classes.ts) store no floor edge between two non-hub
 * members, which is exact for plain Kruskal (the hub's edges dominate) but not under
 * constraints: if cannot-links keep the hub from both, the floor edge is what joins them. The
 * solve therefore adds those implicit edges (`implicit`), and stores the ones Kruskal takes.
 */
import type { ComponentGraph } from './components.ts';
import type { CannotLink } from './overrides.ts';

/** An edge of a region: a stored edge (e ≥ 0) or an implicit class edge (e = -1). */
interface Item {
  readonly e: number;
  readonly a: number;
  readonly b: number;
  readonly w: number;
}

export class ConstrainedForest {
  /** per node: the cannot-links in force at it */
  private readonly at = new Map<number, CannotLink[]>();
  private pairs: readonly CannotLink[] = [];
  private readonly rank = new Map<CannotLink, number>();
  /** endpoints of cannot-links added or removed since the last solve */
  private changed: number[] = [];
  private mark = new Int32Array(0);
  private token = 0;
  private readonly parent = new Map<number, number>();

  constructor(
    private readonly graph: ComponentGraph,
    private readonly uuidOf: (u: number) => string,
    /** The implicit floor edges among these nodes (pairs of one class without a stored edge). */
    private readonly implicit: (nodes: readonly number[]) => Array<[number, number, number]>,
  ) {}

  get active(): boolean {
    return this.pairs.length > 0;
  }

  /** Cannot-links changed since the last solve. */
  get pending(): boolean {
    return this.changed.length > 0;
  }

  /** Edges cut (suppressed) right now. */
  get cuts(): number {
    return this.graph.suppressedCount;
  }

  /** The cannot-links in force from now on. */
  setCannot(pairs: readonly CannotLink[]): void {
    const key = (c: CannotLink) => `${c.p}|${c.q}|${c.id}`;
    const before = new Set(this.pairs.map(key));
    const after = new Set(pairs.map(key));
    for (const c of this.pairs) if (!after.has(key(c))) this.changed.push(c.p, c.q);
    for (const c of pairs) if (!before.has(key(c))) this.changed.push(c.p, c.q);
    this.pairs = pairs;
    this.rank.clear();
    pairs.forEach((c, i) => this.rank.set(c, i));
    this.at.clear();
    for (const c of pairs) {
      push(this.at, c.p, c);
      push(this.at, c.q, c);
    }
  }

  /**
   * After a batch's edge updates: solves every region the batch may have changed. `dirty`: nodes
   * whose features changed (their implicit class edges may have); `isNode`: still in the graph.
   * The ends of every edge given back to the forest are appended to `linked` (they may join
   * components: the reconciler must look there).
   */
  solve(dirty: readonly number[], isNode: (u: number) => boolean, linked: number[]): void {
    const g = this.graph;
    const seeds: number[] = [...g.touchedWatched(), ...this.changed];
    this.changed = [];
    for (const u of dirty) if (g.isWatched(u)) seeds.push(u);
    // A cannot-link pair whose ends the batch brought into one component (no region held them yet).
    for (const c of this.pairs) if (g.compKey(c.p) === g.compKey(c.q)) seeds.push(c.p);
    if (seeds.length === 0) return;
    const n = g.capacity;
    if (this.mark.length < n) {
      const m = new Int32Array(n);
      m.set(this.mark);
      this.mark = m;
    }
    // collect() stamps each region with a new token: a seed stamped since `first` is done.
    const first = this.token + 1;
    for (const s of seeds) {
      if (!isNode(s)) {
        g.setWatch(s, false);
        continue;
      }
      if (this.mark[s] >= first) continue;
      this.solveRegion(this.collect(s), linked);
    }
  }

  /** The component of s over every stored edge, suppressed ones included. */
  private collect(s: number): number[] {
    const t = ++this.token;
    const nodes = [s];
    this.mark[s] = t;
    for (let i = 0; i < nodes.length; i++) {
      this.graph.forEachEdge(nodes[i], (_e, other) => {
        if (this.mark[other] === t) return;
        this.mark[other] = t;
        nodes.push(other);
      });
    }
    return nodes;
  }

  private solveRegion(nodes: number[], linked: number[]): void {
    const g = this.graph;
    const t = this.token;
    const inside: CannotLink[] = [];
    for (const u of nodes) for (const c of this.at.get(u) ?? []) if (c.p === u && this.mark[c.q] === t) inside.push(c);
    if (inside.length === 0) {
      // Nothing to keep apart (any more): every edge takes part again.
      const cut: number[] = [];
      for (const u of nodes) {
        g.setWatch(u, false);
        g.suppressedEdgesOf(u, cut);
      }
      for (const e of cut) {
        g.unsuppress(e);
        linked.push(g.edgeA(e), g.edgeB(e));
      }
      return;
    }
    for (const u of nodes) g.setWatch(u, true);

    const items: Item[] = [];
    for (const u of nodes) g.forEachEdge(u, (e) => { if (g.edgeA(e) === u) items.push({ e, a: u, b: g.edgeB(e), w: g.weight(e) }); });
    for (const [x, y, w] of this.implicit(nodes)) {
      const [a, b] = this.uuidOf(x) < this.uuidOf(y) ? [x, y] : [y, x];
      items.push({ e: -1, a, b, w });
    }
    items.sort(this.strongerFirst);

    // Union-find over the region, each group with the cannot-links that have one end in it.
    const parent = this.parent;
    parent.clear();
    const find = (u: number): number => {
      let r = u;
      for (let p = parent.get(r); p !== undefined && p !== r; p = parent.get(r)) r = p;
      while (u !== r) {
        const next = parent.get(u)!;
        parent.set(u, r);
        u = next;
      }
      return r;
    };
    // rank: the cannot-link's place in `pairs` (newest first). Of several cannot-links that
    // refuse one edge, the newest is named: the lists' order follows the region's walk, which
    // follows edge-list history, and a snapshot restored elsewhere must name the same one.
    const apart = new Map<number, Array<{ other: number; id: string; rank: number }>>();
    for (const c of inside) {
      const rank = this.rank.get(c)!;
      push(apart, c.p, { other: c.q, id: c.id, rank });
      push(apart, c.q, { other: c.p, id: c.id, rank });
    }
    const refusedBy = new Map<Item, string>();
    const taken: Item[] = [];
    for (const it of items) {
      const ra = find(it.a);
      const rb = find(it.b);
      if (ra === rb) continue;
      const la = apart.get(ra) ?? [];
      const lb = apart.get(rb) ?? [];
      const [mine, theirs] = la.length <= lb.length ? [la, rb] : [lb, ra];
      let blocker: { id: string; rank: number } | undefined;
      for (const c of mine) if (find(c.other) === theirs && (blocker === undefined || c.rank < blocker.rank)) blocker = c;
      if (blocker !== undefined) {
        refusedBy.set(it, blocker.id);
        continue;
      }
      const [small, big] = la.length <= lb.length ? [ra, rb] : [rb, ra];
      parent.set(small, big);
      if (mine.length) {
        for (const c of mine) push(apart, big, c);
        apart.delete(small);
      }
      if (it.e < 0) taken.push(it);
    }

    // Joins first (fewer transient splits), then cuts.
    for (const it of items) {
      if (it.e < 0 || refusedBy.has(it) || !g.isSuppressed(it.e)) continue;
      g.unsuppress(it.e);
      linked.push(it.a, it.b);
    }
    for (const it of taken) {
      g.upsert(it.a, it.b, it.w);
      linked.push(it.a, it.b);
    }
    for (const [it, id] of refusedBy) if (it.e >= 0 && g.suppressedBy(it.e) !== id) g.suppress(it.e, id);
  }

  /** Kruskal order: weight descending, then (a, b) ascending in uuid order. */
  private readonly strongerFirst = (x: Item, y: Item): number => {
    if (x.w !== y.w) return y.w - x.w;
    const ax = this.uuidOf(x.a);
    const ay = this.uuidOf(y.a);
    if (ax !== ay) return ax < ay ? -1 : 1;
    const bx = this.uuidOf(x.b);
    const by = this.uuidOf(y.b);
    return bx < by ? -1 : bx > by ? 1 : 0;
  };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
