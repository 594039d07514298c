/**
 * Campaign bookkeeping: which campaigns exist, the soft-merge forest between them, and which
 * identities are literally assigned to which campaign. The reconciler decides; this module only
 * records, and answers the questions the reconciler asks in time proportional to the answer.
 *
 * Campaigns are dense integers (their uuids kept as 16 raw bytes); identities are the
 * projection's dense ids. Everything is columns and intrusive linked lists:
 *  - own members of a campaign: a doubly linked list over identities;
 *  - children of a campaign (campaigns merged into it): a doubly linked list in which every child
 *    with a live member comes before every child without one, so walking a campaign's live
 *    members, or finding one, never visits the campaigns that emptied out (a giant campaign
 *    collects thousands of those);
 *  - `subtotal`: live identities whose canonical chain passes through the campaign (its own and
 *    its children's, recursively), kept exact on every assignment, merge and unmerge.
 */
import { growF64, growI32, nextCapacity } from './columns.ts';
import { campaignIdInto, formatUuid, parseUuid } from './ids.ts';

export interface CampaignView {
  readonly uuid: string;
  readonly formedSeq: number;
  readonly mergedInto: string | null;
  readonly children: ReadonlySet<string>;
  readonly members: ReadonlySet<string>;
}

export class CampaignRegistry {
  // ---- campaigns (dense ids)
  private count = 0;
  private uuidBytes = new Uint8Array(0);
  private formedSeq = new Float64Array(0);
  private mergedIntoCol = new Int32Array(0);
  private firstChild = new Int32Array(0);
  private lastChild = new Int32Array(0);
  private nextSib = new Int32Array(0);
  private prevSib = new Int32Array(0);
  private liveChildCount = new Int32Array(0);
  private firstMember = new Int32Array(0);
  private ownCount = new Int32Array(0);
  private subtotal = new Int32Array(0);
  private mergedCount = 0;
  /** identities visited by member walks since creation (a work counter for tests and benchmarks) */
  walked = 0;
  private byUuid: Map<string, number> | null = null;
  // ---- identities (the projection's dense ids)
  private nodeCamp = new Int32Array(0);
  private nodeSeq = new Float64Array(0);
  private nextMember = new Int32Array(0);
  private prevMember = new Int32Array(0);
  private foundedCol = new Int32Array(0);

  /** `idPrefix` is the domain's UUIDv5 name prefix (domains.ts): '' in the default domain. */
  constructor(
    readonly uuidOf: (id: number) => string, private readonly idOf: (uuid: string) => number | undefined,
    private readonly idPrefix = '',
  ) {}

  /** A read-only view by campaign uuid (tests, diagnostics). */
  readonly campaigns: ReadonlyMap<string, CampaignView> = new CampaignsView(this);

  get size(): number {
    return this.count;
  }

  get merged(): number {
    return this.mergedCount;
  }

  /** Identity columns hold ids below this. */
  get nodeCapacity(): number {
    return this.nodeCamp.length;
  }

  ensureNode(id: number): void {
    if (id < this.nodeCamp.length) return;
    this.nodeCamp = growI32(this.nodeCamp, id + 1, -1);
    this.nodeSeq = growF64(this.nodeSeq, id + 1);
    this.nextMember = growI32(this.nextMember, id + 1, -1);
    this.prevMember = growI32(this.prevMember, id + 1, -1);
    this.foundedCol = growI32(this.foundedCol, id + 1);
  }

  // =========================================================================================
  // campaigns

  uuid(c: number): string {
    return formatUuid(this.uuidBytes, 16 * c);
  }

  /** Campaigns by age (formation sequence; unique). */
  readonly byAgeOrder = (a: number, b: number): number => this.formedSeq[a] - this.formedSeq[b];

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

  setFormedSeq(c: number, seq: number): void {
    this.formedSeq[c] = seq;
  }

  mergedIntoOf(c: number): number {
    return this.mergedIntoCol[c];
  }

  childrenIds(c: number): number[] {
    const out: number[] = [];
    for (let x = this.firstChild[c]; x >= 0; x = this.nextSib[x]) out.push(x);
    return out;
  }

  /** Children of c with at least one live member (they lead c's child list). */
  liveChildren(c: number, out: number[]): number[] {
    for (let x = this.firstChild[c]; x >= 0 && this.subtotal[x] > 0; x = this.nextSib[x]) out.push(x);
    return out;
  }

  liveChildrenCount(c: number): number {
    return this.liveChildCount[c];
  }

  ownMembers(c: number): number[] {
    const out: number[] = [];
    for (let u = this.firstMember[c]; u >= 0; u = this.nextMember[u]) out.push(u);
    return out;
  }

  ownCountOf(c: number): number {
    return this.ownCount[c];
  }

  canonicalId(c: number): number {
    while (this.mergedIntoCol[c] >= 0) c = this.mergedIntoCol[c];
    return c;
  }

  canonical(campaign: string): string {
    const c = this.idOfCampaign(campaign);
    return c === undefined ? campaign : this.uuid(this.canonicalId(c));
  }

  /** Live identities under c (its own and those of campaigns merged into it). */
  liveCount(c: number): number {
    return this.subtotal[c];
  }

  /** Live identities whose canonical chain passes through c, appended to `out`. */
  canonicalMemberIds(c: number, out: number[] = []): number[] {
    if (this.subtotal[c] === 0) return out;
    const from = out.length;
    const stack = [c];
    while (stack.length) {
      const s = stack.pop()!;
      for (let u = this.firstMember[s]; u >= 0; u = this.nextMember[u]) out.push(u);
      for (let x = this.firstChild[s]; x >= 0 && this.subtotal[x] > 0; x = this.nextSib[x]) stack.push(x);
    }
    this.walked += out.length - from;
    return out;
  }

  canonicalMembers(c: string): string[] {
    const id = this.idOfCampaign(c);
    return id === undefined ? [] : this.canonicalMemberIds(id).map(this.uuidOf).sort();
  }

  /**
   * Some live identity under c for which `skip` is false, -1 when none. Depth first, descending
   * into a child as soon as it is reached, and only into children with live members: the cost
   * is the skipped identities plus the campaigns on the way, never c's number of children.
   */
  findLiveMember(c: number, skip?: (u: number) => boolean): number {
    if (this.subtotal[c] === 0) return -1;
    // (campaign, next child to visit) pairs
    const stack: number[] = [c, -2];
    while (stack.length) {
      const top = stack.length - 2;
      const s = stack[top];
      let x = stack[top + 1];
      if (x === -2) {
        for (let u = this.firstMember[s]; u >= 0; u = this.nextMember[u]) {
          this.walked++;
          if (!skip || !skip(u)) return u;
        }
        x = this.firstChild[s];
      }
      if (x >= 0 && this.subtotal[x] > 0) {
        stack[top + 1] = this.nextSib[x];
        stack.push(x, -2);
      } else stack.length = top;
    }
    return -1;
  }

  /** Some live identity under c, -1 when none. */
  anyLiveMember(c: number): number {
    return this.findLiveMember(c);
  }

  // =========================================================================================
  // identities

  /** Canonical campaign of an identity, -1 when unassigned. */
  campaignIdOf(u: number): number {
    const c = u < this.nodeCamp.length ? this.nodeCamp[u] : -1;
    return c < 0 ? -1 : this.canonicalId(c);
  }

  /** The campaign an identity is literally assigned to (not followed to its canonical), -1 = none. */
  assignedTo(u: number): number {
    return u < this.nodeCamp.length ? this.nodeCamp[u] : -1;
  }

  /** Sequence of the event that assigned the identity (orders "earliest-assigned"). */
  assignedSeq(u: number): number {
    return this.nodeSeq[u];
  }

  campaignOf(identity: string): string | undefined {
    const u = this.idOf(identity);
    if (u === undefined) return undefined;
    const c = this.campaignIdOf(u);
    return c < 0 ? undefined : this.uuid(c);
  }

  /** How many campaigns the identity founded (the n of its next campaign id). */
  founded(u: number): number {
    return this.foundedCol[u];
  }

  // =========================================================================================
  // mutation

  /** A new campaign founded by `founder` (uuid from the founder and its founding count). */
  newCampaign(founder: number): number {
    const c = this.count++;
    this.ensureCapacity(c);
    const n = this.foundedCol[founder]++;
    campaignIdInto(this.uuidOf(founder), n, this.uuidBytes, 16 * c, this.idPrefix);
    this.byUuid?.set(this.uuid(c), c);
    return c;
  }

  /** Assigns u to campaign c by the event with sequence `seq` (leaving its previous campaign). */
  assign(u: number, c: number, seq: number): void {
    if (this.nodeCamp[u] >= 0) this.unassign(u);
    const h = this.firstMember[c];
    this.nextMember[u] = h;
    this.prevMember[u] = -1;
    if (h >= 0) this.prevMember[h] = u;
    this.firstMember[c] = u;
    this.nodeCamp[u] = c;
    this.ownCount[c]++;
    this.adjust(c, 1);
    this.nodeSeq[u] = seq;
  }

  /** u leaves the campaign it is assigned to (a no-op when it has none). */
  unassign(u: number): void {
    const c = this.nodeCamp[u];
    if (c < 0) return;
    const p = this.prevMember[u];
    const n = this.nextMember[u];
    if (p >= 0) this.nextMember[p] = n;
    else this.firstMember[c] = n;
    if (n >= 0) this.prevMember[n] = p;
    this.nextMember[u] = -1;
    this.prevMember[u] = -1;
    this.nodeCamp[u] = -1;
    this.ownCount[c]--;
    this.adjust(c, -1);
  }

  mergeInto(loser: number, winner: number): void {
    this.mergedIntoCol[loser] = winner;
    this.attachChild(winner, loser);
    this.adjust(winner, this.subtotal[loser]);
    this.mergedCount++;
  }

  unmergeFrom(l: number, k: number): void {
    this.detachChild(k, l);
    this.mergedIntoCol[l] = -1;
    this.adjust(k, -this.subtotal[l]);
    this.mergedCount--;
  }

  restoreCampaign(uuid: string, formedSeq: number): number {
    const c = this.count++;
    this.ensureCapacity(c);
    this.uuidBytes.set(parseUuid(uuid), 16 * c);
    this.formedSeq[c] = formedSeq;
    this.byUuid?.set(this.uuid(c), c);
    return c;
  }

  restoreFounded(u: number, n: number): void {
    this.ensureNode(u);
    this.foundedCol[u] = n;
  }

  // =========================================================================================
  // internals

  private ensureCapacity(c: number): void {
    if (c < this.formedSeq.length) return;
    const n = nextCapacity(Math.max(this.formedSeq.length, 512), c + 1);
    this.formedSeq = growF64(this.formedSeq, n);
    this.mergedIntoCol = growI32(this.mergedIntoCol, n, -1);
    this.firstChild = growI32(this.firstChild, n, -1);
    this.lastChild = growI32(this.lastChild, n, -1);
    this.nextSib = growI32(this.nextSib, n, -1);
    this.prevSib = growI32(this.prevSib, n, -1);
    this.liveChildCount = growI32(this.liveChildCount, n);
    this.firstMember = growI32(this.firstMember, n, -1);
    this.ownCount = growI32(this.ownCount, n);
    this.subtotal = growI32(this.subtotal, n);
    const b = new Uint8Array(16 * this.formedSeq.length);
    b.set(this.uuidBytes);
    this.uuidBytes = b;
  }

  /** Adds d live identities to c and every campaign it is merged into, keeping child lists live-first. */
  private adjust(c: number, d: number): void {
    if (d === 0) return;
    for (let x = c; x >= 0; x = this.mergedIntoCol[x]) {
      const was = this.subtotal[x];
      this.subtotal[x] = was + d;
      const parent = this.mergedIntoCol[x];
      if (parent >= 0 && (was === 0) !== (was + d === 0)) {
        // x turned live or empty: it moves to its side of the parent's list
        this.detachChild(parent, x, was > 0);
        this.attachChild(parent, x);
      }
    }
  }

  /** Links x into p's children: at the front when it has live members, else at the back. */
  private attachChild(p: number, x: number): void {
    if (this.subtotal[x] > 0) {
      const h = this.firstChild[p];
      this.nextSib[x] = h;
      this.prevSib[x] = -1;
      if (h >= 0) this.prevSib[h] = x;
      else this.lastChild[p] = x;
      this.firstChild[p] = x;
      this.liveChildCount[p]++;
    } else {
      const t = this.lastChild[p];
      this.prevSib[x] = t;
      this.nextSib[x] = -1;
      if (t >= 0) this.nextSib[t] = x;
      else this.firstChild[p] = x;
      this.lastChild[p] = x;
    }
  }

  private detachChild(p: number, x: number, wasLive = this.subtotal[x] > 0): void {
    const a = this.prevSib[x];
    const b = this.nextSib[x];
    if (a >= 0) this.nextSib[a] = b;
    else this.firstChild[p] = b;
    if (b >= 0) this.prevSib[b] = a;
    else this.lastChild[p] = a;
    this.nextSib[x] = -1;
    this.prevSib[x] = -1;
    if (wasLive) this.liveChildCount[p]--;
  }
}

/** `registry.campaigns`: a live, read-only map view keyed by campaign uuid. */
class CampaignsView implements ReadonlyMap<string, CampaignView> {
  constructor(private readonly r: CampaignRegistry) {}

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
