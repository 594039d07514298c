/**
 * Why campaigns would merge under another profile: the edges that profile's log recorded
 * joining them (campaign events carry the edges that connect what they are about).
 *
 * For a merge into after-campaign b, the candidates are the recorded edges with both ends in b
 * that cross between two of its groups: the identities of one before-campaign (moves aside) are
 * one group, already together; each identity moved into b is a group of its own. A pair recorded
 * twice keeps its latest record. Of those, the evidence is a spanning forest chosen strongest
 * first (weight descending, ties by the pair), so it is the fewest edges that join the groups,
 * minus the edges that only attach a moved-in identity nothing else hangs on (that is the move,
 * not the merge). Edges join through a moved-in identity when that is how the log joined them.
 *
 * A log records edges at the moment they change the partition, and only then: an edge that
 * weakened or vanished later without changing it shows here as it was recorded, and the edge
 * that took its place may be in no event at all. The evidence is what the log says, as of when
 * it said it.
 */
import type { CampaignEvent, EdgeEvidence } from './campaign-events.ts';
import type { DiffMerge, DiffMove, DiffSplit, PartitionComparison } from './partition-diff.ts';

/** An edge as a log recorded it, with the sequence of the event that did. */
export type RecordedEdge = { readonly sequence: number } & EdgeEvidence;

export interface MergeWithEvidence extends DiffMerge {
  readonly evidence: readonly RecordedEdge[];
}

export interface ProfileDiff {
  readonly merges: readonly MergeWithEvidence[];
  readonly splits: readonly DiffSplit[];
  readonly moves: readonly DiffMove[];
}

const stronger = (x: EdgeEvidence, y: EdgeEvidence): number =>
  y.weight - x.weight || (x.a < y.a ? -1 : x.a > y.a ? 1 : 0) || (x.b < y.b ? -1 : x.b > y.b ? 1 : 0);

export class MergeEvidence {
  /** after-campaign of a merge → pair → latest record */
  private readonly candidates = new Map<string, Map<string, RecordedEdge>>();

  constructor(private readonly comparison: PartitionComparison) {
    for (const m of comparison.merges) this.candidates.set(m.into, new Map());
  }

  /** A moved identity is a group of its own; every other identity, its before-campaign. */
  private group(identity: string): string {
    return this.comparison.moved.has(identity) ? `\u0000${identity}` : this.comparison.before.get(identity)!;
  }

  /** Events of the after-profile's log, in sequence order (a later record of a pair replaces an earlier one). */
  add(events: Iterable<CampaignEvent>): void {
    const { after } = this.comparison;
    for (const ev of events) {
      for (const e of ev.evidence) {
        const b = after.get(e.a);
        if (b === undefined || after.get(e.b) !== b) continue;
        const pairs = this.candidates.get(b);
        if (pairs === undefined || this.group(e.a) === this.group(e.b)) continue;
        pairs.set(`${e.a}\u0000${e.b}`, { sequence: ev.sequence, ...e });
      }
    }
  }

  report(): ProfileDiff {
    const { merges, splits, moves } = this.comparison;
    return {
      merges: merges.map((m) => ({ ...m, evidence: this.spanning([...this.candidates.get(m.into)!.values()]) })),
      splits,
      moves,
    };
  }

  private spanning(edges: RecordedEdge[]): RecordedEdge[] {
    edges.sort(stronger);
    const parent = new Map<string, string>();
    const find = (x: string): string => {
      let r = x;
      while (parent.has(r)) r = parent.get(r)!;
      for (let c = x; c !== r;) {
        const next = parent.get(c)!;
        parent.set(c, r);
        c = next;
      }
      return r;
    };
    const forest: RecordedEdge[] = [];
    for (const e of edges) {
      const ra = find(this.group(e.a));
      const rb = find(this.group(e.b));
      if (ra === rb) continue;
      parent.set(ra, rb);
      forest.push(e);
    }
    return this.withoutMovedLeaves(forest).sort(stronger);
  }

  /** Drops, repeatedly, the edge of a moved-in identity that hangs on one edge only. */
  private withoutMovedLeaves(forest: RecordedEdge[]): RecordedEdge[] {
    const incident = new Map<string, Set<number>>();
    const ends = forest.map((e) => [this.group(e.a), this.group(e.b)] as const);
    ends.forEach(([x, y], k) => {
      for (const g of [x, y]) {
        let s = incident.get(g);
        if (s === undefined) incident.set(g, (s = new Set()));
        s.add(k);
      }
    });
    const isMoved = (g: string): boolean => g.startsWith('\u0000');
    const dropped = new Set<number>();
    const leaves = [...incident].filter(([g, s]) => isMoved(g) && s.size === 1).map(([g]) => g);
    while (leaves.length > 0) {
      const g = leaves.pop()!;
      const s = incident.get(g)!;
      if (s.size !== 1) continue;
      const [k] = s;
      dropped.add(k);
      for (const end of ends[k]) {
        const t = incident.get(end)!;
        t.delete(k);
        if (end !== g && isMoved(end) && t.size === 1) leaves.push(end);
      }
    }
    return forest.filter((_, k) => !dropped.has(k));
  }
}
