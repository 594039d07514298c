/**
 * Two partitions of the same identities into campaigns (a store's, `before`, and the same input
 * clustered under another profile, `after`), compared campaign by campaign: what would merge,
 * split or move (docs/ANALYSTS.md, "What-if: comparing profiles").
 *
 * Matching. Campaign a (before) and b (after) are matched, "the same campaign", when b holds more
 * of a's identities than any other after-campaign and a more of b's than any other
 * before-campaign (ties: the smaller campaign, then the smaller uuid). Matched pairs are one to one.
 *
 * Every identity i, with before-campaign a and after-campaign b, is then exactly one of:
 *   - unchanged: a and b are matched to each other;
 *   - moved: a and b are both matched, not to each other: i moves from a to the before-campaign
 *     whose match it ends in (`to`);
 *   - regrouped: a or b has no match. These identities make the splits and the merges:
 *     a split is a before-campaign whose identities, its moved ones aside, end in two or more
 *     after-campaigns (its parts); a merge is an after-campaign whose identities, the moved-in
 *     ones aside, come from two or more before-campaigns.
 *
 * Complete by construction: the parts take their identities to their after-campaigns, a merge
 * unites what its before-campaigns became, a move puts its identity where `to` went, and the
 * result is `after` exactly (test/domain/partition-diff.property.unit.test.ts).
 *
 * Deterministic: the answer depends on the two partitions only, never on the order given, and
 * every list is sorted. Pure: no I/O.
 */
import type { Membership } from './engine-api.ts';

export interface DiffPart {
  /** The after-campaign the part goes into. */
  readonly into: string;
  /** How many of the split campaign's identities it takes. */
  readonly identities: number;
  /** The part the split campaign is matched with: it goes on as this part (moves into it land here). */
  readonly continues: boolean;
  readonly identity_uuids: readonly string[];
}

export interface DiffSplit {
  /** The before-campaign that splits. */
  readonly campaign: string;
  /** Its identities before (moved ones included). */
  readonly identities: number;
  /** The part that continues the campaign first (when it has a match), then the largest first (ties: uuid). */
  readonly parts: readonly DiffPart[];
}

export interface DiffMerge {
  /** The before-campaigns that come together, sorted. */
  readonly campaigns: readonly string[];
  /** The after-campaign they form. */
  readonly into: string;
  /** Its identities after (moved-in ones included). */
  readonly identities: number;
}

export interface DiffMove {
  readonly identity_uuid: string;
  /** Its before-campaign. */
  readonly from: string;
  /** The before-campaign it joins: the one matched with its after-campaign. */
  readonly to: string;
}

export interface PartitionComparison {
  readonly merges: readonly DiffMerge[];
  readonly splits: readonly DiffSplit[];
  readonly moves: readonly DiffMove[];
  /** Identities in both partitions, and campaigns in each: the summary's denominators. */
  readonly identities: number;
  readonly campaigns_before: number;
  readonly campaigns_after: number;
  /** identity → campaign, before and after. */
  readonly before: ReadonlyMap<string, string>;
  readonly after: ReadonlyMap<string, string>;
  /** The moved identities. */
  readonly moved: ReadonlySet<string>;
}

const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

/**
 * The campaign holding most of the overlap; ties: the smaller campaign (the overlap is more of
 * it), then the smaller uuid. Sizes first so that a campaign that falls apart is not "continued"
 * by whichever piece of another campaign happens to have the smaller uuid.
 */
function majority(counts: ReadonlyMap<string, number>, size: (c: string) => number): string {
  let best: string | null = null;
  let most = 0;
  for (const [k, n] of counts) {
    if (best === null || n > most || (n === most && (size(k) < size(best) || (size(k) === size(best) && k < best)))) {
      best = k;
      most = n;
    }
  }
  return best!;
}

function countInto(m: Map<string, Map<string, number>>, k: string, j: string): void {
  let inner = m.get(k);
  if (inner === undefined) m.set(k, (inner = new Map()));
  inner.set(j, (inner.get(j) ?? 0) + 1);
}

function groupInto(m: Map<string, Map<string, string[]>>, k: string, j: string, id: string): void {
  let inner = m.get(k);
  if (inner === undefined) m.set(k, (inner = new Map()));
  const list = inner.get(j);
  if (list === undefined) inner.set(j, [id]);
  else list.push(id);
}

/**
 * Compares two partitions of one set of identities. Throws when the identities differ: the
 * profiles' partitions of one input always hold the same identities (which identities are
 * active does not depend on scoring), so a difference is a caller's bug.
 */
export function comparePartitions(before: readonly Membership[], after: readonly Membership[]): PartitionComparison {
  const A = new Map(before.map((m) => [m.identity_uuid, m.campaign_uuid]));
  const B = new Map(after.map((m) => [m.identity_uuid, m.campaign_uuid]));
  if (A.size !== B.size || [...A.keys()].some((i) => !B.has(i))) {
    throw new Error(`the two partitions hold different identities (${A.size} before, ${B.size} after)`);
  }
  const ids = [...A.keys()].sort(cmp);
  const forward = new Map<string, Map<string, number>>();
  const backward = new Map<string, Map<string, number>>();
  for (const i of ids) {
    countInto(forward, A.get(i)!, B.get(i)!);
    countInto(backward, B.get(i)!, A.get(i)!);
  }
  const match = new Map<string, string>(); // before → after
  const matchedBy = new Map<string, string>(); // after → before
  const sizes = (m: ReadonlyMap<string, ReadonlyMap<string, number>>) => {
    const total = new Map([...m].map(([c, counts]) => [c, [...counts.values()].reduce((x, y) => x + y, 0)]));
    return (c: string): number => total.get(c)!;
  };
  const sizeBefore = sizes(forward);
  const sizeAfter = sizes(backward);
  for (const [a, counts] of forward) {
    const b = majority(counts, sizeAfter);
    if (majority(backward.get(b)!, sizeBefore) === a) {
      match.set(a, b);
      matchedBy.set(b, a);
    }
  }

  const moves: DiffMove[] = [];
  const moved = new Set<string>();
  const partsOf = new Map<string, Map<string, string[]>>(); // before → after → identities (moves aside)
  const sourcesOf = new Map<string, Map<string, string[]>>(); // after → before → identities (moves aside)
  for (const i of ids) {
    const a = A.get(i)!;
    const b = B.get(i)!;
    const m = match.get(a);
    if (m !== undefined && m !== b && matchedBy.has(b)) {
      moves.push({ identity_uuid: i, from: a, to: matchedBy.get(b)! });
      moved.add(i);
    } else {
      // unchanged (the part that continues a) or regrouped
      groupInto(partsOf, a, b, i);
      groupInto(sourcesOf, b, a, i);
    }
  }

  const splits: DiffSplit[] = [];
  for (const [a, parts] of partsOf) {
    if (parts.size < 2) continue;
    const listed = [...parts].map(([b, members]): DiffPart => ({
      into: b, identities: members.length, continues: match.get(a) === b, identity_uuids: members,
    }));
    listed.sort((x, y) => Number(y.continues) - Number(x.continues) || y.identities - x.identities || cmp(x.into, y.into));
    splits.push({ campaign: a, identities: sizeBefore(a), parts: listed });
  }
  splits.sort((x, y) => cmp(x.campaign, y.campaign));

  const merges: DiffMerge[] = [];
  for (const [b, sources] of sourcesOf) {
    if (sources.size < 2) continue;
    merges.push({ campaigns: [...sources.keys()].sort(cmp), into: b, identities: sizeAfter(b) });
  }
  merges.sort((x, y) => compareLists(x.campaigns, y.campaigns) || cmp(x.into, y.into));

  return {
    merges, splits, moves, identities: ids.length, campaigns_before: forward.size, campaigns_after: backward.size, before: A, after: B, moved,
  };
}

function compareLists(x: readonly string[], y: readonly string[]): number {
  for (let k = 0; k < Math.min(x.length, y.length); k++) {
    const c = cmp(x[k], y[k]);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}
