/**
 * Scoring profiles: the edge weights, threshold and rules the clusterer runs with. A profile is
 * `name@version` and a version never changes once released (a store's log is a function of it:
 * docs/CLUSTERING.md); `reference` is the reference's behaviour and never changes either. The
 * candidate index is derived from the profile (`candidate-index.ts`), so any profile stays
 * exact: a cheaper index is only used where the weights prove it cannot miss an edge.
 */
export interface FamilyWeights {
  readonly handoff: number;
  readonly shared_infra: number;
  readonly temporal: number;
  readonly cohort: number;
  readonly keystroke: number;
}

/**
 * How a phase handoff counts.
 * - `reference`: REFERENCE §3.1: an OUT phase ending on a decky and an IN phase starting there
 *   within the window is a handoff, whoever the two identities are.
 * - `foothold`: the same, and the incoming identity must be a foothold consumer, one that never
 *   gained access by itself (no delivery or exploitation phase anywhere). A self-sufficient
 *   operator that happens to run discovery on a decky someone else holds is not a handoff;
 *   that coincidence is what fused unrelated campaigns on small fleets (docs/CLUSTERING.md).
 */
export type HandoffRule = 'reference' | 'foothold';

/**
 * Token rarity (the term-frequency adjustment of record linkage): a shared payload hash or C2
 * endpoint counts by how many identities hold it. Held by at most `full`: it counts fully; each
 * doubling beyond takes off 1 / `halvings` of it, so past full · 2^(halvings − 1) holders it no
 * longer links (it stays a campaign attribute, shown as commodity). Stepped rather than smooth,
 * so a token's factor, and every pair that shares it, changes only when its holders cross a
 * power of two: a new holder of a common token costs no re-scoring (docs/CLUSTERING.md).
 */
export interface TokenRarity {
  readonly full: number;
  readonly halvings: number;
}

/**
 * The handoff base rate: a handoff on a decky counts 1 / c, c = how many identities could have
 * been the counterpart there in the window; above `cap` candidates it does not count at all.
 */
export interface HandoffBaseRate {
  readonly cap: number;
}

export interface ScoringProfile {
  /** `name@version`, or `reference` */
  readonly name: string;
  readonly weights: FamilyWeights;
  /** An edge exists iff combined ≥ threshold (inclusive). */
  readonly threshold: number;
  /** Largest gap, in seconds, between the outgoing last phase and the incoming first phase. */
  readonly handoffWindowSeconds: number;
  /** Keystroke score is 1 − d/max for Hamming distance d < max, else 0. */
  readonly keystrokeMaxHamming: number;
  readonly handoffRule: HandoffRule;
  /** null: shared infrastructure is plain Jaccard */
  readonly rarity: TokenRarity | null;
  /** null: a handoff counts 1 whatever else happened on the decky */
  readonly handoffBaseRate: HandoffBaseRate | null;
}

/** The reference's constants (REFERENCE §3), with its handoff rule. */
export const REFERENCE_PROFILE: ScoringProfile = Object.freeze({
  name: 'reference',
  weights: Object.freeze({ handoff: 1.0, shared_infra: 1.0, temporal: 0.4, cohort: 0.1, keystroke: 0.6 }),
  threshold: 1.0,
  handoffWindowSeconds: 86_400,
  keystrokeMaxHamming: 8,
  handoffRule: 'reference',
  rarity: null,
  handoffBaseRate: null,
});

/** The first default: the reference weights with the `foothold` handoff rule. */
export const DEFAULT_V1_PROFILE: ScoringProfile = Object.freeze({ ...REFERENCE_PROFILE, name: 'default@1', handoffRule: 'foothold' });

/**
 * The second default: `default@1` weighing evidence by how common it is (token rarity and the
 * handoff base rate), so a busy fleet's commodity infrastructure and coincidental handoffs stop
 * chaining unrelated identities together (docs/CLUSTERING.md, "default@2").
 */
export const DEFAULT_V2_PROFILE: ScoringProfile = Object.freeze({
  ...DEFAULT_V1_PROFILE,
  name: 'default@2',
  rarity: Object.freeze({ full: 16, halvings: 4 }),
  handoffBaseRate: Object.freeze({ cap: 8 }),
});

/** What `default` means on the command line and for a new store. */
export const LATEST_DEFAULT_PROFILE = DEFAULT_V2_PROFILE;

/** The profile an engine runs when none is given. */
export const DEFAULT_PROFILE = DEFAULT_V1_PROFILE;

export const PROFILES: Readonly<Record<string, ScoringProfile>> = Object.freeze({
  'default@1': DEFAULT_V1_PROFILE,
  'default@2': DEFAULT_V2_PROFILE,
  reference: REFERENCE_PROFILE,
});

/** Names a user may give: every versioned profile, and `default` for the newest default. */
export const PROFILE_NAMES: readonly string[] = Object.freeze(['default', ...Object.keys(PROFILES)]);

export function isProfileName(name: string): boolean {
  return name === 'default' || Object.hasOwn(PROFILES, name);
}

/** A profile by the name a user gave: `default` is the newest default. Throws on an unknown name. */
export function profileByName(name: string): ScoringProfile {
  if (name === 'default') return LATEST_DEFAULT_PROFILE;
  const p = Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined;
  if (!p) throw new Error(`unknown scoring profile "${name}" (known: ${PROFILE_NAMES.join(', ')})`);
  return p;
}

/**
 * The profile a store or snapshot recorded. Stores and snapshots written before profiles had
 * versions say `default`, and that was `default@1` (or nothing at all: the CLI ran the default).
 */
export function recordedProfileName(stored: string | null | undefined): string {
  return stored === undefined || stored === null || stored === 'default' ? DEFAULT_V1_PROFILE.name : stored;
}
