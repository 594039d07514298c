/**
 * The harness pipeline for a campaign clusterer over identity events (REFERENCE §6.6, on our
 * event contract): fixture → rows → identity layer → `identity.observed` events → the caller's
 * clusterer → each row predicted as its identity's campaign → the metrics against the truth
 * campaigns, checked against the fixture's `.expected.yaml` when it exists.
 *
 * Simulating and scoring are separate steps so one simulated corpus can be scored under several
 * clusterers (e.g. scoring profiles) without generating it again.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { IdentityObserved } from '../domain/identity-events.ts';
import type { AttackerRow } from './corpus-types.ts';
import { isBackground } from './corpus-types.ts';
import { generateFixture } from './dsl.ts';
import { emitIdentityEvents } from './emit.ts';
import type { EmittedCorpus } from './emit.ts';
import { resolveIdentities } from './identity-layer.ts';
import { clusterMetrics, singletonRecallAmong } from './metrics.ts';
import type { ScenarioMetrics } from './metrics.ts';
import { checkBounds, expectedPathFor, loadBounds } from './bounds.ts';
import type { Bounds, Breach } from './bounds.ts';

/** identity events → identity_uuid → campaign label (labels are opaque; only the partition counts). */
export type IdentityClusterer = (events: IdentityObserved[]) => ReadonlyMap<string, string>;

export interface SimulatedFixture {
  readonly fixture: string;
  readonly seed: number | bigint;
  readonly rows: readonly AttackerRow[];
  readonly emitted: EmittedCorpus;
  readonly identities: number;
}

export interface FixtureScore {
  readonly fixture: string;
  readonly seed: number | bigint;
  readonly metrics: ScenarioMetrics;
  /** The fixture's `.expected.yaml`, or null when there is none beside it. */
  readonly bounds: Bounds | null;
  /** Metrics outside their limits (empty when all bounds hold or there are none). */
  readonly breaches: readonly Breach[];
  readonly counts: {
    readonly rows: number;
    readonly sessions: number;
    readonly identities: number;
    readonly predicted_campaigns: number;
    readonly truth_campaigns: number;
    /** Identities of the largest true campaign (what `largest_campaign` is measured against). */
    readonly largest_true_campaign: number;
    /** Background rows (fleet bots and noise scanners), the items of `bot_singleton_recall`. */
    readonly background_rows: number;
  };
  /** Attacker row id → predicted campaign label / truth campaign id. */
  readonly prediction: ReadonlyMap<string, string>;
  readonly truth: ReadonlyMap<string, string>;
}

/** Expand a fixture, run the identity layer and emit its identity events. */
export function simulateFixture(path: string, seed: number | bigint): SimulatedFixture {
  const fixture = resolve(path);
  const rows = generateFixture(fixture, seed);
  const identities = resolveIdentities(rows);
  return { fixture, seed, rows, emitted: emitIdentityEvents(rows, identities), identities: identities.members.size };
}

/**
 * The bounds a fixture is scored against: `expectedPath` when given, else the fixture's own
 * `.expected.yaml` when it exists, else none.
 */
export function boundsFor(fixture: string, expectedPath?: string): Bounds | null {
  if (expectedPath !== undefined) return loadBounds(expectedPath);
  const own = expectedPathFor(fixture);
  return existsSync(own) ? loadBounds(own) : null;
}

/**
 * @param expectedPath the bounds to check; by default the fixture's own `.expected.yaml` when
 *        it exists, else no bounds
 */
export function scoreFixture(path: string, seed: number | bigint, clusterIdentities: IdentityClusterer, expectedPath?: string): FixtureScore {
  const sim = simulateFixture(path, seed);
  return scoreSimulation(sim, clusterIdentities, boundsFor(sim.fixture, expectedPath));
}

/** Run a clusterer on a simulated corpus and score it per attacker row. */
export function scoreSimulation(sim: SimulatedFixture, clusterIdentities: IdentityClusterer, bounds: Bounds | null): FixtureScore {
  const campaignOf = clusterIdentities([...sim.emitted.events]);
  const prediction = new Map<string, string>();
  const truth = new Map<string, string>();
  const identitiesOfTruth = new Map<string, Set<string>>();
  const identitiesOfPrediction = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, key: string, identity: string): void => {
    let set = m.get(key);
    if (!set) m.set(key, (set = new Set()));
    set.add(identity);
  };
  for (const [rowId, labels] of sim.emitted.truth) {
    const campaign = campaignOf.get(labels.identity_uuid);
    if (campaign === undefined) {
      throw new Error(`scoreFixture(${sim.fixture}): the clusterer gave no campaign for identity ${labels.identity_uuid}`);
    }
    prediction.set(rowId, campaign);
    truth.set(rowId, labels.truth_campaign);
    add(identitiesOfTruth, labels.truth_campaign, labels.identity_uuid);
    add(identitiesOfPrediction, campaign, labels.identity_uuid);
  }
  const background = sim.rows.filter((r) => isBackground(r.truth)).map((r) => r.id);
  const largest = (m: Map<string, Set<string>>): number => {
    let max = 0;
    for (const set of m.values()) if (set.size > max) max = set.size;
    return max;
  };
  const metrics: ScenarioMetrics = {
    ...clusterMetrics(truth, prediction),
    bot_singleton_recall: singletonRecallAmong(truth, prediction, background),
    largest_campaign: largest(identitiesOfPrediction),
  };
  return {
    fixture: sim.fixture,
    seed: sim.seed,
    metrics,
    bounds,
    breaches: bounds === null ? [] : checkBounds(metrics, bounds),
    counts: {
      rows: sim.rows.length,
      sessions: sim.rows.reduce((n, r) => n + r.sessions.length, 0),
      identities: sim.identities,
      predicted_campaigns: identitiesOfPrediction.size,
      truth_campaigns: identitiesOfTruth.size,
      largest_true_campaign: largest(identitiesOfTruth),
      background_rows: background.length,
    },
    prediction,
    truth,
  };
}
