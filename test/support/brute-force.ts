/**
 * The oracle: the O(n²) clusterer. Every pair of nodes is scored, union-find joins edges, and
 * the result is the partition the fast engine must equal exactly.
 */
import { isDensityAware, isEdge, scorePair, type Frequencies } from '../../src/domain/edges.ts';
import { HANDOFF_IN, HANDOFF_OUT } from '../../src/domain/phases.ts';
import type { Features } from '../../src/domain/features.ts';
import type { IdentityEvent } from '../../src/domain/identity-events.ts';
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
  for (const e of events) p.apply(e);
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
