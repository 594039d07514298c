/**
 * Per-identity evidence and the campaign features derived from it (REFERENCE §2).
 *
 * `Evidence` is what one identity's own observations contributed; it only grows. `Features`
 * is the frozen, canonical view of a graph node: the union of the evidence of the node and of
 * every identity merged into it. Every field is canonical (sorted, tie-broken by value), so the
 * features, and therefore the edges, never depend on arrival order.
 *
 * Memory and speed: evidence is kept in its canonical form already (sorted, duplicate-free
 * arrays, sorted phase marks, sorted windows with their total) and every container is replaced,
 * never mutated, when an observation adds to it. A node built from its own evidence alone (the
 * common case) therefore shares those containers with its features instead of rebuilding them.
 */
import { unionSorted } from './sorted-lists.ts';
import type { EpochSeconds, Observation } from './identity-events.ts';
import { INITIAL_ACCESS, type Phase } from './phases.ts';
import { halves } from './simhash.ts';

export interface PhaseMark {
  readonly phase: Phase;
  /** start of the entry for a first phase, end for a last phase */
  readonly t: EpochSeconds;
}

export interface Features {
  readonly uuid: string;
  readonly asns: readonly number[];
  readonly tools: readonly string[];
  readonly payloads: readonly string[];
  readonly c2: readonly string[];
  /** payloads ∪ c2 as plain strings: the shared-infra family does not tag them (REFERENCE §3.2). */
  readonly infra: readonly string[];
  readonly deckies: readonly string[];
  readonly first: ReadonlyMap<string, PhaseMark>;
  readonly last: ReadonlyMap<string, PhaseMark>;
  /** flat [start, end, …] sorted by (start, end) */
  readonly windows: Float64Array;
  /** Σ (end − start) over `windows`, summed in sorted order. */
  readonly windowTotal: number;
  readonly kd: bigint | null;
  readonly kdHi: number;
  readonly kdLo: number;
  readonly firstActivity: EpochSeconds | null;
  readonly lastActivity: EpochSeconds | null;
  /** The identity gained access by itself somewhere (a delivery or exploitation phase). */
  readonly selfAccess: boolean;
}

/**
 * An immutable map decky → phase mark with keys in sorted order: the single entry most
 * identities have is held inline, more as one flat array [decky0, mark0, decky1, mark1, …].
 * A fraction of a `Map`'s footprint.
 */
export class Marks implements ReadonlyMap<string, PhaseMark> {
  private readonly k0: string | null;
  private readonly m0: PhaseMark | null;
  private readonly kv: ReadonlyArray<string | PhaseMark> | null;

  constructor(kv: ReadonlyArray<string | PhaseMark>) {
    if (kv.length === 2) {
      this.k0 = kv[0] as string;
      this.m0 = kv[1] as PhaseMark;
      this.kv = null;
    } else {
      this.k0 = null;
      this.m0 = null;
      this.kv = kv.length ? kv : null;
    }
  }

  get size(): number {
    return this.kv ? this.kv.length >> 1 : this.k0 === null ? 0 : 1;
  }
  /** decky at position i (sorted order) */
  key(i: number): string {
    return this.kv ? (this.kv[2 * i] as string) : this.k0!;
  }
  mark(i: number): PhaseMark {
    return this.kv ? (this.kv[2 * i + 1] as PhaseMark) : this.m0!;
  }
  private indexOf(k: string): number {
    const kv = this.kv;
    if (kv === null) return this.k0 === k ? 0 : -1;
    if (kv.length <= 16) {
      for (let i = 0; i < kv.length; i += 2) if (kv[i] === k) return i >> 1;
      return -1;
    }
    let lo = 0;
    let hi = kv.length >> 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = kv[2 * mid] as string;
      if (m === k) return mid;
      if (m < k) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }
  get(k: string): PhaseMark | undefined {
    const i = this.indexOf(k);
    return i < 0 ? undefined : this.mark(i);
  }
  has(k: string): boolean {
    return this.indexOf(k) >= 0;
  }
  *entries(): MapIterator<[string, PhaseMark]> {
    for (let i = 0; i < this.size; i++) yield [this.key(i), this.mark(i)];
  }
  keys(): MapIterator<string> {
    const out: string[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.key(i));
    return out[Symbol.iterator]() as MapIterator<string>;
  }
  *values(): MapIterator<PhaseMark> {
    for (let i = 0; i < this.size; i++) yield this.mark(i);
  }
  forEach(cb: (value: PhaseMark, key: string, map: ReadonlyMap<string, PhaseMark>) => void, thisArg?: unknown): void {
    for (let i = 0; i < this.size; i++) cb.call(thisArg, this.mark(i), this.key(i), this);
  }
  [Symbol.iterator](): MapIterator<[string, PhaseMark]> {
    return this.entries();
  }
  get [Symbol.toStringTag](): string {
    return 'Marks';
  }
}

const EMPTY_STRINGS: readonly string[] = Object.freeze([]);
const EMPTY_NUMBERS: readonly number[] = Object.freeze([]);
const EMPTY_MARKS = new Marks([]);
const EMPTY_WINDOWS = new Float64Array(0);

// ---- window storage: small Float64Arrays are views into shared 64 KiB slabs (no ArrayBuffer
// and no malloc per identity). A replaced view's slot is not reused: slabs die with their views.
let slab = new ArrayBuffer(1 << 16);
let slabUsed = 0;
function allocWindows(n: number): Float64Array {
  if (n === 0) return EMPTY_WINDOWS;
  const bytes = 8 * n;
  if (bytes > 4096) return new Float64Array(n);
  if (slabUsed + bytes > slab.byteLength) {
    slab = new ArrayBuffer(1 << 16);
    slabUsed = 0;
  }
  const v = new Float64Array(slab, slabUsed, n);
  slabUsed += bytes;
  return v;
}

/**
 * One identity's evidence: what its own observations contributed, in canonical form. It is
 * also a complete `Features` record (for `uuid`): a node made of this identity alone uses it
 * as is. The projection treats stored evidence as immutable (it folds an observation into a
 * copy), so features handed out never change under the engine's feet; `addObservation` on an
 * evidence of your own mutates it in place.
 */
export class Evidence implements Features {
  // Storage behind `windows` (engine-internal): the array when there are two or more windows,
  // else the single window inline (no typed array per identity), else nothing.
  w: Float64Array | null = null;
  ws: number | null = null;
  we: number | null = null;

  constructor(
    public uuid: string,
    /** sorted ascending, no duplicates */
    public asns: readonly number[],
    /** sorted (string order), no duplicates */
    public tools: readonly string[],
    public payloads: readonly string[],
    public c2: readonly string[],
    /** payloads ∪ c2 */
    public infra: readonly string[],
    public deckies: readonly string[],
    /** per decky, the first phase: smallest (start, phase); keys sorted */
    public first: Marks,
    /** per decky, the last phase: largest (end, phase); keys sorted */
    public last: Marks,
    windows: Float64Array,
    /** Σ (end − start) over `windows`, summed in sorted order */
    public windowTotal: number,
    /** majority SimHash of the keystroke digraph hashes (null without any) */
    public kd: bigint | null,
    /** unsigned halves of `kd` (0 without) */
    public kdHi: number,
    public kdLo: number,
    /** number of SimHashes folded in */
    public kdN: number,
    /** per-bit counts once there are two or more SimHashes (one alone is `kd` itself) */
    public kdCounts: Int32Array | null,
    public firstActivity: number | null,
    public lastActivity: number | null,
    /** any ttp entry in an initial-access phase (delivery, exploitation) */
    public selfAccess: boolean,
  ) {
    this.windows = windows;
  }

  /** flat [start, end, …] sorted by (start, end); a fresh array when there is one window */
  get windows(): Float64Array {
    return this.w ?? (this.ws === null ? EMPTY_WINDOWS : Float64Array.of(this.ws, this.we!));
  }

  set windows(v: Float64Array) {
    if (v.length === 2) {
      this.w = null;
      this.ws = v[0];
      this.we = v[1];
    } else {
      this.w = v.length ? v : null;
      this.ws = null;
      this.we = null;
    }
  }

  /** Number of windows × 2 (without materializing them). */
  get windowsLength(): number {
    return this.w ? this.w.length : this.ws === null ? 0 : 2;
  }

  /** A copy for `uuid` (containers shared: they are never mutated). */
  copy(uuid: string): Evidence {
    const e = new Evidence(uuid, this.asns, this.tools, this.payloads, this.c2, this.infra, this.deckies, this.first, this.last,
      EMPTY_WINDOWS, this.windowTotal, this.kd, this.kdHi, this.kdLo, this.kdN, this.kdCounts, this.firstActivity, this.lastActivity,
      this.selfAccess);
    e.w = this.w;
    e.ws = this.ws;
    e.we = this.we;
    return e;
  }
}

export function emptyEvidence(uuid = ''): Evidence {
  return new Evidence(uuid, EMPTY_NUMBERS, EMPTY_STRINGS, EMPTY_STRINGS, EMPTY_STRINGS, EMPTY_STRINGS, EMPTY_STRINGS, EMPTY_MARKS,
    EMPTY_MARKS, EMPTY_WINDOWS, 0, null, 0, 0, 0, null, null, null, false);
}

/** A copy of `e` for `uuid` (containers shared: they are never mutated). */
export function copyEvidence(e: Evidence, uuid: string): Evidence {
  return e.copy(uuid);
}

/** Stored parts of an evidence (snapshot form): the derived fields are recomputed. */
export interface EvidenceParts {
  asns?: readonly number[]; tools?: readonly string[]; payloads?: readonly string[]; c2?: readonly string[];
  deckies?: readonly string[]; first?: ReadonlyArray<readonly [string, PhaseMark]>; last?: ReadonlyArray<readonly [string, PhaseMark]>;
  windows?: readonly number[]; kdCounts?: readonly number[]; kdHi?: number; kdLo?: number; kdN?: number;
  firstActivity?: number; lastActivity?: number; selfAccess?: boolean;
}

export function evidenceToParts(e: Evidence): EvidenceParts {
  const marks = (m: Marks) => {
    const out: Array<[string, PhaseMark]> = [];
    for (let i = 0; i < m.size; i++) out.push([m.key(i), { phase: m.mark(i).phase, t: m.mark(i).t }]);
    return out.length ? out : undefined;
  };
  const list = <T>(a: readonly T[]) => (a.length ? [...a] : undefined);
  return {
    asns: list(e.asns), tools: list(e.tools), payloads: list(e.payloads), c2: list(e.c2), deckies: list(e.deckies),
    first: marks(e.first), last: marks(e.last), windows: e.windows.length ? Array.from(e.windows) : undefined,
    kdCounts: e.kdCounts ? Array.from(e.kdCounts) : undefined,
    kdHi: e.kdN > 0 ? e.kdHi : undefined, kdLo: e.kdN > 0 ? e.kdLo : undefined, kdN: e.kdN || undefined,
    firstActivity: e.firstActivity ?? undefined, lastActivity: e.lastActivity ?? undefined, selfAccess: e.selfAccess || undefined,
  };
}

export function evidenceFromParts(uuid: string, j: EvidenceParts): Evidence {
  const e = emptyEvidence(uuid);
  const strings = (a: readonly string[] | undefined) => (a && a.length ? [...a] : EMPTY_STRINGS);
  e.asns = j.asns && j.asns.length ? [...j.asns] : EMPTY_NUMBERS;
  e.tools = strings(j.tools);
  e.payloads = strings(j.payloads);
  e.c2 = strings(j.c2);
  e.infra = unionSorted(e.payloads, e.c2);
  e.deckies = strings(j.deckies);
  const toMarks = (a: ReadonlyArray<readonly [string, PhaseMark]> | undefined) => {
    if (!a || a.length === 0) return EMPTY_MARKS;
    const kv: Array<string | PhaseMark> = [];
    for (const [d, m] of a) kv.push(d, { phase: m.phase, t: m.t });
    return new Marks(kv);
  };
  e.first = toMarks(j.first);
  e.last = toMarks(j.last);
  if (j.windows && j.windows.length) {
    const w = allocWindows(j.windows.length);
    w.set(j.windows);
    e.windows = w;
    e.windowTotal = windowTotalOf(w);
  }
  e.kdN = j.kdN ?? 0;
  e.kdCounts = j.kdCounts ? Int32Array.from(j.kdCounts) : null;
  if (e.kdN > 0) {
    e.kdHi = j.kdHi ?? 0;
    e.kdLo = j.kdLo ?? 0;
    if (e.kdCounts) [e.kdHi, e.kdLo] = majorityHalves(e.kdCounts, e.kdN);
    e.kd = kdBig(e.kdHi, e.kdLo);
  }
  e.firstActivity = j.firstActivity ?? null;
  e.lastActivity = j.lastActivity ?? null;
  e.selfAccess = j.selfAccess ?? false;
  return e;
}

/** First phase on a decky: smallest (start, phase name). */
const earlier = (a: PhaseMark, b: PhaseMark) => a.t < b.t || (a.t === b.t && a.phase < b.phase);
/** Last phase on a decky: largest (end, phase name). */
const later = (a: PhaseMark, b: PhaseMark) => a.t > b.t || (a.t === b.t && a.phase > b.phase);

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byNumber = (a: number, b: number) => a - b;

// Deckies and phases repeat endlessly: keep one string instance of each (bounded).
const canonical = new Map<string, string>();
function intern(s: string): string {
  const c = canonical.get(s);
  if (c !== undefined) return c;
  if (canonical.size < INTERN_LIMIT) canonical.set(s, s);
  return s;
}

// Lists repeat a lot: an ASN, a decky, a tool, and a campaign's payloads and C2 endpoints
// (every member observes the same ones). One frozen array per distinct list, shared by every
// evidence holding it: members then share the strings too. Bounded: past the limit, lists are
// simply not shared.
const singleNumbers = new Map<number, readonly number[]>();
const singleStrings = new Map<string, readonly string[]>();
const multiStrings = new Map<string, readonly string[]>();
const INTERN_LIMIT = 4_000_000;

/** The shared instance of a sorted string list (a list of one is keyed by its element). */
function internList(list: readonly string[]): readonly string[] {
  if (list.length === 0) return EMPTY_STRINGS;
  if (list.length === 1) return oneString(list[0], true);
  if (list.length > 8) return list;
  // length-prefixed elements: no two different lists share a key
  let key = '';
  for (const v of list) key += v.length + ':' + v;
  const hit = multiStrings.get(key);
  if (hit) return hit;
  const frozen = Object.isFrozen(list) ? list : Object.freeze(list.slice());
  if (multiStrings.size < INTERN_LIMIT) multiStrings.set(key, frozen);
  return frozen;
}
function oneNumber(v: number): readonly number[] {
  let a = singleNumbers.get(v);
  if (!a) {
    a = Object.freeze([v]);
    if (singleNumbers.size < INTERN_LIMIT) singleNumbers.set(v, a);
  }
  return a;
}
function oneString(v: string, intern: boolean): readonly string[] {
  if (!intern) return [v];
  let a = singleStrings.get(v);
  if (!a) {
    a = Object.freeze([v]);
    if (singleStrings.size < INTERN_LIMIT) singleStrings.set(v, a);
  }
  return a;
}

/** `cur` ∪ `add` as a sorted duplicate-free array; `cur` itself when nothing is new. */
function mergeStrings(cur: readonly string[], add: readonly string[], intern: boolean): readonly string[] {
  if (cur.length === 0 && add.length === 1) return oneString(add[0], intern);
  const fresh = add.length === 1 ? [add[0]] : [...new Set(add)].sort(byString);
  if (cur.length === 0) return fresh.length === 1 ? oneString(fresh[0], intern) : fresh;
  return unionSorted(cur, fresh);
}

function mergeNumber(cur: readonly number[], v: number): readonly number[] {
  if (cur.length === 0) return oneNumber(v);
  let lo = 0;
  let hi = cur.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cur[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  if (lo < cur.length && cur[lo] === v) return cur;
  const out = cur.slice();
  out.splice(lo, 0, v);
  return out;
}

/** Marks with the given per-decky candidates folded in (`better(x, cur)` decides a replacement). */
function foldMarks(
  cur: Marks, deckies: readonly string[], marks: readonly PhaseMark[], better: (a: PhaseMark, b: PhaseMark) => boolean,
): Marks {
  const m = new Map<string, PhaseMark>();
  for (let i = 0; i < cur.size; i++) m.set(cur.key(i), cur.mark(i));
  let changed = false;
  for (let i = 0; i < deckies.length; i++) {
    const old = m.get(deckies[i]);
    if (!old || better(marks[i], old)) {
      m.set(deckies[i], marks[i]);
      changed = true;
    }
  }
  if (!changed) return cur;
  return marksOf(m);
}

function marksOf(m: Map<string, PhaseMark>): Marks {
  if (m.size === 0) return EMPTY_MARKS;
  const keys = m.size === 1 ? [...m.keys()] : [...m.keys()].sort(byString);
  const kv: Array<string | PhaseMark> = [];
  for (const k of keys) kv.push(k, m.get(k)!);
  return new Marks(kv);
}

/** Sorted flat windows with the `add` pairs folded in. */
function mergeWindows(cur: Float64Array, add: readonly number[]): Float64Array {
  const n = cur.length + add.length;
  if (cur.length === 0 && add.length === 2) return Float64Array.of(add[0], add[1]);
  const pairs: number[] = [];
  for (let i = 0; i < cur.length; i++) pairs.push(cur[i]);
  for (const v of add) pairs.push(v);
  const idx = Array.from({ length: n >> 1 }, (_, i) => i);
  idx.sort((x, y) => pairs[2 * x] - pairs[2 * y] || pairs[2 * x + 1] - pairs[2 * y + 1]);
  const out = n === 2 ? new Float64Array(2) : allocWindows(n);
  for (let i = 0; i < idx.length; i++) {
    out[2 * i] = pairs[2 * idx[i]];
    out[2 * i + 1] = pairs[2 * idx[i] + 1];
  }
  return out;
}

function windowTotalOf(w: Float64Array): number {
  let total = 0;
  for (let i = 0; i < w.length; i += 2) total += w[i + 1] - w[i];
  return total;
}

function addHashBits(counts: Int32Array, hi: number, lo: number): void {
  for (let i = 0; i < 32; i++) {
    if ((lo >>> i) & 1) counts[i]++;
    if ((hi >>> i) & 1) counts[32 + i]++;
  }
}

/** Bitwise strict majority of per-bit counts over n hashes: bit i is set iff more than half have it. */
function majorityHalves(counts: Int32Array, n: number): [number, number] {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 32; i++) {
    if (counts[i] * 2 > n) lo |= 1 << i;
    if (counts[32 + i] * 2 > n) hi |= 1 << i;
  }
  return [hi >>> 0, lo >>> 0];
}

const kdBig = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);

/** Folds one observation into `ev` (in place; containers are replaced, never mutated). */
export function addObservation(ev: Evidence, obs: Observation): void {
  if (obs.asn !== null) ev.asns = mergeNumber(ev.asns, obs.asn);
  if (obs.tools.length) ev.tools = mergeStrings(ev.tools, obs.tools, true);
  if (obs.payload_hashes.length) ev.payloads = internList(mergeStrings(ev.payloads, obs.payload_hashes, true));
  if (obs.c2_endpoints.length) ev.c2 = internList(mergeStrings(ev.c2, obs.c2_endpoints, true));
  if (obs.payload_hashes.length || obs.c2_endpoints.length) ev.infra = internList(unionSorted(ev.payloads, ev.c2));
  let first = ev.firstActivity;
  let last = ev.lastActivity;
  const deckies: string[] = [];
  if (obs.sessions.length) {
    const flat: number[] = [];
    for (const s of obs.sessions) {
      deckies.push(intern(s.decky));
      flat.push(s.start, s.end);
      if (first === null || s.start < first) first = s.start;
      if (last === null || s.end > last) last = s.end;
    }
    const w = mergeWindows(ev.windows, flat);
    ev.windows = w;
    ev.windowTotal = windowTotalOf(w);
  }
  if (obs.ttp.length) {
    const td: string[] = [];
    const firsts: PhaseMark[] = [];
    const lasts: PhaseMark[] = [];
    for (const t of obs.ttp) {
      const decky = intern(t.decky);
      const phase = intern(t.phase) as Phase;
      deckies.push(decky);
      td.push(decky);
      firsts.push({ phase, t: t.start });
      lasts.push({ phase, t: t.end });
      if (INITIAL_ACCESS.has(t.phase)) ev.selfAccess = true;
      if (first === null || t.start < first) first = t.start;
      if (last === null || t.end > last) last = t.end;
    }
    ev.first = foldMarks(ev.first, td, firsts, earlier);
    ev.last = foldMarks(ev.last, td, lasts, later);
  }
  ev.firstActivity = first;
  ev.lastActivity = last;
  if (deckies.length) ev.deckies = mergeStrings(ev.deckies, deckies, true);
  if (obs.kd_simhash !== null) {
    const [hi, lo] = halves(obs.kd_simhash);
    if (ev.kdN === 0) {
      ev.kdHi = hi;
      ev.kdLo = lo;
      ev.kd = kdBig(hi, lo);
    } else {
      let counts = ev.kdCounts;
      if (counts === null) {
        counts = new Int32Array(64);
        addHashBits(counts, ev.kdHi, ev.kdLo);
      } else counts = counts.slice();
      addHashBits(counts, hi, lo);
      ev.kdCounts = counts;
      [ev.kdHi, ev.kdLo] = majorityHalves(counts, ev.kdN + 1);
      ev.kd = kdBig(ev.kdHi, ev.kdLo);
    }
    ev.kdN++;
  }
}

/** Builds a node's features from the evidence of the node and every identity merged into it. */
export function buildFeatures(uuid: string, parts: readonly Evidence[]): Features {
  if (parts.length === 0) return emptyEvidence(uuid);
  if (parts.length === 1) return parts[0].uuid === uuid ? parts[0] : copyEvidence(parts[0], uuid);
  let asns: readonly number[] = EMPTY_NUMBERS;
  const tools = new Set<string>();
  const payloads = new Set<string>();
  const c2 = new Set<string>();
  const deckies = new Set<string>();
  const asnSet = new Set<number>();
  const first = new Map<string, PhaseMark>();
  const last = new Map<string, PhaseMark>();
  const flat: number[] = [];
  let counts: Int32Array | null = null;
  let kdN = 0;
  let firstActivity: number | null = null;
  let lastActivity: number | null = null;
  let selfAccess = false;
  for (const ev of parts) {
    if (ev.selfAccess) selfAccess = true;
    for (const v of ev.asns) asnSet.add(v);
    for (const v of ev.tools) tools.add(v);
    for (const v of ev.payloads) payloads.add(v);
    for (const v of ev.c2) c2.add(v);
    for (const v of ev.deckies) deckies.add(v);
    for (let i = 0; i < ev.first.size; i++) {
      const d = ev.first.key(i);
      const m = ev.first.mark(i);
      const cur = first.get(d);
      if (!cur || earlier(m, cur)) first.set(d, m);
    }
    for (let i = 0; i < ev.last.size; i++) {
      const d = ev.last.key(i);
      const m = ev.last.mark(i);
      const cur = last.get(d);
      if (!cur || later(m, cur)) last.set(d, m);
    }
    if (ev.windowsLength) {
      const w = ev.windows;
      for (let i = 0; i < w.length; i++) flat.push(w[i]);
    }
    if (ev.kdN > 0) {
      counts ??= new Int32Array(64);
      if (ev.kdCounts) for (let i = 0; i < 64; i++) counts[i] += ev.kdCounts[i];
      else addHashBits(counts, ev.kdHi, ev.kdLo);
      kdN += ev.kdN;
    }
    if (ev.firstActivity !== null && (firstActivity === null || ev.firstActivity < firstActivity)) firstActivity = ev.firstActivity;
    if (ev.lastActivity !== null && (lastActivity === null || ev.lastActivity > lastActivity)) lastActivity = ev.lastActivity;
  }
  if (asnSet.size) asns = [...asnSet].sort(byNumber);
  const windows = flat.length ? mergeWindows(EMPTY_WINDOWS, flat) : EMPTY_WINDOWS;
  const [hi, lo] = counts ? majorityHalves(counts, kdN) : [0, 0];
  const list = (s: Set<string>) => (s.size ? [...s].sort(byString) : EMPTY_STRINGS);
  const p = list(payloads);
  const c = list(c2);
  return new Evidence(
    uuid, asns, list(tools), p, c, unionSorted(p, c), list(deckies), marksOf(first), marksOf(last), windows, windowTotalOf(windows),
    kdN > 0 ? kdBig(hi, lo) : null, hi, lo, kdN, counts, firstActivity, lastActivity, selfAccess,
  );
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameMarks(a: ReadonlyMap<string, PhaseMark>, b: ReadonlyMap<string, PhaseMark>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [k, m] of a) {
    const n = b.get(k);
    if (!n || n.phase !== m.phase || n.t !== m.t) return false;
  }
  return true;
}

function sameEvidenceWindows(a: Evidence, b: Evidence): boolean {
  if (a.w || b.w) return a.w !== null && b.w !== null && sameWindows(a.w, b.w);
  return a.ws === b.ws && a.we === b.we;
}

function sameWindows(a: Float64Array, b: Float64Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when two feature records would score identically against every other node. */
export function sameFeatures(a: Features, b: Features): boolean {
  return a.kd === b.kd && a.selfAccess === b.selfAccess && a.windowTotal === b.windowTotal && a.firstActivity === b.firstActivity &&
    a.lastActivity === b.lastActivity && sameList(a.asns, b.asns) && sameList(a.tools, b.tools) &&
    sameList(a.payloads, b.payloads) && sameList(a.c2, b.c2) && sameList(a.deckies, b.deckies) &&
    (a instanceof Evidence && b instanceof Evidence ? sameEvidenceWindows(a, b) : sameWindows(a.windows, b.windows)) &&
    sameMarks(a.first, b.first) && sameMarks(a.last, b.last);
}
