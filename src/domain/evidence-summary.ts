/**
 * What the evidence edges of a campaign say per scoring family: how many edges each family
 * scores in, how many it dominates, its strongest score and its weighted share.
 *
 * The weighted share is summed in whole nano-units (each edge's score × weight rounded to
 * 1e-9 first): a floating-point sum depends on the order of its terms, and a store index adds
 * and removes edges in whatever order batches bring them, while an in-memory index sums a
 * sorted list. Integer sums are the same in every order, so both answer to the bit.
 */
import type { EdgeEvidence } from './campaign-events.ts';
import { DEFAULT_PROFILE, type FamilyWeights } from './profile.ts';

export type Family = keyof FamilyWeights;
export const FAMILIES: readonly Family[] = ['handoff', 'shared_infra', 'temporal', 'cohort', 'keystroke'];

export interface FamilySummary {
  /** Edges where the family scores above 0. */
  readonly edges: number;
  /** Edges where it is the dominant family. */
  readonly dominant: number;
  readonly max_score: number;
  /** Sum over edges of score × default weight: the family's share of what holds the campaign. */
  readonly weighted_total: number;
}

/**
 * The family contributing most to the weight, with the default profile's weights (the log
 * records per-family scores and the total, not the profile that weighed them). Ties: the first
 * in FAMILIES order.
 */
export function dominantFamily(e: EdgeEvidence, weights: FamilyWeights = DEFAULT_PROFILE.weights): Family {
  let best: Family = FAMILIES[0];
  let bestValue = -Infinity;
  for (const f of FAMILIES) {
    const v = e[f] * weights[f];
    if (v > bestValue) {
      best = f;
      bestValue = v;
    }
  }
  return best;
}

export const NANOS = 1e9;

/** One edge's weighted score of a family in nano-units (an integer: sums of them are exact). */
export const weightedNanos = (e: EdgeEvidence, f: Family): number => Math.round(e[f] * DEFAULT_PROFILE.weights[f] * NANOS);

/** The running totals a store keeps per campaign and family. */
export interface FamilyTotals {
  edges: number;
  dominant: number;
  max_score: number;
  nanos: number;
}

export const summaryOf = (t: FamilyTotals): FamilySummary =>
  ({ edges: t.edges, dominant: t.dominant, max_score: t.max_score, weighted_total: t.nanos / NANOS });

export function familySummary(edges: Iterable<EdgeEvidence>): Record<Family, FamilySummary> {
  const totals = {} as Record<Family, FamilyTotals>;
  for (const f of FAMILIES) totals[f] = { edges: 0, dominant: 0, max_score: 0, nanos: 0 };
  for (const e of edges) {
    for (const f of FAMILIES) {
      if (e[f] > 0) totals[f].edges++;
      if (e[f] > totals[f].max_score) totals[f].max_score = e[f];
      totals[f].nanos += weightedNanos(e, f);
    }
    totals[dominantFamily(e)].dominant++;
  }
  const out = {} as Record<Family, FamilySummary>;
  for (const f of FAMILIES) out[f] = summaryOf(totals[f]);
  return out;
}
