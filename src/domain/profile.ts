/**
 * A scoring profile: the edge weights, threshold and rules the clusterer runs with. The
 * candidate index is derived from the profile (see `candidate-plan.ts`), so any profile stays
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

export interface ScoringProfile {
  readonly name: string;
  readonly weights: FamilyWeights;
  /** An edge exists iff combined ≥ threshold (inclusive). */
  readonly threshold: number;
  /** Largest gap, in seconds, between the outgoing last phase and the incoming first phase. */
  readonly handoffWindowSeconds: number;
  /** Keystroke score is 1 − d/max for Hamming distance d < max, else 0. */
  readonly keystrokeMaxHamming: number;
  readonly handoffRule: HandoffRule;
}

/** The reference's constants (REFERENCE §3), with its handoff rule. */
export const REFERENCE_PROFILE: ScoringProfile = Object.freeze({
  name: 'reference',
  weights: Object.freeze({ handoff: 1.0, shared_infra: 1.0, temporal: 0.4, cohort: 0.1, keystroke: 0.6 }),
  threshold: 1.0,
  handoffWindowSeconds: 86_400,
  keystrokeMaxHamming: 8,
  handoffRule: 'reference',
});

/** campaign-stream's default: the reference weights with the `foothold` handoff rule. */
export const DEFAULT_PROFILE: ScoringProfile = Object.freeze({ ...REFERENCE_PROFILE, name: 'default', handoffRule: 'foothold' });

export const PROFILES: Readonly<Record<string, ScoringProfile>> = Object.freeze({
  default: DEFAULT_PROFILE,
  reference: REFERENCE_PROFILE,
});

export function profileByName(name: string): ScoringProfile {
  const p = PROFILES[name];
  if (!p) throw new Error(`unknown scoring profile "${name}" (known: ${Object.keys(PROFILES).join(', ')})`);
  return p;
}
