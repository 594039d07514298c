/**
 * Clustering quality metrics exactly as the reference harness computes them (REFERENCE §7),
 * degenerate cases included, plus campaign-stream's pair precision and pair recall (the
 * numbers that show a percolating clusterer: a giant campaign keeps recall and loses
 * precision). Every function takes two maps item → label, truth first. Logarithms are natural.
 */

export type Labels = ReadonlyMap<string, string>;

export interface ClusterMetrics {
  readonly adjusted_rand_index: number;
  readonly homogeneity: number;
  readonly completeness: number;
  readonly singleton_recall: number;
  readonly pair_precision: number;
  readonly pair_recall: number;
}

export const METRIC_NAMES: readonly (keyof ClusterMetrics)[] = [
  'adjusted_rand_index', 'homogeneity', 'completeness', 'singleton_recall', 'pair_precision', 'pair_recall',
];

function assertSameItems(truth: Labels, pred: Labels): void {
  const missing = [...truth.keys()].filter((k) => !pred.has(k));
  const extra = [...pred.keys()].filter((k) => !truth.has(k));
  if (missing.length > 0 || extra.length > 0) {
    const show = (xs: string[]): string => xs.slice(0, 5).join(', ') + (xs.length > 5 ? ', …' : '');
    throw new Error(`metrics: truth and prediction cover different items (missing from prediction: ${missing.length ? show(missing) : 'none'}; not in truth: ${extra.length ? show(extra) : 'none'})`);
  }
}

const choose2 = (x: number): number => (x < 2 ? 0 : (x * (x - 1)) / 2);

function counts(labels: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of labels) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

/** Contingency table keyed by pred label, then truth label. */
function contingency(truth: Labels, pred: Labels): Map<string, Map<string, number>> {
  const table = new Map<string, Map<string, number>>();
  for (const [item, t] of truth) {
    const p = pred.get(item) as string;
    let row = table.get(p);
    if (!row) table.set(p, (row = new Map()));
    row.set(t, (row.get(t) ?? 0) + 1);
  }
  return table;
}

export function adjustedRandIndex(truth: Labels, pred: Labels): number {
  assertSameItems(truth, pred);
  const n = truth.size;
  if (n < 2) return 1.0;
  let S = 0;
  for (const row of contingency(truth, pred).values()) for (const nij of row.values()) S += choose2(nij);
  let A = 0;
  for (const a of counts(pred.values()).values()) A += choose2(a);
  let B = 0;
  for (const b of counts(truth.values()).values()) B += choose2(b);
  const P = choose2(n);
  const E = P === 0 ? 0 : (A * B) / P;
  const M = (A + B) / 2;
  if (M === E) return 1.0;
  return (S - E) / (M - E);
}

/** Entropy of a label distribution given by counts, count/n probabilities, zero counts skipped. */
function entropy(cs: Iterable<number>, n: number): number {
  let h = 0;
  for (const c of cs) {
    if (c === 0) continue;
    const p = c / n;
    h -= p * Math.log(p);
  }
  return h;
}

/** H(inner | outer) = Σ over outer groups g of (n_g/n) × entropy of the inner labels inside g. */
function conditionalEntropy(table: Map<string, Map<string, number>>, n: number): number {
  let h = 0;
  for (const row of table.values()) {
    let ng = 0;
    for (const c of row.values()) ng += c;
    h += (ng / n) * entropy(row.values(), ng);
  }
  return h;
}

function transpose(table: Map<string, Map<string, number>>): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const [a, row] of table) {
    for (const [b, c] of row) {
      let r = out.get(b);
      if (!r) out.set(b, (r = new Map()));
      r.set(a, c);
    }
  }
  return out;
}

/** 1 − H(truth | pred) / H(truth); 1.0 when n = 0 or H(truth) = 0. */
export function homogeneity(truth: Labels, pred: Labels): number {
  assertSameItems(truth, pred);
  const n = truth.size;
  if (n === 0) return 1.0;
  const hTruth = entropy(counts(truth.values()).values(), n);
  if (hTruth === 0) return 1.0;
  return 1 - conditionalEntropy(contingency(truth, pred), n) / hTruth;
}

/** 1 − H(pred | truth) / H(pred); 1.0 when n = 0 or H(pred) = 0. */
export function completeness(truth: Labels, pred: Labels): number {
  assertSameItems(truth, pred);
  const n = truth.size;
  if (n === 0) return 1.0;
  const hPred = entropy(counts(pred.values()).values(), n);
  if (hPred === 0) return 1.0;
  return 1 - conditionalEntropy(transpose(contingency(truth, pred)), n) / hPred;
}

/** Share of true singletons (truth label seen once) whose predicted cluster has one member; 1.0 if none. */
export function singletonRecall(truth: Labels, pred: Labels): number {
  assertSameItems(truth, pred);
  const truthCounts = counts(truth.values());
  const predCounts = counts(pred.values());
  let singletons = 0;
  let kept = 0;
  for (const [item, t] of truth) {
    if (truthCounts.get(t) !== 1) continue;
    singletons++;
    if (predCounts.get(pred.get(item) as string) === 1) kept++;
  }
  return singletons === 0 ? 1.0 : kept / singletons;
}

/**
 * What a scenario run reports: the label metrics plus two that need more than two labelings —
 * singleton recall over the background alone (fleet bots and noise scanners, the rows that are
 * singletons by construction), and the size of the largest predicted campaign in identities
 * (the number that shows percolation at a glance).
 */
export interface ScenarioMetrics extends ClusterMetrics {
  readonly bot_singleton_recall: number;
  readonly largest_campaign: number;
}

export const SCENARIO_METRIC_NAMES: readonly (keyof ScenarioMetrics)[] = [...METRIC_NAMES, 'bot_singleton_recall', 'largest_campaign'];

/** Pairs of items together in the truth, in the prediction, and in both. */
export interface PairCounts {
  readonly truth_pairs: number;
  readonly predicted_pairs: number;
  readonly shared_pairs: number;
}

export function pairCounts(truth: Labels, pred: Labels): PairCounts {
  assertSameItems(truth, pred);
  let shared = 0;
  for (const row of contingency(truth, pred).values()) for (const nij of row.values()) shared += choose2(nij);
  let predicted = 0;
  for (const a of counts(pred.values()).values()) predicted += choose2(a);
  let truthPairs = 0;
  for (const b of counts(truth.values()).values()) truthPairs += choose2(b);
  return { truth_pairs: truthPairs, predicted_pairs: predicted, shared_pairs: shared };
}

/**
 * Of the pairs the prediction puts together, the share that truly belong together. 1.0 when the
 * prediction puts no two items together: it claims nothing, so nothing it claims is wrong
 * (an all-singletons prediction is judged by pair recall instead).
 */
export function pairPrecision(truth: Labels, pred: Labels): number {
  const c = pairCounts(truth, pred);
  return c.predicted_pairs === 0 ? 1.0 : c.shared_pairs / c.predicted_pairs;
}

/**
 * Of the pairs that truly belong together, the share the prediction puts together. 1.0 when
 * the truth has no two items together (all singletons): there is nothing to find.
 */
export function pairRecall(truth: Labels, pred: Labels): number {
  const c = pairCounts(truth, pred);
  return c.truth_pairs === 0 ? 1.0 : c.shared_pairs / c.truth_pairs;
}

/**
 * Singleton recall over a subset of the items (e.g. the background bots of a fleet): the share
 * of those that are true singletons and are left alone by the prediction; 1.0 if there are none.
 */
export function singletonRecallAmong(truth: Labels, pred: Labels, items: Iterable<string>): number {
  assertSameItems(truth, pred);
  const truthCounts = counts(truth.values());
  const predCounts = counts(pred.values());
  let singletons = 0;
  let kept = 0;
  for (const item of items) {
    const t = truth.get(item);
    if (t === undefined) throw new Error(`metrics: item ${item} is not in the truth`);
    if (truthCounts.get(t) !== 1) continue;
    singletons++;
    if (predCounts.get(pred.get(item) as string) === 1) kept++;
  }
  return singletons === 0 ? 1.0 : kept / singletons;
}

export function clusterMetrics(truth: Labels, pred: Labels): ClusterMetrics {
  const pairs = pairCounts(truth, pred);
  return {
    adjusted_rand_index: adjustedRandIndex(truth, pred),
    homogeneity: homogeneity(truth, pred),
    completeness: completeness(truth, pred),
    singleton_recall: singletonRecall(truth, pred),
    pair_precision: pairs.predicted_pairs === 0 ? 1.0 : pairs.shared_pairs / pairs.predicted_pairs,
    pair_recall: pairs.truth_pairs === 0 ? 1.0 : pairs.shared_pairs / pairs.truth_pairs,
  };
}
