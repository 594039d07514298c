/**
 * The reference harness's baseline clusterers (REFERENCE §6.5), over attacker rows → row labels.
 * Some are the "passing reference" of a fixture, others are deliberately bad heuristics each
 * fixture must reject (§7). They are O(n²) over rows: meant for fixture-sized corpora.
 *
 * Labels are opaque; only the partition they induce matters.
 */
import type { AttackerRow } from './corpus-types.ts';
import type { Labels } from './metrics.ts';

export type RowClusterer = (rows: readonly AttackerRow[]) => Labels;

const DAY = 86_400;

/** Each row on its own. */
export const identityClusterer: RowClusterer = (rows) => new Map(rows.map((r) => [r.id, `row:${r.id}`]));

const fingerprintKey = (r: AttackerRow): string | null =>
  r.ja3 === null && r.hassh === null ? null : JSON.stringify([r.ja3, r.hassh]);

/** By the (ja3, hassh) tuple; a row with both null is a singleton. */
export const fingerprintClusterer: RowClusterer = (rows) =>
  new Map(rows.map((r) => [r.id, fingerprintKey(r) === null ? `row:${r.id}` : `fp:${fingerprintKey(r)}`]));

/** By ASN (the textbook bad heuristic). */
export const asnClusterer: RowClusterer = (rows) => new Map(rows.map((r) => [r.id, `asn:${r.asn}`]));

const c2Set = (r: AttackerRow): Set<string> => {
  const s = new Set<string>();
  for (const x of r.sessions) if (x.c2_callback) s.add(x.c2_callback);
  return s;
};

const intersects = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => {
  for (const x of a) if (b.has(x)) return true;
  return false;
};

/** Union-find over rows whose session C2 sets intersect; a row without C2 is a singleton. */
export const c2CallbackClusterer: RowClusterer = (rows) => {
  const c2 = rows.map(c2Set);
  return unionPairs(rows, (i, j) => intersects(c2[i], c2[j]));
};

export type ShiftBucket = 'night' | 'day' | 'swing';

export function shiftOf(hour: number): ShiftBucket {
  if (hour >= 22 || hour <= 5) return 'night';
  if (hour >= 6 && hour <= 13) return 'day';
  return 'swing';
}

const utcHour = (epochSeconds: number): number => Math.floor((((epochSeconds % DAY) + DAY) % DAY) / 3600);

/** Majority shift bucket of the session start hours; ties go to the bucket seen first. */
export const shiftClusterer: RowClusterer = (rows) => new Map(rows.map((r) => {
  if (r.sessions.length === 0) return [r.id, `row:${r.id}`];
  const tally = new Map<ShiftBucket, number>();
  for (const s of r.sessions) {
    const b = shiftOf(utcHour(s.start));
    tally.set(b, (tally.get(b) ?? 0) + 1);
  }
  let best: ShiftBucket | null = null;
  for (const [b, c] of tally) if (best === null || c > (tally.get(best) as number)) best = b;
  return [r.id, `shift:${best}`];
}));

/** Composite base edges: identical (ja3, hassh) tuple (not both null) OR intersecting C2 sets. */
function compositeEdge(rows: readonly AttackerRow[]): (i: number, j: number) => boolean {
  const fp = rows.map(fingerprintKey);
  const c2 = rows.map(c2Set);
  return (i, j) => (fp[i] !== null && fp[i] === fp[j]) || intersects(c2[i], c2[j]);
}

export const compositeClusterer: RowClusterer = (rows) => unionPairs(rows, compositeEdge(rows));

/** [min session start, max session end], or null for a row without sessions. */
function activitySpan(r: AttackerRow): readonly [number, number] | null {
  if (r.sessions.length === 0) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of r.sessions) {
    lo = Math.min(lo, s.start);
    hi = Math.max(hi, s.end);
  }
  return [lo, hi];
}

/**
 * Composite edges kept only while exp(−|midpoint gap in days| / half_life) ≥ threshold.
 * A row without sessions has no midpoint and keeps no edge.
 */
export function recencyDecayClusterer(halfLifeDays = 14, threshold = 0.5): RowClusterer {
  return (rows) => {
    const base = compositeEdge(rows);
    const mid = rows.map((r) => {
      const span = activitySpan(r);
      return span === null ? null : (span[0] + span[1]) / 2;
    });
    return unionPairs(rows, (i, j) => {
      const a = mid[i];
      const b = mid[j];
      if (a === null || b === null || !base(i, j)) return false;
      return Math.exp(-Math.abs(a - b) / DAY / halfLifeDays) >= threshold;
    });
  };
}

/** Union rows whose activity spans overlap or lie within `gapSeconds` of each other. */
export function timeWindowClusterer(gapSeconds = DAY): RowClusterer {
  return (rows) => {
    const spans = rows.map(activitySpan);
    return unionPairs(rows, (i, j) => {
      const a = spans[i];
      const b = spans[j];
      if (a === null || b === null) return false;
      return Math.max(a[0], b[0]) - Math.min(a[1], b[1]) <= gapSeconds;
    });
  };
}

/** Union rows whose (user, password) pair sets have Jaccard ≥ threshold (empty sets never join). */
export function credentialJaccardClusterer(threshold = 0.5): RowClusterer {
  return (rows) => {
    const creds = rows.map((r) => {
      const s = new Set<string>();
      for (const x of r.sessions) for (const c of x.credentials) s.add(JSON.stringify(c));
      return s;
    });
    return unionPairs(rows, (i, j) => {
      const a = creds[i];
      const b = creds[j];
      if (a.size === 0 || b.size === 0) return false;
      let inter = 0;
      for (const x of a) if (b.has(x)) inter++;
      return inter / (a.size + b.size - inter) >= threshold;
    });
  };
}

export const REFERENCE_CLUSTERERS = {
  identity: identityClusterer,
  fingerprint: fingerprintClusterer,
  asn: asnClusterer,
  c2_callback: c2CallbackClusterer,
  shift: shiftClusterer,
  composite: compositeClusterer,
  recency_decay: recencyDecayClusterer(),
  time_window: timeWindowClusterer(),
  credential_jaccard: credentialJaccardClusterer(),
} as const satisfies Record<string, RowClusterer>;

export type ReferenceClustererName = keyof typeof REFERENCE_CLUSTERERS;

/** Union-find over every pair (i < j) the predicate accepts; label = the component's smallest row id. */
function unionPairs(rows: readonly AttackerRow[], edge: (i: number, j: number) => boolean): Labels {
  const parent = rows.map((_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (let i = 0; i < rows.length; i++) {
    for (let j = i + 1; j < rows.length; j++) {
      if (!edge(i, j)) continue;
      const ri = find(i);
      const rj = find(j);
      if (ri !== rj) parent[ri] = rj;
    }
  }
  const smallest = new Map<number, string>();
  rows.forEach((r, i) => {
    const root = find(i);
    const cur = smallest.get(root);
    if (cur === undefined || r.id < cur) smallest.set(root, r.id);
  });
  return new Map(rows.map((r, i) => [r.id, `cc:${smallest.get(find(i))}`]));
}
