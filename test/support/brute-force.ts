/**
 * The oracle: the O(n²) clusterer. Every pair of nodes is scored, union-find joins edges, and
 * the result is the partition the fast engine must equal exactly.
 */
import { isDensityAware, isEdge, scorePair, type Frequencies } from '../../src/domain/edges.ts';
import { HANDOFF_IN, HANDOFF_OUT } from '../../src/domain/phases.ts';
import type { Features } from '../../src/domain/features.ts';
import { isAnalystEvent, type IdentityEvent } from '../../src/domain/identity-events.ts';
import type { ScoringProfile } from '../../src/domain/profile.ts';
import { DEFAULT_PROFILE } from '../../src/domain/profile.ts';
import { Projection } from '../../src/domain/projection.ts';

/**
 * The counts a density-aware profile scores with, recomputed from the nodes alone (the batch's
 * end state): token holders, and per decky the OUT last phases and the IN first phases that can
 * receive a foothold. Plain scans: the oracle shares no bookkeeping with the engine.
 */
export function frequenciesOf(nodes: readonly Features[], profile: ScoringProfile): Frequencies {
  const holders = new Map<string, number>();
  const outs = new Map<string, number[]>();
  const ins = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, d: string, t: number) => m.set(d, [...(m.get(d) ?? []), t]);
  for (const f of nodes) {
    for (const t of f.infra) holders.set(t, (holders.get(t) ?? 0) + 1);
    for (const [d, m] of f.last) if (HANDOFF_OUT.has(m.phase)) push(outs, d, m.t);
    if (profile.handoffRule !== 'foothold' || !f.selfAccess) for (const [d, m] of f.first) if (HANDOFF_IN.has(m.phase)) push(ins, d, m.t);
  }
  const W = profile.handoffWindowSeconds;
  return {
    holders: (t) => holders.get(t) ?? 0,
    outsBefore: (d, t) => (outs.get(d) ?? []).filter((x) => x >= t - W && x <= t).length,
    insAfter: (d, t) => (ins.get(d) ?? []).filter((x) => x >= t && x <= t + W).length,
  };
}

/** Union-find over identity uuids (path halving): the oracle's only data structure. */
class UnionFind {
  private readonly parent = new Map<string, string>();
  constructor(items: Iterable<string>) {
    for (const u of items) this.parent.set(u, u);
  }
  find(u: string): string {
    while (this.parent.get(u) !== u) {
      this.parent.set(u, this.parent.get(this.parent.get(u)!)!);
      u = this.parent.get(u)!;
    }
    return u;
  }
  /** Joins the sets of a and b; false when they were one already. */
  union(a: string, b: string): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return false;
    this.parent.set(ra, rb);
    return true;
  }
}

const scorer = (nodes: readonly Features[], profile: ScoringProfile) => {
  const freq = isDensityAware(profile) ? frequenciesOf(nodes, profile) : undefined;
  return (a: Features, b: Features) => scorePair(a, b, profile, freq);
};

export function bruteForcePartition(nodes: readonly Features[], profile: ScoringProfile = DEFAULT_PROFILE): string[][] {
  const score = scorer(nodes, profile);
  const uf = new UnionFind(nodes.map((f) => f.uuid));
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      if (isEdge(score(nodes[i], nodes[j]), profile)) uf.union(nodes[i].uuid, nodes[j].uuid);
    }
  }
  return canonicalPartition(nodes.map((f) => [f.uuid, uf.find(f.uuid)] as const));
}

/** Features of every node after folding `events` from scratch. */
export function featuresAfter(events: readonly IdentityEvent[]): Features[] {
  const p = new Projection();
  for (const e of events) if (!isAnalystEvent(e)) p.apply(e);
  return [...p.identities.keys()].filter((u) => p.isNode(u)).sort().map((u) => p.features(u));
}

/** A partition as sorted groups of sorted members: comparable with deepEqual. */
export function canonicalPartition(labels: Iterable<readonly [string, string]>): string[][] {
  const groups = new Map<string, string[]>();
  for (const [item, label] of labels) {
    const g = groups.get(label);
    if (g) g.push(item);
    else groups.set(label, [item]);
  }
  return [...groups.values()].map((g) => g.sort()).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** One spanning-forest edge as text: "a|b|weight" with a < b. */
export const forestEdge = (a: string, b: string, weight: number): string => (a < b ? `${a}|${b}|${weight}` : `${b}|${a}|${weight}`);

/**
 * The maximum spanning forest of every pair that is an edge, by Kruskal in the engine's total
 * order (weight descending, then (a, b) ascending): the evidence and confidence the engine must
 * derive. `pairs` limits the pairs scored (a blocked oracle); by default every pair (O(n²)).
 */
export function bruteForceForest(
  nodes: readonly Features[], profile: ScoringProfile = DEFAULT_PROFILE, pairs?: Iterable<readonly [number, number]>,
): string[] {
  const edges: Array<{ a: string; b: string; w: number }> = [];
  const score = scorer(nodes, profile);
  const consider = (i: number, j: number) => {
    const s = score(nodes[i], nodes[j]);
    if (!isEdge(s, profile)) return;
    const [a, b] = nodes[i].uuid < nodes[j].uuid ? [nodes[i].uuid, nodes[j].uuid] : [nodes[j].uuid, nodes[i].uuid];
    edges.push({ a, b, w: s.weight });
  };
  if (pairs) for (const [i, j] of pairs) consider(i, j);
  else for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) consider(i, j);
  edges.sort((x, y) => y.w - x.w || (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
  const uf = new UnionFind(nodes.map((f) => f.uuid));
  const out: string[] = [];
  for (const e of edges) if (uf.union(e.a, e.b)) out.push(forestEdge(e.a, e.b, e.w));
  return out.sort();
}

/** The engine's spanning forest in the same text form. */
export function engineForest(engine: { graph: { forEachTreeEdgeOnce(fn: (a: string, b: string, w: number) => void): void } }): string[] {
  const out: string[] = [];
  engine.graph.forEachTreeEdgeOnce((a, b, w) => out.push(forestEdge(a, b, w)));
  return out.sort();
}

/**
 * Pairs that can be edges when nodes carry no sessions and no keystroke hash (then temporal and
 * keystroke are 0, cohort adds at most its weight, and only a handoff, which needs a shared
 * decky, or shared infrastructure can reach the threshold): every pair sharing a decky or an
 * infrastructure token. Linear in the nodes for the giant-component scenarios, whose deckies
 * and tokens are shared by a handful each. Throws when a node breaks the premise.
 */
export function blockedPairs(nodes: readonly Features[]): Array<[number, number]> {
  const byKey = new Map<string, number[]>();
  nodes.forEach((f, i) => {
    if (f.windows.length || f.kd !== null) throw new Error(`blockedPairs: ${f.uuid} has sessions or a keystroke hash`);
    for (const k of [...f.deckies.map((d) => `d:${d}`), ...f.infra.map((t) => `t:${t}`)]) {
      const list = byKey.get(k);
      if (list) list.push(i);
      else byKey.set(k, [i]);
    }
  });
  const seen = new Set<string>();
  const out: Array<[number, number]> = [];
  for (const list of byKey.values()) {
    for (let x = 0; x < list.length; x++) {
      for (let y = x + 1; y < list.length; y++) {
        const i = Math.min(list[x], list[y]);
        const j = Math.max(list[x], list[y]);
        const key = `${i},${j}`;
        if (!seen.has(key)) {
          seen.add(key);
          out.push([i, j]);
        }
      }
    }
  }
  return out;
}

/** The partition from the blocked pairs (equal to bruteForcePartition under blockedPairs' premise). */
export function blockedPartition(nodes: readonly Features[], profile: ScoringProfile = DEFAULT_PROFILE): string[][] {
  const uf = new UnionFind(nodes.map((f) => f.uuid));
  const score = scorer(nodes, profile);
  for (const [i, j] of blockedPairs(nodes)) {
    if (isEdge(score(nodes[i], nodes[j]), profile)) uf.union(nodes[i].uuid, nodes[j].uuid);
  }
  return canonicalPartition(nodes.map((f) => [f.uuid, uf.find(f.uuid)] as const));
}

// ---------------------------------------------------------------------------------------------
// Analyst overrides (docs/ANALYSTS.md), re-derived the slow way: the stream folded in order with
// plain scans, conflicts settled with a relabelling partition, and constrained Kruskal over every
// pair. Nothing here is shared with the engine's bookkeeping (overrides.ts, constrained-forest.ts).

interface OracleOverride {
  readonly id: string;
  readonly kind: 'must_link' | 'cannot_link' | 'pin' | 'label';
  readonly time: number;
  readonly subjects: readonly string[];
  revoked: boolean;
}

/** What the oracle derives from a stream with overrides. */
export interface OracleState {
  readonly nodes: Features[];
  /** must-links and pins in force, as node uuid pairs (a < b) */
  readonly hard: Array<[string, string]>;
  /** cannot-links in force, as node uuid pairs */
  readonly cannot: Array<[string, string]>;
  /** accepted overrides that are not in force because they lost a conflict (or a pin was replaced) */
  readonly losers: string[];
}

export function oracleAfter(events: readonly IdentityEvent[]): OracleState {
  const p = new Projection();
  const recs: OracleOverride[] = [];
  const retired = (uuid: string) => {
    const id = p.idOf(uuid);
    return id !== undefined && p.stateOf(id).retired;
  };
  for (const e of events) {
    if (!isAnalystEvent(e)) {
      p.apply(e);
      continue;
    }
    if (!p.seen.add(e.event_id)) continue;
    if (e.type === 'analyst.revoke') {
      const target = recs.find((r) => r.id === e.override_event_id);
      if (target && !target.revoked) target.revoked = true;
      continue;
    }
    if (e.type === 'analyst.label') {
      recs.push({ id: e.event_id, kind: 'label', time: e.time, subjects: [e.campaign_uuid], revoked: false });
      continue;
    }
    const subjects = e.type === 'analyst.pin' ? [e.identity_uuid, e.anchor_uuid] : [...e.identity_uuids];
    if (subjects.some((u) => p.idOf(u) === undefined || retired(u))) continue;
    const kind = e.type === 'analyst.pin' ? 'pin' : e.type === 'analyst.must_link' ? 'must_link' : 'cannot_link';
    recs.push({ id: e.event_id, kind, time: e.time, subjects, revoked: false });
  }
  const nodes = [...p.identities.keys()].filter((u) => p.isNode(u)).sort().map((u) => p.features(u));
  // The node an identity's evidence counts for: the root of its merge chain, none if anything on it is retired.
  const nodeOf = (uuid: string): string | null => {
    let u = uuid;
    for (;;) {
      const s = p.stateOf(p.idOf(u)!);
      if (s.retired) return null;
      if (s.mergedInto === null) break;
      u = s.mergedInto;
    }
    return p.isNode(u) ? u : null;
  };
  const live = recs.filter((r) => !r.revoked && r.kind !== 'label')
    .sort((x, y) => y.time - x.time || (x.id < y.id ? 1 : -1));
  const losers: string[] = [];
  const pinned = new Set<string>();
  const group = new Map<string, string>();
  const groupOf = (u: string) => group.get(u) ?? u;
  const hard: Array<[string, string]> = [];
  const cannot: Array<[string, string]> = [];
  for (const r of live) {
    if (r.kind === 'pin') {
      if (pinned.has(r.subjects[0])) {
        losers.push(r.id);
        continue;
      }
      pinned.add(r.subjects[0]);
    }
    const x = nodeOf(r.subjects[0]);
    const y = nodeOf(r.subjects[1]);
    if (x === null || y === null) continue;
    if (x === y) {
      if (r.kind === 'cannot_link') losers.push(r.id);
      continue;
    }
    const gx = groupOf(x);
    const gy = groupOf(y);
    if (r.kind === 'cannot_link') {
      if (gx === gy) losers.push(r.id);
      else cannot.push(x < y ? [x, y] : [y, x]);
      continue;
    }
    if (gx !== gy && cannot.some(([a, b]) => (groupOf(a) === gx && groupOf(b) === gy) || (groupOf(a) === gy && groupOf(b) === gx))) {
      losers.push(r.id);
      continue;
    }
    for (const n of nodes) if (groupOf(n.uuid) === gx) group.set(n.uuid, gy);
    group.set(x, gy);
    hard.push(x < y ? [x, y] : [y, x]);
  }
  return { nodes, hard, cannot, losers: losers.sort() };
}

/** The weight of a must-link or pin edge in the engine (overrides.ts: above any score). */
const OVERRIDE_EDGE = Number.MAX_VALUE;

/**
 * Constrained Kruskal over every pair: edges (scored ones, must-links and pins above everything)
 * strongest first, ties by (a, b); an edge that would put a cannot-link pair in one group is
 * skipped. Returns the groups and the forest (the edges taken).
 */
export function constrainedKruskal(state: OracleState, profile: ScoringProfile = DEFAULT_PROFILE): { partition: string[][]; forest: string[] } {
  const { nodes } = state;
  const score = scorer(nodes, profile);
  const hard = new Set(state.hard.map(([a, b]) => `${a}|${b}`));
  const edges: Array<{ a: string; b: string; w: number }> = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const [a, b] = nodes[i].uuid < nodes[j].uuid ? [nodes[i].uuid, nodes[j].uuid] : [nodes[j].uuid, nodes[i].uuid];
      if (hard.has(`${a}|${b}`)) edges.push({ a, b, w: OVERRIDE_EDGE });
      else {
        const s = score(nodes[i], nodes[j]);
        if (isEdge(s, profile)) edges.push({ a, b, w: s.weight });
      }
    }
  }
  edges.sort((x, y) => (x.w !== y.w ? (y.w > x.w ? 1 : -1) : x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
  const uf = new UnionFind(nodes.map((f) => f.uuid));
  const forest: string[] = [];
  for (const e of edges) {
    const ra = uf.find(e.a);
    const rb = uf.find(e.b);
    if (ra === rb) continue;
    if (state.cannot.some(([p, q]) => (uf.find(p) === ra && uf.find(q) === rb) || (uf.find(p) === rb && uf.find(q) === ra))) continue;
    uf.union(e.a, e.b);
    forest.push(forestEdge(e.a, e.b, e.w));
  }
  return { partition: canonicalPartition(nodes.map((f) => [f.uuid, uf.find(f.uuid)] as const)), forest: forest.sort() };
}
