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
 * - `reference`: REFERENCE §3.1, a handoff on any shared decky is worth the full handoff weight.
 * - `corroborated`: see docs/CLUSTERING.md; the rule campaign-stream ships by default.
 */
export type HandoffRule = 'reference' | 'corroborated';

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

export const DEFAULT_PROFILE: ScoringProfile = REFERENCE_PROFILE;

export const PROFILES: Readonly<Record<string, ScoringProfile>> = Object.freeze({
  reference: REFERENCE_PROFILE,
});

export function profileByName(name: string): ScoringProfile {
  const p = PROFILES[name];
  if (!p) throw new Error(`unknown scoring profile "${name}" (known: ${Object.keys(PROFILES).join(', ')})`);
  return p;
}
