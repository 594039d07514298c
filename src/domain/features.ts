/**
 * Per-identity evidence and the campaign features derived from it (REFERENCE §2).
 *
 * `Evidence` is what one identity's own observations contributed; it only grows. `Features`
 * is the frozen, canonical view of a graph node: the union of the evidence of the node and of
 * every identity merged into it. Every field is canonical (sorted, tie-broken by value), so the
 * features, and therefore the edges, never depend on arrival order.
 */
import type { EpochSeconds, Observation } from './identity-events.ts';
import { INITIAL_ACCESS, type Phase } from './phases.ts';
import { addBitCounts, halves, majorityFromCounts } from './simhash.ts';

export interface PhaseMark {
  readonly phase: Phase;
  /** start of the entry for a first phase, end for a last phase */
  readonly t: EpochSeconds;
}

/** Mutable accumulator of one identity's own observations. Fields stay null until used. */
export interface Evidence {
  asns: Set<number> | null;
  tools: Set<string> | null;
  payloads: Set<string> | null;
  c2: Set<string> | null;
  deckies: Set<string> | null;
  first: Map<string, PhaseMark> | null;
  last: Map<string, PhaseMark> | null;
  /** flat [start0, end0, start1, end1, …] in arrival order; sorted when features are built */
  windows: number[] | null;
  kdCounts: number[] | null;
  kdN: number;
  firstActivity: number;
  lastActivity: number;
  /** any ttp entry in an initial-access phase (delivery, exploitation) */
  selfAccess: boolean;
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

export function emptyEvidence(): Evidence {
  return {
    asns: null, tools: null, payloads: null, c2: null, deckies: null, first: null, last: null,
    windows: null, kdCounts: null, kdN: 0, firstActivity: Infinity, lastActivity: -Infinity,
    selfAccess: false,
  };
}

function addAll<T>(set: Set<T> | null, values: Iterable<T>): Set<T> | null {
  for (const v of values) (set ??= new Set()).add(v);
  return set;
}

/** First phase on a decky: smallest (start, phase name). */
const earlier = (a: PhaseMark, b: PhaseMark) => a.t < b.t || (a.t === b.t && a.phase < b.phase);
/** Last phase on a decky: largest (end, phase name). */
const later = (a: PhaseMark, b: PhaseMark) => a.t > b.t || (a.t === b.t && a.phase > b.phase);

function keepFirst(map: Map<string, PhaseMark>, decky: string, mark: PhaseMark): void {
  const cur = map.get(decky);
  if (!cur || earlier(mark, cur)) map.set(decky, mark);
}
function keepLast(map: Map<string, PhaseMark>, decky: string, mark: PhaseMark): void {
  const cur = map.get(decky);
  if (!cur || later(mark, cur)) map.set(decky, mark);
}

export function addObservation(ev: Evidence, obs: Observation): void {
  if (obs.asn !== null) (ev.asns ??= new Set()).add(obs.asn);
  if (obs.tools.length) ev.tools = addAll(ev.tools, obs.tools);
  if (obs.payload_hashes.length) ev.payloads = addAll(ev.payloads, obs.payload_hashes);
  if (obs.c2_endpoints.length) ev.c2 = addAll(ev.c2, obs.c2_endpoints);
  for (const s of obs.sessions) {
    (ev.deckies ??= new Set()).add(s.decky);
    (ev.windows ??= []).push(s.start, s.end);
    if (s.start < ev.firstActivity) ev.firstActivity = s.start;
    if (s.end > ev.lastActivity) ev.lastActivity = s.end;
  }
  for (const t of obs.ttp) {
    (ev.deckies ??= new Set()).add(t.decky);
    keepFirst((ev.first ??= new Map()), t.decky, { phase: t.phase, t: t.start });
    keepLast((ev.last ??= new Map()), t.decky, { phase: t.phase, t: t.end });
    if (INITIAL_ACCESS.has(t.phase)) ev.selfAccess = true;
    if (t.start < ev.firstActivity) ev.firstActivity = t.start;
    if (t.end > ev.lastActivity) ev.lastActivity = t.end;
  }
  if (obs.kd_simhash !== null) {
    addBitCounts((ev.kdCounts ??= new Array<number>(64).fill(0)), obs.kd_simhash);
    ev.kdN++;
  }
}

const sortedStrings = (s: Iterable<string>): string[] => [...s].sort();

function unionSorted(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] < b[j]) out.push(a[i++]);
    else if (a[i] > b[j]) out.push(b[j++]);
    else { out.push(a[i++]); j++; }
  }
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

/** Builds a node's features from the evidence of the node and every identity merged into it. */
export function buildFeatures(uuid: string, parts: readonly Evidence[]): Features {
  const asns = new Set<number>();
  const tools = new Set<string>();
  const payloads = new Set<string>();
  const c2 = new Set<string>();
  const deckies = new Set<string>();
  const first = new Map<string, PhaseMark>();
  const last = new Map<string, PhaseMark>();
  const pairs: Array<[number, number]> = [];
  let kdCounts: number[] | null = null;
  let kdN = 0;
  let firstActivity = Infinity;
  let lastActivity = -Infinity;
  let selfAccess = false;
  for (const ev of parts) {
    if (ev.selfAccess) selfAccess = true;
    if (ev.asns) for (const v of ev.asns) asns.add(v);
    if (ev.tools) for (const v of ev.tools) tools.add(v);
    if (ev.payloads) for (const v of ev.payloads) payloads.add(v);
    if (ev.c2) for (const v of ev.c2) c2.add(v);
    if (ev.deckies) for (const v of ev.deckies) deckies.add(v);
    if (ev.first) for (const [d, m] of ev.first) keepFirst(first, d, m);
    if (ev.last) for (const [d, m] of ev.last) keepLast(last, d, m);
    if (ev.windows) for (let i = 0; i < ev.windows.length; i += 2) pairs.push([ev.windows[i], ev.windows[i + 1]]);
    if (ev.kdCounts) {
      kdCounts ??= new Array<number>(64).fill(0);
      for (let i = 0; i < 64; i++) kdCounts[i] += ev.kdCounts[i];
      kdN += ev.kdN;
    }
    if (ev.firstActivity < firstActivity) firstActivity = ev.firstActivity;
    if (ev.lastActivity > lastActivity) lastActivity = ev.lastActivity;
  }
  pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const windows = new Float64Array(pairs.length * 2);
  let windowTotal = 0;
  for (let i = 0; i < pairs.length; i++) {
    windows[2 * i] = pairs[i][0];
    windows[2 * i + 1] = pairs[i][1];
    windowTotal += pairs[i][1] - pairs[i][0];
  }
  const kd = kdCounts ? majorityFromCounts(kdCounts, kdN) : null;
  const [kdHi, kdLo] = kd === null ? [0, 0] : halves(kd);
  const payloadList = sortedStrings(payloads);
  const c2List = sortedStrings(c2);
  return {
    uuid,
    asns: [...asns].sort((x, y) => x - y),
    tools: sortedStrings(tools),
    payloads: payloadList,
    c2: c2List,
    infra: unionSorted(payloadList, c2List),
    deckies: sortedStrings(deckies),
    first: sortedMap(first),
    last: sortedMap(last),
    windows,
    windowTotal,
    kd,
    kdHi,
    kdLo,
    firstActivity: firstActivity === Infinity ? null : firstActivity,
    lastActivity: lastActivity === -Infinity ? null : lastActivity,
    selfAccess,
  };
}

function sortedMap(m: Map<string, PhaseMark>): Map<string, PhaseMark> {
  if (m.size < 2) return m;
  return new Map([...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

const sameList = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((v, i) => v === b[i]);
function sameMarks(a: ReadonlyMap<string, PhaseMark>, b: ReadonlyMap<string, PhaseMark>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, m] of a) {
    const n = b.get(k);
    if (!n || n.phase !== m.phase || n.t !== m.t) return false;
  }
  return true;
}

/** True when two feature records would score identically against every other node. */
export function sameFeatures(a: Features, b: Features): boolean {
  return a.kd === b.kd && a.selfAccess === b.selfAccess && a.windowTotal === b.windowTotal && a.firstActivity === b.firstActivity &&
    a.lastActivity === b.lastActivity && sameList(a.asns, b.asns) && sameList(a.tools, b.tools) &&
    sameList(a.payloads, b.payloads) && sameList(a.c2, b.c2) && sameList(a.deckies, b.deckies) &&
    sameList(Array.from(a.windows), Array.from(b.windows)) && sameMarks(a.first, b.first) && sameMarks(a.last, b.last);
}
