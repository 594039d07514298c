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
 * Cost: what the batch changed, never the size of the campaigns it touched. Before a batch,
 * invariant 1 makes every component exactly one canonical campaign, and the graph reports every
 * node that a cut put on the split-off (smaller) side during the batch. A campaign's members
 * that were never on such a side are still together, in one fragment ("main"), so a split is
 * resolved from counts: per fragment, how many of the campaign's (and of each merged-in child's)
 * members it holds, the main fragment's count being the live total minus the split members.
 * Only split members, and a main fragment that loses to one of them or ties with it, are ever
 * walked (docs/CLUSTERING.md, "Splits").
 */
import type { CampaignEventType, PayloadByType, RemovalReason } from './campaign-events.ts';
import type { CampaignRegistry } from './campaign-registry.ts';
import { growI32, sortInPlace } from './columns.ts';
import type { ComponentGraph } from './components.ts';

/** Emits one event; `evidence` are edge ids in Kruskal order. Returns the event's sequence. */
export type Emit = <T extends CampaignEventType>(type: T, payload: PayloadByType[T], evidence?: readonly number[]) => number;

const byMin = (x: { min: string }, y: { min: string }): number => (x.min < y.min ? -1 : x.min > y.min ? 1 : 0);

/** Spanning edges, then the edges a cannot-link cut (evidence names the override: engine.ts). */
const withCuts = (spanning: number[], cut: readonly number[]): number[] => {
  for (const e of cut) spanning.push(e);
  return spanning;
};

/** What split resolution hands to the joins of one batch. */
interface Resolution {
  /** identity → the canonical campaign it leaves */
  readonly movers: Map<number, number>;
  /** component key → movers in it */
  readonly moversByKey: Map<number, number[]>;
  /** component key → resolved campaigns whose remaining members are all there */
  readonly presentByKey: Map<number, number[]>;
}

export class Reconciler {
  /**
   * Test hook: every component a split touched is also reconciled the slow way (walking all
   * its members) and the two answers must agree, or the batch throws.
   */
  static verify = false;

  /** per identity: batch stamp of the split set */
  private splitMark = new Int32Array(0);
  /** per campaign: batch stamp when split resolution decided it */
  private resolvedMark = new Int32Array(0);
  private scratch = new Int32Array(0);
  private token = 0;

  constructor(private readonly reg: CampaignRegistry, private readonly uuidOf: (id: number) => string) {}

  /** Identities by uuid. */
  private readonly byUuidNode = (a: number, b: number): number => {
    const x = this.uuidOf(a);
    const y = this.uuidOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };

  private ensure(): void {
    const n = this.reg.nodeCapacity;
    if (this.splitMark.length < n) {
      this.splitMark = growI32(this.splitMark, n);
      this.scratch = growI32(this.scratch, n);
    }
    if (this.resolvedMark.length < this.reg.size + 1) this.resolvedMark = growI32(this.resolvedMark, this.reg.size + 1);
  }

  /**
   * @param removed identities that left the graph this batch, sorted by uuid
   * @param dirty nodes whose features changed (new nodes included)
   * @returns canonical campaigns whose membership or composition changed
   */
  reconcile(removed: ReadonlyArray<{ id: number; reason: RemovalReason }>, dirty: readonly number[], graph: ComponentGraph, emit: Emit): Set<number> {
    const reg = this.reg;
    const changed = new Set<number>();
    this.ensure();
    const batch = ++this.token;

    for (const { id, reason } of removed) {
      const a = reg.assignedTo(id);
      if (a < 0) continue;
      const k = reg.canonicalId(a);
      emit('campaign.identity.removed', { campaign_uuid: reg.uuid(k), identity_uuid: this.uuidOf(id), reason });
      reg.unassign(id);
      changed.add(k);
    }

    // Splits: resolved per canonical campaign, oldest first, before anything joins. Only a
    // campaign with a member on a split-off side can have fallen apart.
    const res: Resolution = { movers: new Map(), moversByKey: new Map(), presentByKey: new Map() };
    const splitBy = new Map<number, number[]>();
    for (const u of graph.splitNodes()) {
      this.splitMark[u] = batch;
      const k = reg.campaignIdOf(u);
      if (k < 0) continue;
      const list = splitBy.get(k);
      if (list) list.push(u);
      else splitBy.set(k, [u]);
    }
    if (splitBy.size) {
      const byAge = sortInPlace([...splitBy.keys()], reg.byAgeOrder);
      for (const k of byAge) this.resolveSplit(k, splitBy.get(k)!, graph, emit, res, changed, batch);
    }
    for (const [u, k] of res.movers) {
      const key = graph.compKey(u);
      const list = res.moversByKey.get(key);
      if (list) list.push(u);
      else res.moversByKey.set(key, [u]);
      void k;
    }

    // Components where something may join, in ascending order of their smallest member.
    const reps = new Map<number, number>();
    for (const u of graph.taintedPieces()) {
      const key = graph.compKey(u);
      if (!reps.has(key)) reps.set(key, u);
    }
    const fresh = new Map<number, number[]>();
    for (const u of dirty) {
      const key = graph.compKey(u);
      if (!reps.has(key)) reps.set(key, u);
      if (reg.assignedTo(u) < 0) {
        const list = fresh.get(key);
        if (list) list.push(u);
        else fresh.set(key, [u]);
      }
    }
    for (const [key, list] of res.moversByKey) if (!reps.has(key)) reps.set(key, list[0]);
    const order = [...reps.values()].map((u) => ({ rep: u, min: this.uuidOf(graph.compMin(u)) }));
    if (order.length > 1) sortInPlace(order, byMin);
    for (const { rep } of order) {
      const key = graph.compKey(rep);
      this.joinComponent(rep, graph, fresh.get(key) ?? [], emit, res, changed, batch);
    }
    return changed;
  }

  /**
   * Resolves canonical campaign k whose members `split` (all of them with canonical k) were
   * on split-off sides: unmerges children whose members are all apart from the rest, then picks
   * the fragment that keeps k and records the members that must move.
   */
  private resolveSplit(
    k: number, split: readonly number[], graph: ComponentGraph, emit: Emit, res: Resolution, changed: Set<number>, batch: number,
  ): void {
    const reg = this.reg;
    this.resolvedMark[k] = batch;
    const isSplit = (u: number) => this.splitMark[u] === batch;
    const mainCount = reg.liveCount(k) - split.length;
    const mainKey = mainCount > 0 ? graph.compKey(reg.findLiveMember(k, isSplit)) : NaN;
    // fragment key → members of k there (the current ones: children unmerged below leave)
    const cur = new Map<number, number>();
    for (const u of split) cur.set(graph.compKey(u), (cur.get(graph.compKey(u)) ?? 0) + 1);
    if (mainCount > 0) cur.set(mainKey, (cur.get(mainKey) ?? 0) + mainCount);
    if (cur.size <= 1) {
      for (const key of cur.keys()) this.present(res, key, k);
      return;
    }
    changed.add(k);

    // Split members by the child of k whose subtree holds them (own members of k: none).
    const byChild = new Map<number, number[]>();
    for (const u of split) {
      let x = reg.assignedTo(u);
      if (x === k) continue;
      while (reg.mergedIntoOf(x) !== k) x = reg.mergedIntoOf(x);
      const list = byChild.get(x);
      if (list) list.push(u);
      else byChild.set(x, [u]);
    }
    // A child without split members has all its members in main. It can only be unmerged if
    // nothing else of k is in main when its turn comes; with two such children each keeps the
    // other there, so only a single one is a candidate (see docs/CLUSTERING.md).
    const candidates = [...byChild.keys()];
    if (reg.liveChildrenCount(k) - byChild.size === 1) {
      for (const x of reg.liveChildren(k, [])) {
        if (!byChild.has(x)) {
          candidates.push(x);
          break;
        }
      }
    }
    if (candidates.length > 1) sortInPlace(candidates, reg.byAgeOrder);

    let total = reg.liveCount(k);
    for (const l of candidates) {
      const subTotal = reg.liveCount(l);
      if (subTotal === 0 || total - subTotal === 0) continue;
      const subSplit = byChild.get(l) ?? [];
      const sub = new Map<number, number>();
      for (const u of subSplit) sub.set(graph.compKey(u), (sub.get(graph.compKey(u)) ?? 0) + 1);
      const subMain = subTotal - subSplit.length;
      if (subMain > 0) sub.set(mainKey, (sub.get(mainKey) ?? 0) + subMain);
      let shared = false;
      for (const [key, n] of sub) {
        if (cur.get(key)! - n > 0) {
          shared = true;
          break;
        }
      }
      if (shared) continue;
      reg.unmergeFrom(l, k);
      emit('campaign.unmerged', { resurrected_uuid: reg.uuid(l), former_winner_uuid: reg.uuid(k) });
      changed.add(l);
      this.resolveSplit(l, subSplit, graph, emit, res, changed, batch);
      for (const [key, n] of sub) {
        const left = cur.get(key)! - n;
        if (left === 0) cur.delete(key);
        else cur.set(key, left);
      }
      total -= subTotal;
    }

    if (cur.size <= 1) {
      for (const key of cur.keys()) this.present(res, key, k);
      return;
    }
    // The fragment holding most members keeps k; a tie goes to the one holding the
    // earliest-assigned member (assignment sequence, then uuid).
    let keeper = NaN;
    let keeperCount = -1;
    let keeperEarliest = -1;
    for (const [key, n] of cur) {
      if (n < keeperCount) continue;
      if (n > keeperCount) {
        keeper = key;
        keeperCount = n;
        keeperEarliest = -1;
        continue;
      }
      if (keeperEarliest < 0) keeperEarliest = this.earliestIn(k, keeper, mainKey, split, graph);
      const e = this.earliestIn(k, key, mainKey, split, graph);
      if (this.assignedBefore(e, keeperEarliest)) {
        keeper = key;
        keeperEarliest = e;
      }
    }
    this.present(res, keeper, k);
    // Movers: k's members outside the keeper. Split members are known; main's are walked only
    // when main lost, and then it held no more than the keeper, a split fragment.
    const stays = (u: number) => graph.compKey(u) === keeper;
    if (keeper === mainKey || !(mainCount > 0)) {
      for (const u of split) if (reg.campaignIdOf(u) === k && !stays(u)) res.movers.set(u, k);
    } else {
      for (const u of reg.canonicalMemberIds(k)) if (!stays(u)) res.movers.set(u, k);
    }
  }

  /** The earliest-assigned current member of k in fragment `key`. */
  private earliestIn(k: number, key: number, mainKey: number, split: readonly number[], graph: ComponentGraph): number {
    const reg = this.reg;
    let best = -1;
    const consider = (u: number) => {
      if (graph.compKey(u) === key && (best < 0 || this.assignedBefore(u, best))) best = u;
    };
    if (key === mainKey) for (const u of reg.canonicalMemberIds(k)) consider(u);
    else for (const u of split) if (reg.campaignIdOf(u) === k) consider(u);
    return best;
  }

  private assignedBefore(a: number, b: number): boolean {
    const sa = this.reg.assignedSeq(a);
    const sb = this.reg.assignedSeq(b);
    return sa < sb || (sa === sb && this.uuidOf(a) < this.uuidOf(b));
  }

  private present(res: Resolution, key: number, c: number): void {
    const list = res.presentByKey.get(key);
    if (list) list.push(c);
    else res.presentByKey.set(key, [c]);
  }

  private joinComponent(
    rep: number, graph: ComponentGraph, freshNodes: number[], emit: Emit, res: Resolution, changed: Set<number>, batch: number,
  ): void {
    const reg = this.reg;
    const byUuid = this.byUuidNode;
    const key = graph.compKey(rep);
    const tainted = graph.isTainted(rep);
    let present: Set<number>;
    let unassigned: number[];
    if (tainted) {
      // The component is: campaigns that resolution placed here, campaigns it absorbed that no
      // split touched (its labels), movers that landed here, and new nodes.
      // A label can be stale (a removed node carried it in, or the campaign has since absorbed
      // a resolved one whose movers are elsewhere). A campaign no split touched keeps all its
      // staying members in one piece, so one member that is not moving tells where it is.
      present = new Set(res.presentByKey.get(key));
      const moving = (u: number) => res.movers.has(u);
      for (const l of graph.labels(rep)) {
        const c = reg.canonicalId(l);
        if (this.resolvedMark[c] === batch || present.has(c)) continue;
        const m = reg.findLiveMember(c, moving);
        if (m >= 0 && graph.compKey(m) === key) present.add(c);
      }
      const movers = res.moversByKey.get(key);
      unassigned = movers ? movers.concat(freshNodes) : freshNodes;
      if (Reconciler.verify) this.verifyTainted(rep, graph, res.movers, present, unassigned);
    } else {
      // Untouched by splits: the component is the pre-batch campaigns it absorbed plus new nodes.
      present = new Set(graph.labels(rep));
      unassigned = freshNodes;
    }
    if (unassigned.length > 1) sortInPlace(unassigned, byUuid);

    if (present.size === 0) {
      const members = unassigned;
      const founder = members[0];
      const c = reg.newCampaign(founder);
      this.ensure();
      const uuid = reg.uuid(c);
      const seq = emit('campaign.formed', { campaign_uuid: uuid, identity_uuids: members.map(this.uuidOf) }, withCuts(graph.spanningEdges(rep), graph.cutEdges(rep)));
      reg.setFormedSeq(c, seq);
      changed.add(c);
      for (const u of members) {
        const prior = res.movers.get(u);
        reg.assign(u, c, seq);
        emit('identity.campaign.assigned', {
          identity_uuid: this.uuidOf(u), campaign_uuid: uuid, prior_campaign_uuid: prior === undefined ? null : reg.uuid(prior),
        });
      }
      return;
    }
    const byAge = [...present];
    if (byAge.length > 1) sortInPlace(byAge, reg.byAgeOrder);
    const winner = byAge[0];
    const winnerUuid = reg.uuid(winner);
    if (byAge.length > 1 || unassigned.length > 0) changed.add(winner);
    for (let i = 1; i < byAge.length; i++) {
      const loser = byAge[i];
      const bridge = this.bridge(loser, byAge, i, unassigned, res.movers, rep, graph);
      reg.mergeInto(loser, winner);
      emit('campaign.merged', { winner_uuid: winnerUuid, loser_uuid: reg.uuid(loser) }, bridge);
    }
    for (const u of unassigned) {
      const prior = res.movers.get(u);
      const priorUuid = prior === undefined ? null : reg.uuid(prior);
      const ev: number[] = [];
      graph.treeEdgesOf(u, ev);
      if (ev.length > 1) sortInPlace(ev, graph.strongerFirst);
      if (graph.suppressedCount > 0) {
        const cut: number[] = [];
        graph.suppressedEdgesOf(u, cut);
        if (cut.length > 1) sortInPlace(cut, graph.strongerFirst);
        for (const e of cut) ev.push(e);
      }
      const seq = emit('campaign.identity.assigned', { campaign_uuid: winnerUuid, identity_uuid: this.uuidOf(u), prior_campaign_uuid: priorUuid }, ev);
      reg.assign(u, winner, seq);
      emit('identity.campaign.assigned', { identity_uuid: this.uuidOf(u), campaign_uuid: winnerUuid, prior_campaign_uuid: priorUuid });
      if (prior !== undefined) changed.add(prior);
    }
  }

  /**
   * Spanning-forest edges of the component crossing between `loser`'s members and the rest, in
   * Kruskal order. Walks whichever side is smaller. A campaign's members here are its canonical
   * members that are not moving out (every other member of it is in this component).
   */
  private bridge(
    loser: number, byAge: readonly number[], i: number, unassigned: readonly number[], movers: Map<number, number>,
    rep: number, graph: ComponentGraph,
  ): number[] {
    const reg = this.reg;
    const t = ++this.token;
    const mark = this.scratch;
    const out: number[] = [];
    const tree: number[] = [];
    const side: number[] = [];
    const addMembers = (c: number) => {
      for (const x of reg.canonicalMemberIds(c)) if (!movers.has(x)) side.push(x);
    };
    if (2 * reg.liveCount(loser) <= graph.compSize(rep)) addMembers(loser);
    else {
      for (const x of unassigned) side.push(x);
      for (let j = 0; j < byAge.length; j++) if (j !== i && (j === 0 || j > i)) addMembers(byAge[j]);
    }
    for (const x of side) mark[x] = t;
    for (const x of side) {
      tree.length = 0;
      graph.treeEdgesOf(x, tree);
      for (const e of tree) if (mark[graph.other(e, x)] !== t) out.push(e);
    }
    if (out.length > 1) sortInPlace(out, graph.strongerFirst);
    return out;
  }

  /** `Reconciler.verify`: the tainted component's campaigns and joiners, by walking every member. */
  private verifyTainted(rep: number, graph: ComponentGraph, movers: Map<number, number>, present: Set<number>, unassigned: readonly number[]): void {
    const slowPresent = new Set<number>();
    const slowUnassigned: number[] = [];
    for (const u of graph.membersOfId(rep)) {
      const k = movers.has(u) ? -1 : this.reg.campaignIdOf(u);
      if (k < 0) slowUnassigned.push(u);
      else slowPresent.add(k);
    }
    const a = [...present].sort((x, y) => x - y).join(',');
    const b = [...slowPresent].sort((x, y) => x - y).join(',');
    const c = [...unassigned].sort((x, y) => x - y).join(',');
    const d = slowUnassigned.sort((x, y) => x - y).join(',');
    if (a !== b || c !== d) throw new Error(`reconciler: component of ${this.uuidOf(rep)}: present [${a}] ≠ [${b}] or joiners [${c}] ≠ [${d}]`);
  }
}
