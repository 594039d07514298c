/**
 * The harness pipeline for a campaign clusterer over identity events (REFERENCE §6.6, on our
 * event contract): fixture → rows → identity layer → `identity.observed` events → the caller's
 * clusterer → each row predicted as its identity's campaign → the four metrics against the
 * truth campaigns, checked against the fixture's `.expected.yaml` when it exists.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { IdentityObserved } from '../domain/identity-events.ts';
import type { AttackerRow } from './corpus-types.ts';
import { generateFixture } from './dsl.ts';
import { emitIdentityEvents } from './emit.ts';
import type { EmittedCorpus } from './emit.ts';
import { resolveIdentities } from './identity-layer.ts';
import { clusterMetrics } from './metrics.ts';
import type { ClusterMetrics } from './metrics.ts';
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
  readonly metrics: ClusterMetrics;
  /** The fixture's `.expected.yaml`, or null when there is none beside it. */
  readonly bounds: Bounds | null;
  /** Metrics below their floor (empty when all bounds hold or there are none). */
  readonly breaches: readonly Breach[];
  readonly counts: {
    readonly rows: number;
    readonly sessions: number;
    readonly identities: number;
    readonly predicted_campaigns: number;
    readonly truth_campaigns: number;
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
 * @param expectedPath the bounds to check; by default the fixture's own `.expected.yaml` when
 *        it exists, else no bounds
 */
export function scoreFixture(path: string, seed: number | bigint, clusterIdentities: IdentityClusterer, expectedPath?: string): FixtureScore {
  const sim = simulateFixture(path, seed);
  const campaignOf = clusterIdentities([...sim.emitted.events]);
  const prediction = new Map<string, string>();
  const truth = new Map<string, string>();
  for (const [rowId, labels] of sim.emitted.truth) {
    const campaign = campaignOf.get(labels.identity_uuid);
    if (campaign === undefined) {
      throw new Error(`scoreFixture(${sim.fixture}): the clusterer gave no campaign for identity ${labels.identity_uuid}`);
    }
    prediction.set(rowId, campaign);
    truth.set(rowId, labels.truth_campaign);
  }
  const metrics = clusterMetrics(truth, prediction);
  const expected = expectedPath ?? expectedPathFor(sim.fixture);
  const bounds = expectedPath !== undefined || existsSync(expected) ? loadBounds(expected) : null;
  return {
    fixture: sim.fixture,
    seed,
    metrics,
    bounds,
    breaches: bounds === null ? [] : checkBounds(metrics, bounds),
    counts: {
      rows: sim.rows.length,
      sessions: sim.rows.reduce((n, r) => n + r.sessions.length, 0),
      identities: sim.identities,
      predicted_campaigns: new Set(prediction.values()).size,
      truth_campaigns: new Set(truth.values()).size,
    },
    prediction,
    truth,
  };
}
