/**
 * Turns a batch's partition change into campaign events, keeping ARCHITECTURE.md's six
 * reconciliation invariants:
 *  1. every active identity is in exactly one live campaign; same component ⇔ same campaign;
 *  2. the older campaign (smaller formation sequence) wins a merge; merges are soft pointers;
 *  3. on a split, a merged-in campaign whose members are all apart is unmerged; otherwise the
 *     fragment holding most members keeps the campaign and the others move, with
 *     `prior_campaign_uuid` set to the campaign they left;
 *  4. leaving identities get `campaign.identity.removed`; empty campaigns stay, with no members;
 *  5. nothing is emitted for no change (the reference's merge/unmerge oscillation cannot occur:
 *     merges and unmerges are both decided on canonical membership);
 *  6. ties are broken by value (uuid, sequence), never by arrival order.
 *
 * Campaigns and identities are dense integers here (campaign uuids are kept as 16 raw bytes).
 * Before a batch, invariant 1 makes every component exactly one canonical campaign. So a
 * component the batch did not split is resolved from what the graph recorded while it grew (the
 * pre-batch campaigns it absorbed, its new nodes): present campaigns, merges and assignments
 * come out without walking its members. Components a split touched are walked in full, as are
 * the campaigns they held.
 */
import type { CampaignEventType, PayloadByType, RemovalReason } from './campaign-events.ts';
import { growF64, growI32, nextCapacity, sortInPlace } from './columns.ts';
import type { ComponentGraph } from './components.ts';
import { campaignIdInto, formatUuid, parseUuid } from './ids.ts';

/** Emits one event; `evidence` are edge ids in Kruskal order. Returns the event's sequence. */
export type Emit = <T extends CampaignEventType>(type: T, payload: PayloadByType[T], evidence?: readonly number[]) => number;

const byMin = (x: { min: string }, y: { min: string }): number => (x.min < y.min ? -1 : x.min > y.min ? 1 : 0);

export interface CampaignView {
  readonly uuid: string;
  readonly formedSeq: number;
  readonly mergedInto: string | null;
  readonly children: ReadonlySet<string>;
  readonly members: ReadonlySet<string>;
}

export class Reconciler {
  // ---- campaigns (dense ids)
  private count = 0;
  private uuidBytes = new Uint8Array(0);
  private formedSeq = new Float64Array(0);
  private mergedIntoCol = new Int32Array(0);
  /** children of a campaign: intrusive doubly linked list (first child, siblings) */
  private firstChild = new Int32Array(0);
  private nextSib = new Int32Array(0);
  private prevSib = new Int32Array(0);
  /** own members of a campaign: intrusive doubly linked list over identities */
  private firstMember = new Int32Array(0);
  /** live identities whose canonical chain passes through the campaign (its own and its children's) */
  private subtotal = new Int32Array(0);
  private mergedCount = 0;
  private byUuid: Map<string, number> | null = null;
  // ---- identities (the projection's dense ids)
  private nodeCamp = new Int32Array(0);
  private nodeSeq = new Float64Array(0);
  private nextMember = new Int32Array(0);
  private prevMember = new Int32Array(0);
  private foundedCol = new Int32Array(0);
  private markCol = new Int32Array(0);
  private markToken = 0;

  constructor(readonly uuidOf: (id: number) => string, private readonly idOf: (uuid: string) => number | undefined) {}

  /** A read-only view by campaign uuid (tests, diagnostics). */
  readonly campaigns: ReadonlyMap<string, CampaignView> = new CampaignsView(this);

  get size(): number {
    return this.count;
  }

  get merged(): number {
    return this.mergedCount;
  }

  ensureNode(id: number): void {
    if (id < this.nodeCamp.length) return;
    this.nodeCamp = growI32(this.nodeCamp, id + 1, -1);
    this.nodeSeq = growF64(this.nodeSeq, id + 1);
    this.nextMember = growI32(this.nextMember, id + 1, -1);
    this.prevMember = growI32(this.prevMember, id + 1, -1);
    this.foundedCol = growI32(this.foundedCol, id + 1);
    this.markCol = growI32(this.markCol, id + 1);
  }

  // =========================================================================================
  // campaign access

  uuid(c: number): string {
    return formatUuid(this.uuidBytes, 16 * c);
  }

  /** Identities by uuid. */
  private readonly byUuidNode = (a: number, b: number): number => {
    const x = this.uuidOf(a);
    const y = this.uuidOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };

  /** Campaigns by age (formation sequence; unique). */
  private readonly byAgeOrder = (a: number, b: number): number => this.formedSeq[a] - this.formedSeq[b];

  /** Compares two campaigns by uuid (byte order = canonical string order). */
  readonly byUuidOrder = (x: number, y: number): number => {
    const b = this.uuidBytes;
    const ox = 16 * x;
    const oy = 16 * y;
    for (let i = 0; i < 16; i++) {
      const d = b[ox + i] - b[oy + i];
      if (d !== 0) return d;
    }
    return 0;
  };

  idOfCampaign(uuid: string): number | undefined {
    if (!this.byUuid) {
      this.byUuid = new Map();
      for (let c = 0; c < this.count; c++) this.byUuid.set(this.uuid(c), c);
    }
    return this.byUuid.get(uuid);
  }

  formedSeqOf(c: number): number {
    return this.formedSeq[c];
  }

  mergedIntoOf(c: number): number {
    return this.mergedIntoCol[c];
  }

  childrenIds(c: number): number[] {
    const out: number[] = [];
    for (let x = this.firstChild[c]; x >= 0; x = this.nextSib[x]) out.push(x);
    return out;
  }

  ownMembers(c: number): number[] {
    const out: number[] = [];
    for (let u = this.firstMember[c]; u >= 0; u = this.nextMember[u]) out.push(u);
    return out;
  }

  canonicalId(c: number): number {
    while (this.mergedIntoCol[c] >= 0) c = this.mergedIntoCol[c];
    return c;
  }

  canonical(campaign: string): string {
    const c = this.idOfCampaign(campaign);
    return c === undefined ? campaign : this.uuid(this.canonicalId(c));
  }

  /** Canonical campaign of an identity, -1 when unassigned. */
  campaignIdOf(u: number): number {
    const c = u < this.nodeCamp.length ? this.nodeCamp[u] : -1;
    return c < 0 ? -1 : this.canonicalId(c);
  }

  /** The campaign an identity is literally assigned to (not followed to its canonical), -1 = none. */
  assignedTo(u: number): number {
    return u < this.nodeCamp.length ? this.nodeCamp[u] : -1;
  }

  assignedSeq(u: number): number {
    return this.nodeSeq[u];
  }

  campaignOf(identity: string): string | undefined {
    const u = this.idOf(identity);
    if (u === undefined) return undefined;
    const c = this.campaignIdOf(u);
    return c < 0 ? undefined : this.uuid(c);
  }

  /** Live identities whose canonical campaign is c's (c's own and those of campaigns merged into it). */
  canonicalMemberIds(c: number): number[] {
    const out: number[] = [];
    const stack = [c];
    while (stack.length) {
      const s = stack.pop()!;
      for (let u = this.firstMember[s]; u >= 0; u = this.nextMember[u]) out.push(u);
      for (let x = this.firstChild[s]; x >= 0; x = this.nextSib[x]) stack.push(x);
    }
    return out;
  }

  canonicalMembers(c: string): string[] {
    const id = this.idOfCampaign(c);
    return id === undefined ? [] : this.canonicalMemberIds(id).map(this.uuidOf).sort();
  }

  /** Live members under c (including merged-in campaigns). */
  liveCount(c: number): number {
    return this.subtotal[c];
  }

  /** Some live identity under c (its own or a merged-in campaign's), -1 when none. */
  anyLiveMember(c: number): number {
    if (this.subtotal[c] === 0) return -1;
    const stack = [c];
    while (stack.length) {
      const s = stack.pop()!;
      if (this.firstMember[s] >= 0) return this.firstMember[s];
      for (let x = this.firstChild[s]; x >= 0; x = this.nextSib[x]) if (this.subtotal[x] > 0) stack.push(x);
    }
    return -1;
  }

  founded(u: number): number {
    return this.foundedCol[u];
  }

  // =========================================================================================
  // mutation primitives

  /** Grows every campaign column so that index `c` exists. */
  private ensureCapacity(c: number): void {
    if (c < this.formedSeq.length) return;
    const n = nextCapacity(Math.max(this.formedSeq.length, 512), c + 1);
    this.formedSeq = growF64(this.formedSeq, n);
    this.mergedIntoCol = growI32(this.mergedIntoCol, n, -1);
    this.firstChild = growI32(this.firstChild, n, -1);
    this.nextSib = growI32(this.nextSib, n, -1);
    this.prevSib = growI32(this.prevSib, n, -1);
    this.firstMember = growI32(this.firstMember, n, -1);
    this.subtotal = growI32(this.subtotal, n);
    const b = new Uint8Array(16 * this.formedSeq.length);
    b.set(this.uuidBytes);
    this.uuidBytes = b;
  }

  private newCampaign(founder: number): number {
    const c = this.count++;
    this.ensureCapacity(c);
    const n = this.foundedCol[founder]++;
    campaignIdInto(this.uuidOf(founder), n, this.uuidBytes, 16 * c);
    this.byUuid?.set(this.uuid(c), c);
    return c;
  }

  private adjust(c: number, d: number): void {
    for (let x = c; x >= 0; x = this.mergedIntoCol[x]) this.subtotal[x] += d;
  }

  private addMember(c: number, u: number): void {
    const h = this.firstMember[c];
    this.nextMember[u] = h;
    this.prevMember[u] = -1;
    if (h >= 0) this.prevMember[h] = u;
    this.firstMember[c] = u;
    this.nodeCamp[u] = c;
    this.adjust(c, 1);
  }

  private dropMember(c: number, u: number): void {
    const p = this.prevMember[u];
    const n = this.nextMember[u];
    if (p >= 0) this.nextMember[p] = n;
    else this.firstMember[c] = n;
    if (n >= 0) this.prevMember[n] = p;
    this.nextMember[u] = -1;
    this.prevMember[u] = -1;
    this.nodeCamp[u] = -1;
    this.adjust(c, -1);
  }

  private assign(u: number, c: number, seq: number): void {
    if (this.nodeCamp[u] >= 0) this.dropMember(this.nodeCamp[u], u);
    this.addMember(c, u);
    this.nodeSeq[u] = seq;
  }

  private mergeInto(loser: number, winner: number): void {
    this.mergedIntoCol[loser] = winner;
    const h = this.firstChild[winner];
    this.nextSib[loser] = h;
    this.prevSib[loser] = -1;
    if (h >= 0) this.prevSib[h] = loser;
    this.firstChild[winner] = loser;
    this.adjust(winner, this.subtotal[loser]);
    this.mergedCount++;
  }

  private unmergeFrom(l: number, k: number): void {
    const p = this.prevSib[l];
    const n = this.nextSib[l];
    if (p >= 0) this.nextSib[p] = n;
    else this.firstChild[k] = n;
    if (n >= 0) this.prevSib[n] = p;
    this.nextSib[l] = -1;
    this.prevSib[l] = -1;
    this.adjust(k, -this.subtotal[l]);
    this.mergedIntoCol[l] = -1;
    this.mergedCount--;
  }

  // =========================================================================================
  // reconciliation

  /**
   * @param removed identities that left the graph this batch, sorted by uuid
   * @param dirty nodes whose features changed (new nodes included)
   * @returns canonical campaigns whose membership or composition changed
   */
  reconcile(removed: ReadonlyArray<{ id: number; reason: RemovalReason }>, dirty: readonly number[], graph: ComponentGraph, emit: Emit): Set<number> {
    const changed = new Set<number>();

    for (const { id, reason } of removed) {
      const a = this.nodeCamp[id];
      if (a < 0) continue;
      const k = this.canonicalId(a);
      emit('campaign.identity.removed', { campaign_uuid: this.uuid(k), identity_uuid: this.uuidOf(id), reason });
      this.dropMember(a, id);
      changed.add(k);
    }

    // Splits: resolved per canonical campaign, oldest first, before anything joins. Only a
    // component a split touched can hold a campaign that fell apart.
    const movers = new Map<number, number>();
    const taintedReps = new Map<number, number>();
    for (const u of graph.taintedPieces()) {
      const key = graph.compKey(u);
      if (!taintedReps.has(key)) taintedReps.set(key, u);
    }
    if (taintedReps.size) {
      const touched = new Set<number>();
      for (const rep of taintedReps.values()) {
        for (const u of graph.membersOfId(rep)) {
          const k = this.campaignIdOf(u);
          if (k >= 0) touched.add(k);
        }
      }
      const byAge = sortInPlace([...touched], this.byAgeOrder);
      for (const k of byAge) this.resolveSplit(k, graph, emit, movers, changed);
    }

    // Components where something may join, in ascending order of their smallest member.
    const reps = new Map<number, number>(taintedReps);
    const fresh = new Map<number, number[]>();
    for (const u of dirty) {
      const key = graph.compKey(u);
      if (!reps.has(key)) reps.set(key, u);
      if (this.nodeCamp[u] < 0) {
        const list = fresh.get(key);
        if (list) list.push(u);
        else fresh.set(key, [u]);
      }
    }
    for (const u of movers.keys()) {
      const key = graph.compKey(u);
      if (!reps.has(key)) reps.set(key, u);
    }
    const order = [...reps.values()].map((u) => {
      const m = graph.compMin(u);
      return { rep: u, min: this.uuidOf(m) };
    });
    if (order.length > 1) sortInPlace(order, byMin);
    for (const { rep } of order) {
      const key = graph.compKey(rep);
      this.joinComponent(rep, graph, fresh.get(key) ?? [], emit, movers, changed);
    }
    return changed;
  }

  private resolveSplit(k: number, graph: ComponentGraph, emit: Emit, movers: Map<number, number>, changed: Set<number>): void {
    let members = this.canonicalMemberIds(k);
    const fragmentsOf = (us: readonly number[]) => {
      const s = new Set<number>();
      for (const u of us) s.add(graph.compKey(u));
      return s;
    };
    if (fragmentsOf(members).size <= 1) return;
    changed.add(k);

    const children = sortInPlace(this.childrenIds(k), this.byAgeOrder);
    for (const l of children) {
      const sub = this.canonicalMemberIds(l);
      if (sub.length === 0) continue;
      const t = ++this.markToken;
      for (const u of sub) this.markCol[u] = t;
      const rest = members.filter((u) => this.markCol[u] !== t);
      if (rest.length === 0) continue;
      const restFrags = fragmentsOf(rest);
      if (sub.some((u) => restFrags.has(graph.compKey(u)))) continue;
      this.unmergeFrom(l, k);
      emit('campaign.unmerged', { resurrected_uuid: this.uuid(l), former_winner_uuid: this.uuid(k) });
      changed.add(l);
      this.resolveSplit(l, graph, emit, movers, changed);
      members = rest;
    }

    const frags = new Map<number, number[]>();
    for (const u of members) {
      const key = graph.compKey(u);
      const list = frags.get(key);
      if (list) list.push(u);
      else frags.set(key, [u]);
    }
    if (frags.size <= 1) return;
    // The majority fragment keeps the campaign; a tie goes to the earliest-assigned member's.
    const earliest = (us: number[]) =>
      us.reduce((best, u) => {
        const a = this.nodeSeq[u];
        const b = this.nodeSeq[best];
        return a < b || (a === b && this.uuidOf(u) < this.uuidOf(best)) ? u : best;
      });
    let keeper: number[] | null = null;
    for (const list of frags.values()) {
      if (!keeper || list.length > keeper.length) keeper = list;
      else if (list.length === keeper.length) {
        const e1 = earliest(list);
        const e0 = earliest(keeper);
        const s1 = this.nodeSeq[e1];
        const s0 = this.nodeSeq[e0];
        if (s1 < s0 || (s1 === s0 && this.uuidOf(e1) < this.uuidOf(e0))) keeper = list;
      }
    }
    const t = ++this.markToken;
    for (const u of keeper!) this.markCol[u] = t;
    for (const u of members) if (this.markCol[u] !== t) movers.set(u, k);
  }

  private joinComponent(
    rep: number, graph: ComponentGraph, freshNodes: number[], emit: Emit, movers: Map<number, number>, changed: Set<number>,
  ): void {
    const tainted = graph.isTainted(rep);
    const byUuid = this.byUuidNode;
    let present: Set<number>;
    let unassigned: number[];
    let members: number[] | null = null;
    if (tainted) {
      members = sortInPlace([...graph.membersOfId(rep)], byUuid);
      present = new Set();
      unassigned = [];
      for (const u of members) {
        const k = movers.has(u) ? -1 : this.campaignIdOf(u);
        if (k < 0) unassigned.push(u);
        else present.add(k);
      }
    } else {
      // Untouched by splits: the component is the pre-batch campaigns it absorbed plus new nodes.
      present = new Set(graph.labels(rep));
      unassigned = freshNodes;
      if (unassigned.length > 1) sortInPlace(unassigned, byUuid);
    }

    if (present.size === 0) {
      members ??= unassigned;
      const founder = members[0];
      const c = this.newCampaign(founder);
      const uuid = this.uuid(c);
      const seq = emit('campaign.formed', { campaign_uuid: uuid, identity_uuids: members.map(this.uuidOf) }, graph.spanningEdges(rep));
      this.formedSeq[c] = seq;
      changed.add(c);
      for (const u of members) {
        const prior = movers.get(u);
        this.assign(u, c, seq);
        emit('identity.campaign.assigned', {
          identity_uuid: this.uuidOf(u), campaign_uuid: uuid, prior_campaign_uuid: prior === undefined ? null : this.uuid(prior),
        });
      }
      return;
    }
    const byAge = [...present];
    if (byAge.length > 1) sortInPlace(byAge, this.byAgeOrder);
    const winner = byAge[0];
    const winnerUuid = this.uuid(winner);
    if (byAge.length > 1 || unassigned.length > 0) changed.add(winner);
    for (let i = 1; i < byAge.length; i++) {
      const loser = byAge[i];
      const bridge = this.bridge(loser, byAge, i, unassigned, members, rep, graph);
      this.mergeInto(loser, winner);
      emit('campaign.merged', { winner_uuid: winnerUuid, loser_uuid: this.uuid(loser) }, bridge);
    }
    for (const u of unassigned) {
      const prior = movers.get(u);
      const priorUuid = prior === undefined ? null : this.uuid(prior);
      const ev: number[] = [];
      graph.treeEdgesOf(u, ev);
      if (ev.length > 1) sortInPlace(ev, graph.strongerFirst);
      const seq = emit('campaign.identity.assigned', { campaign_uuid: winnerUuid, identity_uuid: this.uuidOf(u), prior_campaign_uuid: priorUuid }, ev);
      this.assign(u, winner, seq);
      emit('identity.campaign.assigned', { identity_uuid: this.uuidOf(u), campaign_uuid: winnerUuid, prior_campaign_uuid: priorUuid });
      if (prior !== undefined) changed.add(prior);
    }
  }

  /**
   * Spanning-forest edges of the component crossing between `loser`'s canonical members and the
   * rest, in Kruskal order. Walks whichever side is smaller.
   */
  private bridge(
    loser: number, byAge: readonly number[], i: number, unassigned: readonly number[], members: readonly number[] | null,
    rep: number, graph: ComponentGraph,
  ): number[] {
    const t = ++this.markToken;
    const mark = this.markCol;
    const out: number[] = [];
    const tree: number[] = [];
    const collect = (side: readonly number[]): void => {
      for (const x of side) {
        tree.length = 0;
        graph.treeEdgesOf(x, tree);
        for (const e of tree) if (mark[graph.other(e, x)] !== t) out.push(e);
      }
    };
    if (members) {
      // Split-touched component: decide membership per member.
      const side: number[] = [];
      for (const x of members) if (this.campaignIdOf(x) === loser) { mark[x] = t; side.push(x); }
      collect(side);
    } else if (2 * this.subtotal[loser] <= graph.compSize(rep)) {
      const side = this.canonicalMemberIds(loser);
      for (const x of side) mark[x] = t;
      collect(side);
    } else {
      const side: number[] = [...unassigned];
      for (let j = 0; j < byAge.length; j++) if (j !== i && (j === 0 || j > i)) side.push(...this.canonicalMemberIds(byAge[j]));
      for (const x of side) mark[x] = t;
      collect(side);
    }
    if (out.length > 1) sortInPlace(out, graph.strongerFirst);
    return out;
  }

  // =========================================================================================
  // snapshot support

  restoreCampaign(uuid: string, formedSeq: number): number {
    const c = this.count++;
    this.ensureCapacity(c);
    this.uuidBytes.set(parseUuid(uuid), 16 * c);
    this.formedSeq[c] = formedSeq;
    this.byUuid?.set(this.uuid(c), c);
    return c;
  }

  restoreMerge(loser: number, winner: number): void {
    this.mergeInto(loser, winner);
  }

  restoreAssignment(u: number, c: number, seq: number): void {
    this.ensureNode(u);
    this.assign(u, c, seq);
  }

  restoreFounded(u: number, n: number): void {
    this.ensureNode(u);
    this.foundedCol[u] = n;
  }
}

/** `reconciler.campaigns`: a live, read-only map view keyed by campaign uuid. */
class CampaignsView implements ReadonlyMap<string, CampaignView> {
  constructor(private readonly r: Reconciler) {}

  get size(): number {
    return this.r.size;
  }
  has(uuid: string): boolean {
    return this.r.idOfCampaign(uuid) !== undefined;
  }
  get(uuid: string): CampaignView | undefined {
    const c = this.r.idOfCampaign(uuid);
    return c === undefined ? undefined : this.view(c);
  }
  private view(c: number): CampaignView {
    const r = this.r;
    const m = r.mergedIntoOf(c);
    return {
      uuid: r.uuid(c),
      formedSeq: r.formedSeqOf(c),
      mergedInto: m >= 0 ? r.uuid(m) : null,
      children: new Set(r.childrenIds(c).map((x) => r.uuid(x))),
      members: new Set(r.ownMembers(c).map((u) => r.uuidOf(u))),
    };
  }
  *entries(): MapIterator<[string, CampaignView]> {
    for (let c = 0; c < this.r.size; c++) yield [this.r.uuid(c), this.view(c)];
  }
  *keys(): MapIterator<string> {
    for (let c = 0; c < this.r.size; c++) yield this.r.uuid(c);
  }
  *values(): MapIterator<CampaignView> {
    for (let c = 0; c < this.r.size; c++) yield this.view(c);
  }
  forEach(cb: (value: CampaignView, key: string, map: ReadonlyMap<string, CampaignView>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this);
  }
  [Symbol.iterator](): MapIterator<[string, CampaignView]> {
    return this.entries();
  }
}
