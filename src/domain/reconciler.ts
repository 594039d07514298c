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
 */
import type { CampaignEventType, EdgeEvidence, PayloadByType, RemovalReason } from './campaign-events.ts';
import { campaignId } from './ids.ts';

export interface CampaignState {
  readonly uuid: string;
  /** sequence of its `campaign.formed` event: the age used to pick merge winners */
  readonly formedSeq: number;
  mergedInto: string | null;
  readonly children: Set<string>;
  /** identities literally assigned to this campaign */
  readonly members: Set<string>;
}

export interface Assignment {
  campaign: string;
  /** sequence of the event that assigned it: "earliest-assigned" tie-break of invariant 3 */
  seq: number;
}

/** What the reconciler needs to know about the graph after the batch. */
export interface PartitionView {
  /** component key of a node: equal keys ⇔ same component */
  componentKey(u: string): string | number;
  /** spanning evidence for a set of members: maximum spanning forest edges, deterministic order */
  spanning(members: readonly string[]): readonly EdgeEvidence[];
}

export type Emit = <T extends CampaignEventType>(type: T, payload: PayloadByType[T], evidence?: readonly EdgeEvidence[]) => number;

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class Reconciler {
  readonly campaigns = new Map<string, CampaignState>();
  readonly assignment = new Map<string, Assignment>();
  readonly founded = new Map<string, number>();

  canonical(campaign: string): string {
    let c = campaign;
    for (let s = this.campaigns.get(c); s?.mergedInto; s = this.campaigns.get(c)) c = s.mergedInto;
    return c;
  }

  campaignOf(identity: string): string | undefined {
    const a = this.assignment.get(identity);
    return a ? this.canonical(a.campaign) : undefined;
  }

  /** Live identities whose canonical campaign is `c` (c's own and those of campaigns merged into it). */
  canonicalMembers(c: string): string[] {
    const out: string[] = [];
    const stack = [c];
    while (stack.length) {
      const s = this.campaigns.get(stack.pop()!)!;
      for (const m of s.members) out.push(m);
      for (const ch of s.children) stack.push(ch);
    }
    return out.sort(cmp);
  }

  /**
   * @param removed identities that left the graph this batch, sorted
   * @param components the post-batch components that contain a changed node, members sorted,
   *        components sorted by their smallest member
   * @returns canonical campaigns whose membership or composition changed
   */
  reconcile(
    removed: ReadonlyArray<{ uuid: string; reason: RemovalReason }>,
    components: ReadonlyArray<readonly string[]>,
    view: PartitionView,
    emit: Emit,
  ): Set<string> {
    const changed = new Set<string>();

    for (const { uuid, reason } of removed) {
      const a = this.assignment.get(uuid);
      if (!a) continue;
      const k = this.canonical(a.campaign);
      emit('campaign.identity.removed', { campaign_uuid: k, identity_uuid: uuid, reason });
      this.campaigns.get(a.campaign)!.members.delete(uuid);
      this.assignment.delete(uuid);
      changed.add(k);
    }

    // Splits: resolved per canonical campaign, oldest first, before anything joins.
    const movers = new Map<string, string>();
    const touched = new Set<string>();
    for (const comp of components) for (const u of comp) {
      const k = this.campaignOf(u);
      if (k !== undefined) touched.add(k);
    }
    const byAge = [...touched].sort((a, b) => this.campaigns.get(a)!.formedSeq - this.campaigns.get(b)!.formedSeq);
    for (const k of byAge) this.resolveSplit(k, view, emit, movers, changed);

    for (const members of components) this.joinComponent(members, view, emit, movers, changed);
    return changed;
  }

  private resolveSplit(k: string, view: PartitionView, emit: Emit, movers: Map<string, string>, changed: Set<string>): void {
    let members = this.canonicalMembers(k);
    const fragmentsOf = (us: readonly string[]) => new Set(us.map((u) => view.componentKey(u)));
    if (fragmentsOf(members).size <= 1) return;
    changed.add(k);

    const k_ = this.campaigns.get(k)!;
    const children = [...k_.children].sort((a, b) => this.campaigns.get(a)!.formedSeq - this.campaigns.get(b)!.formedSeq);
    for (const l of children) {
      const sub = this.canonicalMembers(l);
      if (sub.length === 0) continue;
      const subSet = new Set(sub);
      const rest = members.filter((u) => !subSet.has(u));
      if (rest.length === 0) continue;
      const restFrags = fragmentsOf(rest);
      if (sub.some((u) => restFrags.has(view.componentKey(u)))) continue;
      k_.children.delete(l);
      this.campaigns.get(l)!.mergedInto = null;
      emit('campaign.unmerged', { resurrected_uuid: l, former_winner_uuid: k });
      changed.add(l);
      this.resolveSplit(l, view, emit, movers, changed);
      members = rest;
    }

    const frags = new Map<string | number, string[]>();
    for (const u of members) {
      const key = view.componentKey(u);
      const list = frags.get(key);
      if (list) list.push(u);
      else frags.set(key, [u]);
    }
    if (frags.size <= 1) return;
    // The majority fragment keeps the campaign; a tie goes to the earliest-assigned member's.
    const earliest = (us: string[]) =>
      us.reduce((best, u) => {
        const a = this.assignment.get(u)!.seq;
        const b = this.assignment.get(best)!.seq;
        return a < b || (a === b && u < best) ? u : best;
      });
    let keeper: string[] | null = null;
    for (const list of frags.values()) {
      if (!keeper || list.length > keeper.length) keeper = list;
      else if (list.length === keeper.length) {
        const e1 = earliest(list);
        const e0 = earliest(keeper);
        const s1 = this.assignment.get(e1)!.seq;
        const s0 = this.assignment.get(e0)!.seq;
        if (s1 < s0 || (s1 === s0 && e1 < e0)) keeper = list;
      }
    }
    const keep = new Set(keeper!);
    for (const u of members) if (!keep.has(u)) movers.set(u, k);
  }

  private joinComponent(
    members: readonly string[], view: PartitionView, emit: Emit, movers: Map<string, string>, changed: Set<string>,
  ): void {
    const present = new Set<string>();
    const unassigned: string[] = [];
    for (const u of members) {
      const k = movers.has(u) ? undefined : this.campaignOf(u);
      if (k === undefined) unassigned.push(u);
      else present.add(k);
    }
    if (present.size === 0) {
      const founder = members[0];
      const n = this.founded.get(founder) ?? 0;
      this.founded.set(founder, n + 1);
      const uuid = campaignId(founder, n);
      const seq = emit('campaign.formed', { campaign_uuid: uuid, identity_uuids: [...members] }, view.spanning(members));
      this.campaigns.set(uuid, { uuid, formedSeq: seq, mergedInto: null, children: new Set(), members: new Set() });
      changed.add(uuid);
      for (const u of members) {
        const prior = movers.get(u) ?? null;
        this.assign(u, uuid, seq);
        emit('identity.campaign.assigned', { identity_uuid: u, campaign_uuid: uuid, prior_campaign_uuid: prior });
      }
      return;
    }
    const byAge = [...present].sort((a, b) => this.campaigns.get(a)!.formedSeq - this.campaigns.get(b)!.formedSeq);
    const winner = byAge[0];
    let span: readonly EdgeEvidence[] | null = null;
    const spanning = () => (span ??= view.spanning(members));
    if (byAge.length > 1 || unassigned.length > 0) changed.add(winner);
    for (const loser of byAge.slice(1)) {
      const lm = new Set(this.canonicalMembers(loser));
      const bridge = spanning().filter((e) => lm.has(e.a) !== lm.has(e.b));
      this.campaigns.get(loser)!.mergedInto = winner;
      this.campaigns.get(winner)!.children.add(loser);
      emit('campaign.merged', { winner_uuid: winner, loser_uuid: loser }, bridge);
    }
    for (const u of unassigned) {
      const prior = movers.get(u) ?? null;
      const ev = spanning().filter((e) => e.a === u || e.b === u);
      const seq = emit('campaign.identity.assigned', { campaign_uuid: winner, identity_uuid: u, prior_campaign_uuid: prior }, ev);
      this.assign(u, winner, seq);
      emit('identity.campaign.assigned', { identity_uuid: u, campaign_uuid: winner, prior_campaign_uuid: prior });
      if (prior) changed.add(prior);
    }
  }

  private assign(u: string, campaign: string, seq: number): void {
    const old = this.assignment.get(u);
    if (old) this.campaigns.get(old.campaign)!.members.delete(u);
    this.assignment.set(u, { campaign, seq });
    this.campaigns.get(campaign)!.members.add(u);
  }
}
