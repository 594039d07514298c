/**
 * A live campaign's aggregates (activity span, payload hashes, C2 endpoints, deckies, ASNs)
 * and its confidence, computed from its members' features and the edges holding it together.
 *
 * Confidence: 0 for a single identity (nothing corroborates it as a campaign); otherwise the
 * weakest link of the maximum spanning tree over the campaign's edges, as a share of twice the
 * threshold, capped at 1. A campaign held together only by edges at exactly the threshold gets
 * 0.5; one whose every link carries two full families (e.g. handoff + identical infrastructure)
 * gets 1.
 *
 * The engine keeps, per campaign, the profile it last emitted (`ProfileStore`), compactly:
 * epoch seconds instead of ISO strings, containers shared with member features where possible.
 * A large component carries a running `ProfileAggregate` (value → member count) that tracks which
 * values entered or left since the profile was last emitted for the campaign it is linked to, so
 * a large campaign's update costs what changed, not what it holds.
 */
import type { CampaignProfileUpdated, EdgeEvidence, SetDelta } from './campaign-events.ts';
import type { Features } from './features.ts';
import { nextCapacity } from './columns.ts';
import { unionSorted } from './sorted-lists.ts';
import { fastIso, formatIso } from './time.ts';

export interface CampaignProfile {
  readonly first_activity: string | null;
  readonly last_activity: string | null;
  readonly confidence: number;
  readonly payload_hashes: readonly string[];
  readonly c2_endpoints: readonly string[];
  readonly deckies: readonly string[];
  readonly asns: readonly number[];
}

export const EMPTY_PROFILE: CampaignProfile = Object.freeze({
  first_activity: null, last_activity: null, confidence: 0, payload_hashes: [], c2_endpoints: [], deckies: [], asns: [],
});

export function computeProfile(members: readonly Features[], spanning: readonly EdgeEvidence[], threshold: number): CampaignProfile {
  const payloads = new Set<string>();
  const c2 = new Set<string>();
  const deckies = new Set<string>();
  const asns = new Set<number>();
  let first = Infinity;
  let last = -Infinity;
  for (const f of members) {
    for (const v of f.payloads) payloads.add(v);
    for (const v of f.c2) c2.add(v);
    for (const v of f.deckies) deckies.add(v);
    for (const v of f.asns) asns.add(v);
    if (f.firstActivity !== null && f.firstActivity < first) first = f.firstActivity;
    if (f.lastActivity !== null && f.lastActivity > last) last = f.lastActivity;
  }
  let confidence = 0;
  if (members.length > 1 && spanning.length > 0) {
    const weakest = spanning.reduce((m, e) => Math.min(m, e.weight), Infinity);
    confidence = Math.min(1, weakest / (2 * threshold));
  }
  return {
    first_activity: first === Infinity ? null : formatIso(first),
    last_activity: last === -Infinity ? null : formatIso(last),
    confidence,
    payload_hashes: [...payloads].sort(),
    c2_endpoints: [...c2].sort(),
    deckies: [...deckies].sort(),
    asns: [...asns].sort((a, b) => a - b),
  };
}

function delta<T>(before: readonly T[], after: readonly T[]): SetDelta<T> {
  if (before === after) return { added: [], removed: [] };
  const b = new Set(before);
  const a = new Set(after);
  return { added: after.filter((v) => !b.has(v)), removed: before.filter((v) => !a.has(v)) };
}

/** Shared empty list for deltas (frozen: the log only ever reads it). */
const NONE: readonly never[] = Object.freeze([]);

/**
 * `delta` for two sorted duplicate-free lists (stored profiles are), by one merge walk: the
 * same `added` (in `after` order) and `removed` (in `before` order) without building sets.
 */
function sortedDelta<T extends string | number>(before: readonly T[], after: readonly T[]): SetDelta<T> {
  if (before === after || (before.length === 0 && after.length === 0)) return { added: NONE, removed: NONE };
  if (before.length === 0) return { added: after, removed: NONE };
  if (after.length === 0) return { added: NONE, removed: before };
  const added: T[] = [];
  const removed: T[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length && j < after.length) {
    const x = before[i];
    const y = after[j];
    if (x === y) { i++; j++; }
    else if (x < y) { removed.push(x); i++; }
    else { added.push(y); j++; }
  }
  while (i < before.length) removed.push(before[i++]);
  while (j < after.length) added.push(after[j++]);
  return { added: added.length ? added : NONE, removed: removed.length ? removed : NONE };
}

const emptyDelta = (d: SetDelta<unknown>) => d.added.length === 0 && d.removed.length === 0;

/** The `campaign.profile.updated` payload taking `before` to `after`, or null when nothing changed. */
export function profileUpdate(campaign: string, before: CampaignProfile, after: CampaignProfile): CampaignProfileUpdated | null {
  const payload_hashes = delta(before.payload_hashes, after.payload_hashes);
  const c2_endpoints = delta(before.c2_endpoints, after.c2_endpoints);
  const deckies = delta(before.deckies, after.deckies);
  const asns = delta(before.asns, after.asns);
  const same = before.first_activity === after.first_activity && before.last_activity === after.last_activity &&
    before.confidence === after.confidence && emptyDelta(payload_hashes) && emptyDelta(c2_endpoints) &&
    emptyDelta(deckies) && emptyDelta(asns);
  if (same) return null;
  return {
    campaign_uuid: campaign,
    first_activity: after.first_activity,
    last_activity: after.last_activity,
    confidence: after.confidence,
    payload_hashes, c2_endpoints, deckies, asns,
  };
}

// =============================================================================================
// compact stored profiles

/** A profile as the engine stores it: activity as epoch seconds (NaN = none), sets sorted. */
export interface StoredProfile {
  readonly first: number;
  readonly last: number;
  readonly confidence: number;
  readonly payloads: readonly string[];
  readonly c2: readonly string[];
  readonly deckies: readonly string[];
  readonly asns: readonly number[];
}

const NO_STRINGS: readonly string[] = Object.freeze([]);
const NO_NUMBERS: readonly number[] = Object.freeze([]);

export const EMPTY_STORED: StoredProfile = Object.freeze({
  first: NaN, last: NaN, confidence: 0, payloads: NO_STRINGS, c2: NO_STRINGS, deckies: NO_STRINGS, asns: NO_NUMBERS,
});

// formatIso is pure and a campaign's first activity repeats from update to update: a small
// direct-mapped cache saves the work and the garbage.
const ISO_SLOTS = 4096;
const isoKey = new Float64Array(ISO_SLOTS).fill(NaN);
const isoVal: string[] = new Array<string>(ISO_SLOTS).fill('');

function cachedIso(t: number): string {
  const slot = (Math.floor(t) ^ (Math.floor(t) >>> 12)) & (ISO_SLOTS - 1);
  if (isoKey[slot] === t) return isoVal[slot];
  const v = fastIso(t);
  isoKey[slot] = t;
  isoVal[slot] = v;
  return v;
}
const iso = (t: number): string | null => (Number.isNaN(t) ? null : cachedIso(t));
/** Same ISO rendering (what the log compares), without formatting when the epochs are equal. */
const sameTime = (a: number, b: number): boolean =>
  a === b || (Number.isNaN(a) && Number.isNaN(b)) || (!Number.isNaN(a) && !Number.isNaN(b) && cachedIso(a) === cachedIso(b));

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toCampaignProfile(p: StoredProfile): CampaignProfile {
  return {
    first_activity: iso(p.first), last_activity: iso(p.last), confidence: p.confidence,
    payload_hashes: p.payloads, c2_endpoints: p.c2, deckies: p.deckies, asns: p.asns,
  };
}

/** The update from `before` to `after` (both stored form), or null when nothing changed. */
export function storedUpdate(campaign: string, before: StoredProfile, after: StoredProfile): CampaignProfileUpdated | null {
  if (sameTime(before.first, after.first) && sameTime(before.last, after.last) && before.confidence === after.confidence &&
    sameList(before.payloads, after.payloads) && sameList(before.c2, after.c2) && sameList(before.deckies, after.deckies) &&
    sameList(before.asns, after.asns)) return null;
  const payload_hashes = sortedDelta(before.payloads, after.payloads);
  const c2_endpoints = sortedDelta(before.c2, after.c2);
  const deckies = sortedDelta(before.deckies, after.deckies);
  const asns = sortedDelta(before.asns, after.asns);
  const same = sameTime(before.first, after.first) && sameTime(before.last, after.last) &&
    before.confidence === after.confidence && emptyDelta(payload_hashes) && emptyDelta(c2_endpoints) &&
    emptyDelta(deckies) && emptyDelta(asns);
  if (same) return null;
  return {
    campaign_uuid: campaign,
    first_activity: iso(after.first),
    last_activity: iso(after.last),
    confidence: after.confidence,
    payload_hashes, c2_endpoints, deckies, asns,
  };
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byNumber = (a: number, b: number) => a - b;

/**
 * Profile of a set of members (small campaigns: computed on demand). Lists equal to `prev`'s
 * are `prev`'s own arrays, so an unchanged aggregate allocates nothing that lives on.
 */
export function profileOfMembers(members: readonly Features[], confidence: number, prev?: StoredProfile): StoredProfile {
  if (members.length === 0) return EMPTY_STORED;
  let first = Infinity;
  let last = -Infinity;
  let payloads: readonly string[] = NO_STRINGS;
  let c2: readonly string[] = NO_STRINGS;
  let deckies: readonly string[] = NO_STRINGS;
  let asns: readonly number[] = NO_NUMBERS;
  for (const f of members) {
    if (f.firstActivity !== null && f.firstActivity < first) first = f.firstActivity;
    if (f.lastActivity !== null && f.lastActivity > last) last = f.lastActivity;
    payloads = unionSorted(payloads, f.payloads);
    c2 = unionSorted(c2, f.c2);
    deckies = unionSorted(deckies, f.deckies);
    asns = unionSorted(asns, f.asns);
  }
  if (prev) {
    if (sameList(payloads, prev.payloads)) payloads = prev.payloads;
    if (sameList(c2, prev.c2)) c2 = prev.c2;
    if (sameList(deckies, prev.deckies)) deckies = prev.deckies;
    if (sameList(asns, prev.asns)) asns = prev.asns;
  }
  return { first: first === Infinity ? NaN : first, last: last === -Infinity ? NaN : last, confidence, payloads, c2, deckies, asns };
}

// =============================================================================================
// running aggregates of large components

/** value → number of members holding it, plus the values whose presence changed since `sync`. */
class CountSet<K> {
  readonly counts = new Map<K, number>();
  /** value → whether it was present at the last sync */
  dirty: Map<K, boolean> | null = null;

  add(k: K): void {
    const n = this.counts.get(k) ?? 0;
    this.counts.set(k, n + 1);
    if (n === 0 && this.dirty && !this.dirty.has(k)) this.dirty.set(k, false);
  }

  remove(k: K): void {
    const n = this.counts.get(k)!;
    if (n === 1) {
      this.counts.delete(k);
      if (this.dirty && !this.dirty.has(k)) this.dirty.set(k, true);
    } else this.counts.set(k, n - 1);
  }

  /** Values entered and left since the sync, sorted. */
  delta(cmp: (a: K, b: K) => number): SetDelta<K> {
    const added: K[] = [];
    const removed: K[] = [];
    if (this.dirty) {
      for (const [k, was] of this.dirty) {
        const now = this.counts.has(k);
        if (now && !was) added.push(k);
        else if (!now && was) removed.push(k);
      }
    }
    return { added: added.sort(cmp), removed: removed.sort(cmp) };
  }

  current(cmp: (a: K, b: K) => number): K[] {
    return [...this.counts.keys()].sort(cmp);
  }

  /** The values as they were at the last sync. */
  atSync(cmp: (a: K, b: K) => number): K[] {
    const out: K[] = [];
    for (const k of this.counts.keys()) if (!this.dirty || this.dirty.get(k) !== false) out.push(k);
    if (this.dirty) for (const [k, was] of this.dirty) if (was && !this.counts.has(k)) out.push(k);
    return out.sort(cmp);
  }
}

/** min or max of a multiset of times, recomputed lazily when its extreme leaves. */
class Extreme {
  private readonly counts = new Map<number, number>();
  private value = NaN;
  private stale = false;
  constructor(private readonly max: boolean) {}

  add(t: number): void {
    this.counts.set(t, (this.counts.get(t) ?? 0) + 1);
    if (!this.stale && (Number.isNaN(this.value) || (this.max ? t > this.value : t < this.value))) this.value = t;
  }

  remove(t: number): void {
    const n = this.counts.get(t)!;
    if (n === 1) {
      this.counts.delete(t);
      if (t === this.value) this.stale = true;
    } else this.counts.set(t, n - 1);
  }

  get(): number {
    if (this.stale) {
      this.stale = false;
      this.value = NaN;
      for (const t of this.counts.keys()) if (Number.isNaN(this.value) || (this.max ? t > this.value : t < this.value)) this.value = t;
    }
    return this.value;
  }
}

export class ProfileAggregate {
  private readonly payloads = new CountSet<string>();
  private readonly c2 = new CountSet<string>();
  private readonly deckies = new CountSet<string>();
  private readonly asns = new CountSet<number>();
  private readonly firsts = new Extreme(false);
  private readonly lasts = new Extreme(true);
  /** campaign whose stored profile is this aggregate as of the last sync, -1 = none */
  linked = -1;
  private synced: { first: number; last: number; confidence: number } | null = null;
  /** called before the aggregate stops tracking its linked campaign */
  onDetach: ((agg: ProfileAggregate) => void) | null = null;

  add(f: Features): void {
    for (const v of f.payloads) this.payloads.add(v);
    for (const v of f.c2) this.c2.add(v);
    for (const v of f.deckies) this.deckies.add(v);
    for (const v of f.asns) this.asns.add(v);
    if (f.firstActivity !== null) this.firsts.add(f.firstActivity);
    if (f.lastActivity !== null) this.lasts.add(f.lastActivity);
  }

  remove(f: Features): void {
    for (const v of f.payloads) this.payloads.remove(v);
    for (const v of f.c2) this.c2.remove(v);
    for (const v of f.deckies) this.deckies.remove(v);
    for (const v of f.asns) this.asns.remove(v);
    if (f.firstActivity !== null) this.firsts.remove(f.firstActivity);
    if (f.lastActivity !== null) this.lasts.remove(f.lastActivity);
  }

  /** The profile as it stands. */
  current(confidence: number): StoredProfile {
    return {
      first: this.firsts.get(), last: this.lasts.get(), confidence,
      payloads: this.payloads.current(byString), c2: this.c2.current(byString),
      deckies: this.deckies.current(byString), asns: this.asns.current(byNumber),
    };
  }

  /** The linked campaign's stored profile (the aggregate as of the last sync). */
  atSync(): StoredProfile {
    const s = this.synced!;
    return {
      first: s.first, last: s.last, confidence: s.confidence,
      payloads: this.payloads.atSync(byString), c2: this.c2.atSync(byString),
      deckies: this.deckies.atSync(byString), asns: this.asns.atSync(byNumber),
    };
  }

  /** The update since the last sync for the linked campaign, or null when nothing changed. */
  update(campaign: string, confidence: number): CampaignProfileUpdated | null {
    const s = this.synced!;
    const first = this.firsts.get();
    const last = this.lasts.get();
    const payload_hashes = this.payloads.delta(byString);
    const c2_endpoints = this.c2.delta(byString);
    const deckies = this.deckies.delta(byString);
    const asns = this.asns.delta(byNumber);
    const same = sameTime(s.first, first) && sameTime(s.last, last) && s.confidence === confidence &&
      emptyDelta(payload_hashes) && emptyDelta(c2_endpoints) && emptyDelta(deckies) && emptyDelta(asns);
    if (same) return null;
    return {
      campaign_uuid: campaign, first_activity: iso(first), last_activity: iso(last), confidence,
      payload_hashes, c2_endpoints, deckies, asns,
    };
  }

  /** From now on, deltas are relative to the aggregate as it stands, for `campaign`. */
  sync(campaign: number, confidence: number): void {
    if (this.linked !== campaign && this.linked >= 0) this.onDetach?.(this);
    this.linked = campaign;
    this.synced = { first: this.firsts.get(), last: this.lasts.get(), confidence };
    this.payloads.dirty = new Map();
    this.c2.dirty = new Map();
    this.deckies.dirty = new Map();
    this.asns.dirty = new Map();
  }

  /** Stops tracking the linked campaign (its stored profile is materialized by `onDetach`). */
  detach(): void {
    if (this.linked >= 0) this.onDetach?.(this);
    this.unlink();
  }

  unlink(): void {
    this.linked = -1;
    this.synced = null;
    this.payloads.dirty = null;
    this.c2.dirty = null;
    this.deckies.dirty = null;
    this.asns.dirty = null;
  }
}

/**
 * The last emitted profile of every campaign: stored compactly, or, for a campaign linked to a
 * large component's aggregate, implied by that aggregate (materialized when the link ends).
 */
export class ProfileStore {
  // Columns by campaign id. NaN first = no stored profile (an emitted profile always has one,
  // or is EMPTY: then `empty` is set).
  private first = new Float64Array(0);
  private last = new Float64Array(0);
  private conf = new Float64Array(0);
  private flags = new Uint8Array(0);
  private readonly payloads: Array<readonly string[] | undefined> = [];
  private readonly c2: Array<readonly string[] | undefined> = [];
  private readonly deckies: Array<readonly string[] | undefined> = [];
  private readonly asns: Array<readonly number[] | undefined> = [];
  private readonly linkedTo: Array<ProfileAggregate | undefined> = [];

  private readonly detachHandler = (agg: ProfileAggregate): void => {
    const c = agg.linked;
    if (c < 0 || this.linkedTo[c] !== agg) return;
    this.linkedTo[c] = undefined;
    this.store(c, agg.atSync());
  };

  private ensure(c: number): void {
    if (c < this.first.length) return;
    const n = nextCapacity(Math.max(this.first.length, 512), c + 1);
    const f = new Float64Array(n);
    f.set(this.first);
    this.first = f;
    const l = new Float64Array(n);
    l.set(this.last);
    this.last = l;
    const k = new Float64Array(n);
    k.set(this.conf);
    this.conf = k;
    const g = new Uint8Array(n);
    g.set(this.flags);
    this.flags = g;
  }

  private store(c: number, p: StoredProfile): void {
    this.ensure(c);
    this.first[c] = p.first;
    this.last[c] = p.last;
    this.conf[c] = p.confidence;
    this.flags[c] = 1;
    this.put(c, p.payloads.length ? p.payloads : undefined, p.c2.length ? p.c2 : undefined,
      p.deckies.length ? p.deckies : undefined, p.asns.length ? p.asns : undefined);
  }

  private put(
    c: number, p: readonly string[] | undefined, k: readonly string[] | undefined, d: readonly string[] | undefined, a: readonly number[] | undefined,
  ): void {
    // Columns grow densely (campaign ids are dense), so the arrays stay fast-elements.
    while (this.payloads.length <= c) {
      this.payloads.push(undefined);
      this.c2.push(undefined);
      this.deckies.push(undefined);
      this.asns.push(undefined);
    }
    this.payloads[c] = p;
    this.c2[c] = k;
    this.deckies[c] = d;
    this.asns[c] = a;
  }

  get(c: number): StoredProfile {
    const agg = this.linkedTo[c];
    if (agg) return agg.atSync();
    if (c >= this.flags.length || !this.flags[c]) return EMPTY_STORED;
    return {
      first: this.first[c], last: this.last[c], confidence: this.conf[c],
      payloads: this.payloads[c] ?? NO_STRINGS, c2: this.c2[c] ?? NO_STRINGS, deckies: this.deckies[c] ?? NO_STRINGS,
      asns: this.asns[c] ?? NO_NUMBERS,
    };
  }

  has(c: number): boolean {
    return this.linkedTo[c] !== undefined || (c < this.flags.length && this.flags[c] === 1);
  }

  set(c: number, p: StoredProfile): void {
    const agg = this.linkedTo[c];
    if (agg) {
      this.linkedTo[c] = undefined;
      agg.unlink();
    }
    this.store(c, p);
  }

  isLinked(c: number, agg: ProfileAggregate): boolean {
    return this.linkedTo[c] === agg && agg.linked === c;
  }

  /** c's profile is now `agg` as it stands (the caller has emitted the update). */
  link(c: number, agg: ProfileAggregate, confidence: number): void {
    const prev = this.linkedTo[c];
    if (prev && prev !== agg) {
      this.linkedTo[c] = undefined;
      prev.unlink();
    }
    agg.onDetach = this.detachHandler;
    agg.sync(c, confidence);
    this.linkedTo[c] = agg;
    if (c < this.flags.length) this.flags[c] = 0;
    if (c < this.payloads.length) this.put(c, undefined, undefined, undefined, undefined);
  }

  /** Every campaign with a stored profile (snapshot). */
  *entries(): IterableIterator<[number, StoredProfile]> {
    const n = Math.max(this.flags.length, this.linkedTo.length);
    for (let c = 0; c < n; c++) if (this.has(c)) yield [c, this.get(c)];
  }
}
