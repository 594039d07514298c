/**
 * The edge graph, its connected components and their maximum spanning forest, all maintained
 * incrementally over the engine's integer node ids.
 *
 * Edges are totally ordered: stronger = larger weight, ties by (a, b) ascending in uuid order
 * (a < b). Under that order the maximum spanning forest is unique, and it is exactly what
 * Kruskal (strongest first, ties by (a, b)) picks, so evidence never depends on how the forest
 * was reached. The forest lives in a link-cut tree (`link-cut-tree.ts`, path minimum = the
 * weakest edge on a tree path):
 *  - a new or strengthened edge between two trees links them; inside one tree it replaces the
 *    weakest edge of the cycle it closes when it is stronger;
 *  - a deleted or weakened tree edge is cut and replaced by the strongest non-tree edge across
 *    the cut, found by walking the smaller tree only (both walked in lockstep, one tree-edge
 *    slot at a time: tree and non-tree edges sit in separate lists per node). No replacement
 *    means the component splits; only the smaller side moves, and its nodes are reported as the
 *    batch's split nodes (`splitNodes`), which is all the reconciler walks.
 *
 * Cannot-link overrides (constrained-forest.ts) may *suppress* an edge: it stays stored, with its
 * weight kept current by scoring, in a third list per node, but it takes no part in the forest or
 * the components. Edge changes at *watched* nodes (those of a component a cannot-link constrains)
 * are reported, so that such a component is solved again whenever it changes.
 *
 * Components keep their member list, their smallest member (a lazy heap once large), and, once
 * large, a heap of their tree-edge weights (the weakest link gives a campaign's confidence) and
 * the running aggregate of their members' features (campaign profiles). Per batch they also
 * record which pre-batch campaigns they absorbed ("labels") and whether a split touched them
 * ("taint"): the reconciler resolves untainted components from that record alone.
 */
import { growF64, growI32, nextCapacity, sortInPlace } from './columns.ts';
import type { Features } from './features.ts';
import { ProfileAggregate } from './campaign-profile.ts';
import { LinkCutForest } from './link-cut-tree.ts';
import { NodeHeap } from './node-heap.ts';
import { WeightHeap } from './weight-heap.ts';

/** Components at least this large keep a weight heap and a feature aggregate. */
export const BIG_COMPONENT = 48;

/** `eTree` of an edge a cannot-link took out of the forest (stored, weight kept current). */
const SUPPRESSED = -3;

export class Component {
  readonly members: number[] = [];
  /** node with the smallest uuid, -1 = unknown */
  min = -1;
  labelStamp = 0;
  labels: number[] = [];
  taintStamp = 0;
  /** tree-edge weights (lazy: stale entries are skipped when they surface) */
  heap: WeightHeap | null = null;
  /** members by uuid (lazy: departed members are skipped when they surface) */
  byUuid: NodeHeap | null = null;
  agg: ProfileAggregate | null = null;
  constructor(readonly id: number) {}
}

export class ComponentGraph {
  /** Components at least this large keep a weight heap and a feature aggregate (tests lower it). */
  static bigThreshold = BIG_COMPONENT;

  // ---- nodes
  private nodeCap = 0;
  /** per node, its non-tree, tree and suppressed edges' slots: three doubly linked lists */
  private head = new Int32Array(0);
  private thead = new Int32Array(0);
  private shead = new Int32Array(0);
  /** 1 for a node whose edge changes must be reported (`touchedWatched`) */
  private watchMark = new Uint8Array(0);
  private touchedStamp = new Int32Array(0);
  private compOf = new Int32Array(0);
  private posInComp = new Int32Array(0);
  private nodeTaint = new Int32Array(0);
  private removing = new Int32Array(0);
  private scratchEdge = new Int32Array(0);
  private scratchMark = new Int32Array(0);
  private scratchToken = 0;
  private visitMark = new Int32Array(0);
  private visitToken = 0;
  /** batch stamp of nodes put on the split-off side of a cut this batch */
  private splitStamp = new Int32Array(0);
  // ---- edges
  private edgeCap = 0;
  private ea = new Int32Array(0);
  private eb = new Int32Array(0);
  private ew = new Float64Array(0);
  /** link-cut node of a tree edge, -1 for a non-tree edge, -2 for a free slot, SUPPRESSED */
  private eTree = new Int32Array(0);
  private eStamp = new Int32Array(0);
  private slotNext = new Int32Array(0);
  private slotPrev = new Int32Array(0);
  private readonly freeEdges: number[] = [];
  private edgeHigh = 0;
  edgeCount = 0;
  treeEdgeCount = 0;
  suppressedCount = 0;
  /** suppressed edge → the override that suppressed it (evidence names it) */
  private readonly suppressNote = new Map<number, string>();
  // ---- the spanning forest
  private readonly forest = new LinkCutForest((x, y) => this.pairCompare(x, y) > 0);
  // ---- components
  private readonly comps: Array<Component | null> = [];
  private readonly freeComps: number[] = [];
  private sizeHist = new Int32Array(0);
  private maxSize = 0;
  // ---- batch bookkeeping
  private batch = 0;
  private taintedComps: number[] = [];
  private taintedNodes: number[] = [];
  private splitNodeList: number[] = [];
  private touchedList: number[] = [];
  private readonly uuidLess = (a: number, b: number): boolean => this.uuidOf(a) < this.uuidOf(b);

  constructor(
    private readonly uuidOf: (id: number) => string,
    private readonly featuresOf: (id: number) => Features | undefined,
    /** the campaign a node belonged to before the batch (-1 = none) */
    private readonly labelOf: (id: number) => number,
    private readonly idOf: (uuid: string) => number | undefined,
  ) {}

  // =========================================================================================
  // capacity

  ensureNode(id: number): void {
    if (id < this.nodeCap) return;
    const n = nextCapacity(Math.max(this.nodeCap, 512), id + 1);
    const old = this.nodeCap;
    this.head = growI32(this.head, n, -1);
    this.thead = growI32(this.thead, n, -1);
    this.shead = growI32(this.shead, n, -1);
    this.touchedStamp = growI32(this.touchedStamp, n);
    if (this.watchMark.length < n) {
      const w = new Uint8Array(n);
      w.set(this.watchMark);
      this.watchMark = w;
    }
    this.compOf = growI32(this.compOf, n, -1);
    this.posInComp = growI32(this.posInComp, n);
    this.nodeTaint = growI32(this.nodeTaint, n);
    this.removing = growI32(this.removing, n);
    this.scratchEdge = growI32(this.scratchEdge, n);
    this.scratchMark = growI32(this.scratchMark, n);
    this.visitMark = growI32(this.visitMark, n);
    this.splitStamp = growI32(this.splitStamp, n);
    this.nodeCap = this.head.length;
    this.forest.ensure(this.nodeCap);
    void old;
  }

  private allocEdge(): number {
    let e = this.freeEdges.pop();
    if (e === undefined) {
      e = this.edgeHigh++;
      if (e >= this.edgeCap) {
        const n = nextCapacity(Math.max(this.edgeCap, 512), e + 1);
        this.ea = growI32(this.ea, n);
        this.eb = growI32(this.eb, n);
        this.ew = growF64(this.ew, n);
        this.eTree = growI32(this.eTree, n, -2);
        this.eStamp = growI32(this.eStamp, n);
        this.slotNext = growI32(this.slotNext, 2 * n, -1);
        this.slotPrev = growI32(this.slotPrev, 2 * n, -1);
        this.edgeCap = this.ea.length;
      }
    }
    return e;
  }

  // =========================================================================================
  // read access

  /** Node columns hold ids below this. */
  get capacity(): number {
    return this.nodeCap;
  }

  /** Component key: equal keys ⇔ same component (singletons get their own negative key). */
  compKey(u: number): number {
    const c = this.compOf[u];
    return c >= 0 ? c : -1 - u;
  }

  component(u: number): Component | null {
    const c = this.compOf[u];
    return c >= 0 ? this.comps[c] : null;
  }

  compSize(u: number): number {
    const c = this.compOf[u];
    return c >= 0 ? this.comps[c]!.members.length : 1;
  }

  /** Members of u's component (u alone for a singleton); do not mutate. */
  membersOfId(u: number): readonly number[] {
    const c = this.compOf[u];
    return c >= 0 ? this.comps[c]!.members : [u];
  }

  /** Member uuids of an identity's component (it alone for a singleton). */
  membersOf(uuid: string): readonly string[] {
    const id = this.idOf(uuid);
    if (id === undefined) return [uuid];
    return this.membersOfId(id).map(this.uuidOf);
  }

  /** The smallest member (uuid order) of u's component. */
  compMin(u: number): number {
    const c = this.compOf[u];
    if (c < 0) return u;
    const comp = this.comps[c]!;
    if (comp.min < 0 && comp.byUuid) {
      const h = comp.byUuid;
      while (this.compOf[h.top] !== c) h.pop();
      comp.min = h.top;
    }
    if (comp.min < 0) {
      let m = comp.members[0];
      let mu = this.uuidOf(m);
      for (const x of comp.members) {
        const xu = this.uuidOf(x);
        if (xu < mu) { m = x; mu = xu; }
      }
      comp.min = m;
    }
    return comp.min;
  }

  edgeA(e: number): number { return this.ea[e]; }
  edgeB(e: number): number { return this.eb[e]; }
  weight(e: number): number { return this.ew[e]; }

  /** Calls fn(e) for every tree edge at u. */
  forEachTreeEdge(u: number, fn: (e: number) => void): void {
    for (let s = this.thead[u]; s >= 0; s = this.slotNext[s]) fn(s >> 1);
  }

  /** Calls fn(a, b, weight) once for every edge of the spanning forest (diagnostics, tests). */
  forEachTreeEdgeOnce(fn: (a: string, b: string, weight: number) => void): void {
    for (let u = 0; u < this.nodeCap; u++) {
      for (let s = this.thead[u]; s >= 0; s = this.slotNext[s]) if ((s & 1) === 0) fn(this.uuidOf(this.ea[s >> 1]), this.uuidOf(this.eb[s >> 1]), this.ew[s >> 1]);
    }
  }

  /** Appends u's tree edges to `out`. */
  treeEdgesOf(u: number, out: number[]): void {
    for (let s = this.thead[u]; s >= 0; s = this.slotNext[s]) out.push(s >> 1);
  }

  /** The other endpoint of edge e seen from u. */
  other(e: number, u: number): number {
    return this.ea[e] === u ? this.eb[e] : this.ea[e];
  }

  /** Calls fn(e, other) for every stored edge at u, suppressed ones included. */
  forEachEdge(u: number, fn: (e: number, other: number) => void): void {
    for (let s = this.thead[u]; s >= 0; s = this.slotNext[s]) fn(s >> 1, s & 1 ? this.ea[s >> 1] : this.eb[s >> 1]);
    for (let s = this.head[u]; s >= 0; s = this.slotNext[s]) fn(s >> 1, s & 1 ? this.ea[s >> 1] : this.eb[s >> 1]);
    for (let s = this.shead[u]; s >= 0; s = this.slotNext[s]) fn(s >> 1, s & 1 ? this.ea[s >> 1] : this.eb[s >> 1]);
  }

  /** Appends u's suppressed edges to `out`. */
  suppressedEdgesOf(u: number, out: number[]): void {
    for (let s = this.shead[u]; s >= 0; s = this.slotNext[s]) out.push(s >> 1);
  }

  isSuppressed(e: number): boolean {
    return this.eTree[e] === SUPPRESSED;
  }

  /** The override that suppressed edge e (undefined when it is not suppressed). */
  suppressedBy(e: number): string | undefined {
    return this.eTree[e] === SUPPRESSED ? this.suppressNote.get(e) : undefined;
  }

  /** The stored edge x–y, -1 when there is none. */
  edgeBetween(x: number, y: number): number {
    if (this.scratchOwner !== x) this.beginNode(x);
    return this.scratchMark[y] === this.scratchToken ? this.scratchEdge[y] : -1;
  }

  /** Kruskal order: stronger first (weight descending, then (a, b) ascending). */
  readonly strongerFirst = (x: number, y: number): number => {
    const d = this.ew[y] - this.ew[x];
    if (d !== 0) return d;
    return this.pairCompare(x, y);
  };

  private pairCompare(x: number, y: number): number {
    if (x === y) return 0;
    const ax = this.uuidOf(this.ea[x]);
    const ay = this.uuidOf(this.ea[y]);
    if (ax !== ay) return ax < ay ? -1 : 1;
    const bx = this.uuidOf(this.eb[x]);
    const by = this.uuidOf(this.eb[y]);
    return bx < by ? -1 : bx > by ? 1 : 0;
  }

  /** True when edge x comes after edge y in Kruskal order (x is the weaker). */
  private weaker(x: number, y: number): boolean {
    const wx = this.ew[x];
    const wy = this.ew[y];
    if (wx !== wy) return wx < wy;
    return this.pairCompare(x, y) > 0;
  }

  /** The suppressed edges at the members of u's component (the links cannot-links cut), in Kruskal order. */
  cutEdges(u: number): number[] {
    const out: number[] = [];
    if (this.suppressedCount === 0) return out;
    for (const x of this.membersOfId(u)) this.suppressedEdgesOf(x, out);
    if (out.length > 1) sortInPlace(out, this.strongerFirst);
    return out;
  }

  /** Every tree edge of u's component, in Kruskal order. */
  spanningEdges(u: number): number[] {
    const out: number[] = [];
    for (const x of this.membersOfId(u)) {
      for (let s = this.thead[x]; s >= 0; s = this.slotNext[s]) if ((s & 1) === 0) out.push(s >> 1);
    }
    if (out.length > 1) sortInPlace(out, this.strongerFirst);
    return out;
  }

  /** Weight of the weakest tree edge of u's component; Infinity for a singleton. */
  weakest(u: number): number {
    const c = this.compOf[u];
    if (c < 0) return Infinity;
    const comp = this.comps[c]!;
    if (comp.heap) {
      const h = comp.heap;
      while (h.size) {
        const e = h.topEdge;
        if (this.eTree[e] >= 0 && this.ew[e] === h.topWeight && this.compOf[this.ea[e]] === c) return h.topWeight;
        h.pop();
      }
      return Infinity;
    }
    let min = Infinity;
    for (const x of comp.members) {
      for (let s = this.thead[x]; s >= 0; s = this.slotNext[s]) if ((s & 1) === 0 && this.ew[s >> 1] < min) min = this.ew[s >> 1];
    }
    return min;
  }

  /** Largest component size (1 when every node is alone; the caller knows whether nodes exist). */
  get largest(): number {
    return Math.max(1, this.maxSize);
  }

  // =========================================================================================
  // batch protocol

  beginBatch(): void {
    this.batch++;
    this.scratchOwner = -1;
    this.taintedComps = [];
    this.taintedNodes = [];
    this.splitNodeList = [];
    this.touchedList = [];
  }

  /** Edge changes at u are reported by `touchedWatched` from now on (off: no longer). */
  setWatch(u: number, on: boolean): void {
    this.watchMark[u] = on ? 1 : 0;
  }

  isWatched(u: number): boolean {
    return this.watchMark[u] === 1;
  }

  /** Watched nodes at which an edge appeared, changed weight or went this batch (each once). */
  touchedWatched(): readonly number[] {
    return this.touchedList;
  }

  private touchEdge(e: number): void {
    const a = this.ea[e];
    const b = this.eb[e];
    if (this.watchMark[a] === 1 && this.touchedStamp[a] !== this.batch) {
      this.touchedStamp[a] = this.batch;
      this.touchedList.push(a);
    }
    if (this.watchMark[b] === 1 && this.touchedStamp[b] !== this.batch) {
      this.touchedStamp[b] = this.batch;
      this.touchedList.push(b);
    }
  }

  /**
   * Every node that was on the split-off side of a cut this batch (each once). A campaign none
   * of whose members is here is still in one piece: its members never left the side a cut kept.
   */
  splitNodes(): readonly number[] {
    return this.splitNodeList;
  }

  /** Marks a node as leaving the graph this batch (its own departure is not a split). */
  markRemoving(u: number): void {
    this.removing[u] = this.batch;
  }

  isTainted(u: number): boolean {
    const c = this.compOf[u];
    return c >= 0 ? this.comps[c]!.taintStamp === this.batch : this.nodeTaint[u] === this.batch;
  }

  /** One node of every component a split touched this batch (their components, deduplicated by the caller). */
  taintedPieces(): number[] {
    const out: number[] = [];
    for (const c of this.taintedComps) {
      const comp = this.comps[c];
      if (comp && comp.taintStamp === this.batch) out.push(comp.members[0]);
    }
    for (const u of this.taintedNodes) if (this.compOf[u] < 0 && this.nodeTaint[u] === this.batch && this.removing[u] !== this.batch) out.push(u);
    return out;
  }

  /** Pre-batch campaigns whose members make up u's (untainted) component, possibly repeated. */
  labels(u: number): readonly number[] {
    const c = this.compOf[u];
    if (c < 0) {
      const l = this.labelOf(u);
      return l >= 0 ? [l] : [];
    }
    return this.compLabels(this.comps[c]!);
  }

  private compLabels(comp: Component): number[] {
    if (comp.labelStamp !== this.batch) {
      comp.labelStamp = this.batch;
      const l = this.labelOf(comp.members[0]);
      comp.labels = l >= 0 ? [l] : [];
    }
    return comp.labels;
  }

  private taintComp(comp: Component): void {
    if (comp.taintStamp === this.batch) return;
    comp.taintStamp = this.batch;
    this.taintedComps.push(comp.id);
  }

  private taintNode(u: number): void {
    if (this.nodeTaint[u] === this.batch) return;
    this.nodeTaint[u] = this.batch;
    this.taintedNodes.push(u);
  }

  // =========================================================================================
  // feature aggregates

  /** A node's features changed (old → new; null = none): keeps its component's aggregate exact. */
  featuresChanged(u: number, before: Features | undefined, after: Features | undefined): void {
    const comp = this.component(u);
    if (!comp?.agg) return;
    if (before) comp.agg.remove(before);
    if (after) comp.agg.add(after);
  }

  // =========================================================================================
  // edge updates

  /**
   * Starts scoring node x: remembers its current edges so `upsert` finds an existing x–y edge
   * in O(1). Valid until the next `beginNode`.
   */
  beginNode(x: number): void {
    const t = ++this.scratchToken;
    for (let list = 0; list < 3; list++) {
      for (let s = list === 2 ? this.shead[x] : list ? this.thead[x] : this.head[x]; s >= 0; s = this.slotNext[s]) {
        const other = s & 1 ? this.ea[s >> 1] : this.eb[s >> 1];
        this.scratchMark[other] = t;
        this.scratchEdge[other] = s >> 1;
      }
    }
    this.scratchOwner = x;
  }
  private scratchOwner = -1;

  /** Sets edge x–y (x = the node passed to `beginNode`) to weight w and stamps it for this batch. */
  upsert(x: number, y: number, w: number): void {
    if (this.scratchOwner !== x) this.beginNode(x);
    if (this.scratchMark[y] === this.scratchToken) {
      const e = this.scratchEdge[y];
      this.eStamp[e] = this.batch;
      this.reweight(e, w);
      return;
    }
    const e = this.allocEdge();
    const xFirst = this.uuidOf(x) < this.uuidOf(y);
    const a = xFirst ? x : y;
    const b = xFirst ? y : x;
    this.ea[e] = a;
    this.eb[e] = b;
    this.ew[e] = w;
    this.eTree[e] = -1;
    this.eStamp[e] = this.batch;
    this.pushSlot(this.head, a, 2 * e);
    this.pushSlot(this.head, b, 2 * e + 1);
    this.edgeCount++;
    this.scratchMark[y] = this.scratchToken;
    this.scratchEdge[y] = e;
    this.touchEdge(e);
    this.offer(e);
  }

  /**
   * Sets edge x–y to weight w, or removes it when w is null (a pair re-scored because a count
   * it depends on changed, not because either node did).
   */
  setPair(x: number, y: number, w: number | null): void {
    if (this.scratchOwner !== x) this.beginNode(x);
    if (this.scratchMark[y] === this.scratchToken) {
      const e = this.scratchEdge[y];
      if (w === null) {
        this.deleteEdge(e);
        return;
      }
      this.eStamp[e] = this.batch;
      this.reweight(e, w);
      return;
    }
    if (w !== null) this.upsert(x, y, w);
  }

  /** Deletes every edge at x not stamped in this batch (x's edges that were not re-confirmed). */
  dropUnstamped(x: number): void {
    // Non-tree edges first: they cost nothing and leave fewer candidates for replacements.
    // (A tree edge's deletion only links replacements, never at x: x's unconfirmed non-tree
    // edges are gone by then, so the saved next slot stays in the list being walked.)
    for (let pass = 0; pass < 3; pass++) {
      let s = pass === 2 ? this.thead[x] : pass ? this.shead[x] : this.head[x];
      while (s >= 0) {
        const next = this.slotNext[s];
        if (this.eStamp[s >> 1] !== this.batch) this.deleteEdge(s >> 1);
        s = next;
      }
    }
  }

  /** Deletes every edge at x and takes x out of its component. */
  removeNode(x: number): void {
    for (let pass = 0; pass < 3; pass++) {
      let s = pass === 2 ? this.thead[x] : pass ? this.shead[x] : this.head[x];
      while (s >= 0) {
        const next = this.slotNext[s];
        this.deleteEdge(s >> 1);
        s = next;
      }
    }
    // Every tree edge is gone, so x has been split off as a singleton.
    if (this.compOf[x] >= 0) throw new Error(`node ${this.uuidOf(x)} still in a component after losing its edges`);
  }

  private pushSlot(heads: Int32Array, u: number, s: number): void {
    const h = heads[u];
    this.slotNext[s] = h;
    this.slotPrev[s] = -1;
    if (h >= 0) this.slotPrev[h] = s;
    heads[u] = s;
  }

  private unlinkSlot(heads: Int32Array, u: number, s: number): void {
    const p = this.slotPrev[s];
    const n = this.slotNext[s];
    if (p >= 0) this.slotNext[p] = n;
    else heads[u] = n;
    if (n >= 0) this.slotPrev[n] = p;
  }

  private reweight(e: number, w: number): void {
    const old = this.ew[e];
    if (old === w) return;
    this.touchEdge(e);
    if (this.eTree[e] === SUPPRESSED) {
      // Kept current, out of the forest: the next solve of its component decides with it.
      this.ew[e] = w;
      return;
    }
    if (this.eTree[e] >= 0) {
      const n = this.eTree[e];
      if (w > old) {
        // Stronger tree edge: still in the forest; refresh the path minima it takes part in.
        this.ew[e] = w;
        this.forest.strengthen(n, w);
        this.heapPushEdge(e);
      } else {
        // Weaker tree edge: cut it and let the strongest edge across the cut (maybe itself) in.
        this.ew[e] = w;
        this.cutTreeEdge(e);
        this.reconnect(this.ea[e], this.eb[e], -1);
      }
      return;
    }
    this.ew[e] = w;
    if (w > old) this.offer(e);
  }

  private deleteEdge(e: number): void {
    // The upsert cache maps x's neighbours to edge ids; a deleted id may be reused.
    this.scratchOwner = -1;
    const a = this.ea[e];
    const b = this.eb[e];
    this.touchEdge(e);
    const wasTree = this.eTree[e] >= 0;
    if (wasTree) this.cutTreeEdge(e);
    const heads = this.eTree[e] === SUPPRESSED ? this.shead : this.head;
    if (heads === this.shead) {
      this.suppressedCount--;
      this.suppressNote.delete(e);
    }
    this.unlinkSlot(heads, a, 2 * e);
    this.unlinkSlot(heads, b, 2 * e + 1);
    this.eTree[e] = -2;
    this.freeEdges.push(e);
    this.edgeCount--;
    if (wasTree) this.reconnect(a, b, e);
  }

  /**
   * Takes edge e out of the forest and the components (a cannot-link cut it); `by` names the
   * override. Already suppressed: only the note changes.
   */
  suppress(e: number, by: string): void {
    this.suppressNote.set(e, by);
    if (this.eTree[e] === SUPPRESSED) return;
    const a = this.ea[e];
    const b = this.eb[e];
    const wasTree = this.eTree[e] >= 0;
    if (wasTree) this.cutTreeEdge(e);
    this.unlinkSlot(this.head, a, 2 * e);
    this.unlinkSlot(this.head, b, 2 * e + 1);
    this.pushSlot(this.shead, a, 2 * e);
    this.pushSlot(this.shead, b, 2 * e + 1);
    this.eTree[e] = SUPPRESSED;
    this.suppressedCount++;
    this.scratchOwner = -1;
    if (wasTree) this.reconnect(a, b, e);
  }

  /** Gives a suppressed edge back to the forest. */
  unsuppress(e: number): void {
    if (this.eTree[e] !== SUPPRESSED) return;
    const a = this.ea[e];
    const b = this.eb[e];
    this.unlinkSlot(this.shead, a, 2 * e);
    this.unlinkSlot(this.shead, b, 2 * e + 1);
    this.pushSlot(this.head, a, 2 * e);
    this.pushSlot(this.head, b, 2 * e + 1);
    this.eTree[e] = -1;
    this.suppressedCount--;
    this.suppressNote.delete(e);
    this.scratchOwner = -1;
    this.offer(e);
  }

  /** A non-tree edge e (new or strengthened) is offered to the forest. */
  private offer(e: number): void {
    const a = this.ea[e];
    const b = this.eb[e];
    const ca = this.compOf[a];
    const cb = this.compOf[b];
    if (ca < 0 || cb < 0 || ca !== cb) {
      this.linkTreeEdge(e);
      this.mergeComponents(a, b);
      this.heapPushEdge(e);
      return;
    }
    const f = this.pathWeakest(a, b);
    if (f >= 0 && this.weaker(f, e)) {
      this.cutTreeEdge(f);
      this.linkTreeEdge(e);
      this.heapPushEdge(e);
    }
  }

  /**
   * After cutting tree edge a–b (deleted: `gone` = its id, or weakened: -1), finds the
   * strongest non-tree edge across the cut and links it; without one, the smaller side leaves
   * the component.
   */
  private reconnect(a: number, b: number, gone: number): void {
    const side = this.smallerSide(a, b);
    const t = ++this.visitToken;
    for (const x of side) this.visitMark[x] = t;
    let bestE = -1;
    for (const x of side) {
      for (let s = this.head[x]; s >= 0; s = this.slotNext[s]) {
        const e = s >> 1;
        if (e === gone) continue;
        const other = s & 1 ? this.ea[e] : this.eb[e];
        if (this.visitMark[other] === t) continue;
        if (bestE < 0 || this.weaker(bestE, e)) bestE = e;
      }
    }
    if (bestE >= 0) {
      this.linkTreeEdge(bestE);
      this.heapPushEdge(bestE);
      return;
    }
    this.splitOff(side);
  }

  /**
   * The nodes of the smaller of the two trees holding a and b. Both trees are walked in
   * lockstep one tree-edge slot at a time, so the cost is twice the smaller tree's size
   * whatever the degrees: a hub with a thousand tree edges next to a leaf costs one step.
   */
  private smallerSide(a: number, b: number): number[] {
    const ta = ++this.visitToken;
    const tb = ++this.visitToken;
    const qa = [a];
    const qb = [b];
    this.visitMark[a] = ta;
    this.visitMark[b] = tb;
    let ia = 1;
    let ib = 1;
    let sa = this.thead[a];
    let sb = this.thead[b];
    const next = this.slotNext;
    for (;;) {
      while (sa < 0) {
        if (ia === qa.length) return qa;
        sa = this.thead[qa[ia++]];
      }
      const xa = sa & 1 ? this.ea[sa >> 1] : this.eb[sa >> 1];
      if (this.visitMark[xa] !== ta) {
        this.visitMark[xa] = ta;
        qa.push(xa);
      }
      sa = next[sa];
      while (sb < 0) {
        if (ib === qb.length) return qb;
        sb = this.thead[qb[ib++]];
      }
      const xb = sb & 1 ? this.ea[sb >> 1] : this.eb[sb >> 1];
      if (this.visitMark[xb] !== tb) {
        this.visitMark[xb] = tb;
        qb.push(xb);
      }
      sb = next[sb];
    }
  }

  // =========================================================================================
  // components

  private newComponent(): Component {
    const id = this.freeComps.pop() ?? this.comps.length;
    const comp = new Component(id);
    this.comps[id] = comp;
    return comp;
  }

  private sizeChanged(from: number, to: number): void {
    if (from >= 2) this.sizeHist[from]--;
    if (to >= 2) {
      this.sizeHist = growI32(this.sizeHist, to + 1);
      this.sizeHist[to]++;
      if (to > this.maxSize) this.maxSize = to;
    }
    while (this.maxSize >= 2 && this.sizeHist[this.maxSize] === 0) this.maxSize--;
    if (this.maxSize < 2) this.maxSize = 0;
  }

  private addMember(comp: Component, u: number): void {
    this.compOf[u] = comp.id;
    this.posInComp[u] = comp.members.length;
    comp.members.push(u);
    if (comp.min >= 0 && this.uuidOf(u) < this.uuidOf(comp.min)) comp.min = u;
    const h = comp.byUuid;
    if (h) {
      h.push(u);
      // Departed members pile up in the heap; rebuild from the members now and then (amortized O(log n)).
      if (h.size > 2 * comp.members.length + 64) h.reset(comp.members);
    }
  }

  private dropMember(comp: Component, u: number): void {
    const i = this.posInComp[u];
    const last = comp.members.pop()!;
    if (last !== u) {
      comp.members[i] = last;
      this.posInComp[last] = i;
    }
    this.compOf[u] = -1;
    if (comp.min === u) comp.min = -1;
  }

  /** a and b were just linked by a tree edge: their components become one. */
  private mergeComponents(a: number, b: number): void {
    const ca = this.compOf[a];
    const cb = this.compOf[b];
    if (ca < 0 && cb < 0) {
      const comp = this.newComponent();
      this.compLabelsSingle(comp, a, b);
      this.addMember(comp, a);
      this.addMember(comp, b);
      comp.min = this.uuidOf(a) < this.uuidOf(b) ? a : b;
      if (this.nodeTaint[a] === this.batch || this.nodeTaint[b] === this.batch) this.taintComp(comp);
      this.sizeChanged(0, 2);
      return;
    }
    if (ca < 0 || cb < 0) {
      const comp = this.comps[ca < 0 ? cb : ca]!;
      const lone = ca < 0 ? a : b;
      const labels = this.compLabels(comp);
      const l = this.labelOf(lone);
      if (l >= 0) labels.push(l);
      if (this.nodeTaint[lone] === this.batch) this.taintComp(comp);
      const size = comp.members.length;
      this.addMember(comp, lone);
      if (comp.agg) {
        const f = this.featuresOf(lone);
        if (f) comp.agg.add(f);
      }
      this.sizeChanged(size, size + 1);
      this.maybeBig(comp);
      return;
    }
    let big = this.comps[ca]!;
    let small = this.comps[cb]!;
    if (small.members.length > big.members.length) [big, small] = [small, big];
    const labels = this.compLabels(big);
    for (const l of this.compLabels(small)) labels.push(l);
    if (small.taintStamp === this.batch) this.taintComp(big);
    const bigSize = big.members.length;
    const smallSize = small.members.length;
    for (const u of small.members) {
      this.addMember(big, u);
      if (big.agg) {
        const f = this.featuresOf(u);
        if (f) big.agg.add(f);
      }
    }
    if (big.heap) {
      for (const u of small.members) {
        for (let s = this.thead[u]; s >= 0; s = this.slotNext[s]) if ((s & 1) === 0) this.heapPushEdge(s >> 1);
      }
    }
    small.agg?.detach();
    this.comps[small.id] = null;
    this.freeComps.push(small.id);
    this.sizeHist[smallSize]--;
    this.sizeChanged(bigSize, bigSize + smallSize);
    this.maybeBig(big);
  }

  private compLabelsSingle(comp: Component, a: number, b: number): void {
    comp.labelStamp = this.batch;
    comp.labels = [];
    const la = this.labelOf(a);
    const lb = this.labelOf(b);
    if (la >= 0) comp.labels.push(la);
    if (lb >= 0) comp.labels.push(lb);
  }

  /** Gives a component that has grown large its heap and aggregate. */
  private maybeBig(comp: Component): void {
    if (comp.heap || comp.members.length < ComponentGraph.bigThreshold) return;
    this.rebuildHeap(comp);
    comp.byUuid = new NodeHeap(this.uuidLess);
    comp.byUuid.reset(comp.members);
    comp.agg = new ProfileAggregate();
    for (const u of comp.members) {
      const f = this.featuresOf(u);
      if (f) comp.agg.add(f);
    }
  }

  private rebuildHeap(comp: Component): void {
    const h = new WeightHeap();
    for (const u of comp.members) {
      for (let s = this.thead[u]; s >= 0; s = this.slotNext[s]) if ((s & 1) === 0) h.push(this.ew[s >> 1], s >> 1);
    }
    comp.heap = h;
  }

  private heapPushEdge(e: number): void {
    const c = this.compOf[this.ea[e]];
    if (c < 0) return;
    const comp = this.comps[c]!;
    if (!comp.heap) return;
    comp.heap.push(this.ew[e], e);
    // Stale entries pile up as tree edges come and go; compact now and then (amortized O(1)).
    if (comp.heap.size > 4 * comp.members.length + 64) this.rebuildHeap(comp);
  }

  /** The nodes of `side` (a whole tree of the forest) leave their component. */
  private splitOff(side: number[]): void {
    const c = this.compOf[side[0]];
    if (c < 0) return;
    const comp = this.comps[c]!;
    let survivor = false;
    for (const u of side) if (this.removing[u] !== this.batch) { survivor = true; break; }
    if (side.length === comp.members.length) throw new Error('split without a second side');
    const labelled = comp.labelStamp === this.batch;
    // The remnant keeps its labels (pre-batch campaigns, a superset of those it still holds
    // apart from split nodes); read them now, while the reconciler has not moved anyone.
    this.compLabels(comp);
    for (const u of side) {
      if (this.splitStamp[u] !== this.batch) {
        this.splitStamp[u] = this.batch;
        this.splitNodeList.push(u);
      }
    }
    const before = comp.members.length;
    for (const u of side) {
      this.dropMember(comp, u);
      if (comp.agg) {
        const f = this.featuresOf(u);
        if (f) comp.agg.remove(f);
      }
    }
    // A real split (survivors apart), or a leaving node that carried one of this batch's labels:
    // the reconciler must look at the members themselves.
    if (survivor || labelled) this.taintComp(comp);
    let piece: Component | null = null;
    if (side.length >= 2) {
      piece = this.newComponent();
      piece.labelStamp = this.batch;
      piece.labels = [];
      for (const u of side) this.addMember(piece, u);
      piece.min = -1;
      if (survivor) this.taintComp(piece);
      this.maybeBig(piece);
    } else if (survivor) this.taintNode(side[0]);
    const left = comp.members.length;
    this.sizeChanged(before, left >= 2 ? left : 0);
    if (piece) this.sizeChanged(0, side.length);
    if (left === 1) {
      // The rest is a single node: it stops being a component.
      const u = comp.members[0];
      this.dropMember(comp, u);
      comp.agg?.detach();
      this.comps[c] = null;
      this.freeComps.push(c);
      if (comp.taintStamp === this.batch) this.taintNode(u);
    }
  }

  // =========================================================================================
  // the spanning forest

  private linkTreeEdge(e: number): void {
    const a = this.ea[e];
    const b = this.eb[e];
    this.unlinkSlot(this.head, a, 2 * e);
    this.unlinkSlot(this.head, b, 2 * e + 1);
    this.pushSlot(this.thead, a, 2 * e);
    this.pushSlot(this.thead, b, 2 * e + 1);
    this.eTree[e] = this.forest.link(e, a, b, this.ew[e]);
    this.treeEdgeCount++;
  }

  private cutTreeEdge(e: number): void {
    const a = this.ea[e];
    const b = this.eb[e];
    this.forest.cut(this.eTree[e], a, b);
    this.eTree[e] = -1;
    this.unlinkSlot(this.thead, a, 2 * e);
    this.unlinkSlot(this.thead, b, 2 * e + 1);
    this.pushSlot(this.head, a, 2 * e);
    this.pushSlot(this.head, b, 2 * e + 1);
    this.treeEdgeCount--;
  }

  private pathWeakest(a: number, b: number): number {
    return this.forest.pathWeakest(a, b);
  }
}
