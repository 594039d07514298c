/**
 * The oracle: the O(n²) clusterer. Every pair of nodes is scored, union-find joins edges, and
 * the result is the partition the fast engine must equal exactly.
 */
import { isEdge, scorePair } from '../../src/domain/edges.ts';
import type { Features } from '../../src/domain/features.ts';
import type { IdentityEvent } from '../../src/domain/identity-events.ts';
import type { ScoringProfile } from '../../src/domain/profile.ts';
import { DEFAULT_PROFILE } from '../../src/domain/profile.ts';
import { Projection } from '../../src/domain/projection.ts';

export function bruteForcePartition(nodes: readonly Features[], profile: ScoringProfile = DEFAULT_PROFILE): string[][] {
  const parent = new Map<string, string>(nodes.map((f) => [f.uuid, f.uuid]));
  const find = (u: string): string => {
    while (parent.get(u) !== u) {
      parent.set(u, parent.get(parent.get(u)!)!);
      u = parent.get(u)!;
    }
    return u;
  };
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      if (isEdge(scorePair(nodes[i], nodes[j], profile), profile)) parent.set(find(nodes[i].uuid), find(nodes[j].uuid));
    }
  }
  return canonicalPartition(nodes.map((f) => [f.uuid, find(f.uuid)] as const));
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
