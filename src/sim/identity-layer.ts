/**
 * The reference identity layer (REFERENCE §5.1), as the fixture harness runs it (§6.6): per-IP
 * attacker rows are folded into identities by a union-find over pairwise edges.
 *
 *   high (1.0)      equal non-null JA3 or HASSH; else, unless the fingerprints fully disagree,
 *                   intersecting payload-hash sets or intersecting C2 sets
 *   medium (0.6)    max over phases of the Jaccard of the two command sets
 *   low (0.2)       Jaccard of the (user, password) pair sets
 *   very-low (0.05) equal non-null ASN (0 counts)
 *   edge iff high + medium + low + very-low ≥ 1.0, summed in that order
 *
 * Candidate pairs are blocked: a tier only scores when the two rows share one of its keys, so
 * pairs are enumerated per shared key, skipping every tier whose keys cannot matter (the tiers
 * left out together weigh less than the threshold — with the default weights that is medium,
 * low and very-low, 0.85, so only JA3/HASSH/payload/C2 keys make candidates and ASN alone never
 * does). Inside a payload or C2 bucket only pairs with no comparable fingerprint slot are
 * scored (see `resolveObservations`), so a commodity payload held by 10⁵ fingerprinted bots
 * costs nothing. The result equals the brute-force O(n²) partition (`identityComponentsBruteForce`).
 */
import type { AttackerRow } from './corpus-types.ts';

export interface IdentityWeights {
  readonly high: number;
  readonly medium: number;
  readonly low: number;
  readonly very_low: number;
  readonly threshold: number;
}

export const REFERENCE_IDENTITY_WEIGHTS: IdentityWeights = { high: 1.0, medium: 0.6, low: 0.2, very_low: 0.05, threshold: 1.0 };

/** What the identity layer sees of one attacker row: the union over its sessions. */
export interface RowObservation {
  readonly id: string;
  readonly ja3: string | null;
  readonly hassh: string | null;
  readonly asn: number | null;
  readonly payload_hashes: ReadonlySet<string>;
  readonly c2_endpoints: ReadonlySet<string>;
  /** Credential pairs, each encoded as JSON `[user, password]`. */
  readonly credentials: ReadonlySet<string>;
  readonly commands_by_phase: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface IdentityAssignment {
  /** Attacker row id → identity uuid (the smallest row id of its component). */
  readonly identityOf: ReadonlyMap<string, string>;
  /** Identity uuid → member row ids in input order; identities ordered by their first member. */
  readonly members: ReadonlyMap<string, readonly string[]>;
  /** Pairs actually scored (for the blocking test and for scale checks). */
  readonly pairsScored: number;
}

export function observeRow(row: AttackerRow): RowObservation {
  const payload_hashes = new Set<string>();
  const c2_endpoints = new Set<string>();
  const credentials = new Set<string>();
  const commands_by_phase = new Map<string, Set<string>>();
  for (const s of row.sessions) {
    if (s.payload_hash) payload_hashes.add(s.payload_hash);
    if (s.c2_callback) c2_endpoints.add(s.c2_callback);
    for (const c of s.credentials) credentials.add(JSON.stringify(c));
    if (s.commands.length > 0) {
      let set = commands_by_phase.get(s.phase);
      if (!set) commands_by_phase.set(s.phase, (set = new Set()));
      for (const cmd of s.commands) set.add(cmd);
    }
  }
  for (const s of row.sightings ?? []) c2_endpoints.add(s.c2_callback);
  return { id: row.id, ja3: row.ja3, hassh: row.hassh, asn: row.asn, payload_hashes, c2_endpoints, credentials, commands_by_phase };
}

const intersects = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => {
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (big.has(x)) return true;
  return false;
};

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/** At least one fingerprint slot is non-null on both sides, and every such slot differs. */
export function fingerprintsDisagree(a: RowObservation, b: RowObservation): boolean {
  let comparable = 0;
  for (const [x, y] of [[a.ja3, b.ja3], [a.hassh, b.hassh]] as const) {
    if (x === null || y === null) continue;
    comparable++;
    if (x === y) return false;
  }
  return comparable > 0;
}

export interface IdentityScore {
  readonly high: number;
  readonly medium: number;
  readonly low: number;
  readonly very_low: number;
  readonly total: number;
}

export function scoreIdentityPair(a: RowObservation, b: RowObservation, w: IdentityWeights = REFERENCE_IDENTITY_WEIGHTS): IdentityScore {
  let high = 0;
  if ((a.ja3 !== null && a.ja3 === b.ja3) || (a.hassh !== null && a.hassh === b.hassh)) high = 1;
  else if (!fingerprintsDisagree(a, b) && (intersects(a.payload_hashes, b.payload_hashes) || intersects(a.c2_endpoints, b.c2_endpoints))) high = 1;
  let medium = 0;
  for (const [phase, cmds] of a.commands_by_phase) {
    const other = b.commands_by_phase.get(phase);
    if (other && cmds.size > 0 && other.size > 0) medium = Math.max(medium, jaccard(cmds, other));
  }
  const low = jaccard(a.credentials, b.credentials);
  const very_low = a.asn !== null && a.asn === b.asn ? 1 : 0;
  const total = w.high * high + w.medium * medium + w.low * low + w.very_low * very_low;
  return { high, medium, low, very_low, total };
}

export const isIdentityEdge = (a: RowObservation, b: RowObservation, w: IdentityWeights = REFERENCE_IDENTITY_WEIGHTS): boolean =>
  scoreIdentityPair(a, b, w).total >= w.threshold;

type Tier = 'high' | 'medium' | 'low' | 'very_low';

/**
 * Tiers whose shared keys must make candidates. Tiers are dropped cheapest-to-index first
 * (very-low: huge ASN buckets, then low, then medium) while the dropped ones together stay
 * below the threshold, so no pair sharing only dropped-tier keys can reach it.
 */
export function indexedTiers(w: IdentityWeights): ReadonlySet<Tier> {
  const order: Tier[] = ['very_low', 'low', 'medium', 'high'];
  const kept = new Set<Tier>(order);
  let dropped = 0;
  for (const t of order) {
    if (dropped + w[t] >= w.threshold) break;
    dropped += w[t];
    kept.delete(t);
  }
  return kept;
}

function blockingKeys(o: RowObservation, tiers: ReadonlySet<Tier>): string[] {
  const keys: string[] = [];
  if (tiers.has('high')) {
    if (o.ja3 !== null) keys.push(`ja3\u0000${o.ja3}`);
    if (o.hassh !== null) keys.push(`hassh\u0000${o.hassh}`);
    for (const p of o.payload_hashes) keys.push(`pay\u0000${p}`);
    for (const c of o.c2_endpoints) keys.push(`c2\u0000${c}`);
  }
  if (tiers.has('medium')) for (const [ph, cmds] of o.commands_by_phase) for (const c of cmds) keys.push(`cmd\u0000${ph}\u0000${c}`);
  if (tiers.has('low')) for (const c of o.credentials) keys.push(`cred\u0000${c}`);
  if (tiers.has('very_low') && o.asn !== null) keys.push(`asn\u0000${o.asn}`);
  return keys;
}

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]];
      x = p[x];
    }
    return x;
  }
  union(a: number, b: number): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return false;
    this.parent[ra] = rb;
    return true;
  }
}

/** The identity layer over attacker rows (blocked; equal to the brute force). */
export function resolveIdentities(rows: readonly AttackerRow[], w: IdentityWeights = REFERENCE_IDENTITY_WEIGHTS): IdentityAssignment {
  return resolveObservations(rows.map(observeRow), w);
}

export function resolveObservations(obs: readonly RowObservation[], w: IdentityWeights = REFERENCE_IDENTITY_WEIGHTS): IdentityAssignment {
  const uf = new UnionFind(obs.length);
  const tiers = indexedTiers(w);
  const buckets = new Map<string, number[]>();
  obs.forEach((o, i) => {
    for (const k of new Set(blockingKeys(o, tiers))) {
      let b = buckets.get(k);
      if (!b) buckets.set(k, (b = []));
      b.push(i);
    }
  });
  // An equal non-null JA3 or HASSH is a high-tier hit on its own: when the high weight alone
  // reaches the threshold, such a bucket is one component without scoring its pairs.
  const fingerprintSuffices = w.high >= w.threshold;
  let pairsScored = 0;
  const score = (a: number, b: number): void => {
    if (uf.find(a) === uf.find(b)) return;
    pairsScored++;
    if (isIdentityEdge(obs[a], obs[b], w)) uf.union(a, b);
  };
  for (const [key, members] of buckets) {
    if (members.length < 2) continue;
    if (fingerprintSuffices && (key.startsWith('ja3\u0000') || key.startsWith('hassh\u0000'))) {
      for (let i = 1; i < members.length; i++) uf.union(members[0], members[i]);
      continue;
    }
    if (key.startsWith('pay\u0000') || key.startsWith('c2\u0000')) {
      infraBucketPairs(obs, members, score);
      continue;
    }
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) score(members[i], members[j]);
    }
  }
  return labelComponents(obs, uf, pairsScored);
}

/**
 * The pairs of a payload/C2 bucket that can only be found through it. A shared payload or C2
 * scores the high tier unless the fingerprints fully disagree. So for a pair in the bucket:
 * - some fingerprint slot equal on both sides: high = 1 anyway, and the pair shares that
 *   JA3/HASSH bucket, where it is joined or scored;
 * - every comparable slot different (and at least one comparable): high = 0, and whatever else
 *   the pair scores comes from tiers whose own buckets enumerate it, if it can reach the
 *   threshold at all (`indexedTiers`);
 * - no comparable slot (for JA3 and for HASSH, one side is null): only this bucket finds it.
 * Only the last kind is scored here: rows with neither fingerprint against everyone, and rows
 * with only a JA3 against rows with only a HASSH.
 */
function infraBucketPairs(obs: readonly RowObservation[], members: readonly number[], score: (a: number, b: number) => void): void {
  const none: number[] = [];
  const ja3Only: number[] = [];
  const hasshOnly: number[] = [];
  const both: number[] = [];
  for (const m of members) {
    const o = obs[m];
    (o.ja3 === null ? (o.hassh === null ? none : hasshOnly) : (o.hassh === null ? ja3Only : both)).push(m);
  }
  for (let i = 0; i < none.length; i++) {
    for (let j = i + 1; j < none.length; j++) score(none[i], none[j]);
    for (const other of [ja3Only, hasshOnly, both]) for (const m of other) score(none[i], m);
  }
  for (const a of ja3Only) for (const b of hasshOnly) score(a, b);
}

/** The O(n²) oracle: every pair scored. */
export function identityComponentsBruteForce(rows: readonly AttackerRow[], w: IdentityWeights = REFERENCE_IDENTITY_WEIGHTS): IdentityAssignment {
  const obs = rows.map(observeRow);
  const uf = new UnionFind(obs.length);
  let pairsScored = 0;
  for (let i = 0; i < obs.length; i++) {
    for (let j = i + 1; j < obs.length; j++) {
      pairsScored++;
      if (isIdentityEdge(obs[i], obs[j], w)) uf.union(i, j);
    }
  }
  return labelComponents(obs, uf, pairsScored);
}

/** Deterministic identity uuid per component: its smallest row id (string order). */
function labelComponents(obs: readonly RowObservation[], uf: UnionFind, pairsScored: number): IdentityAssignment {
  const smallest = new Map<number, string>();
  obs.forEach((o, i) => {
    const r = uf.find(i);
    const cur = smallest.get(r);
    if (cur === undefined || o.id < cur) smallest.set(r, o.id);
  });
  const identityOf = new Map<string, string>();
  const members = new Map<string, string[]>();
  obs.forEach((o, i) => {
    const uuid = smallest.get(uf.find(i)) as string;
    identityOf.set(o.id, uuid);
    let m = members.get(uuid);
    if (!m) members.set(uuid, (m = []));
    m.push(o.id);
  });
  return { identityOf, members, pairsScored };
}
