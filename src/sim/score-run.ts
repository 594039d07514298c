/**
 * What `campaigns score` prints: the metrics of the whole pipeline (simulate → engine →
 * membership) for one seed, or one line per seed for a sweep; with several profiles, one line
 * per (seed, profile), each scored on the same simulated corpus. Kept apart from the CLI so tests
 * can call it.
 */
import { basename } from 'node:path';
import type { ScoringProfile } from '../domain/profile.ts';
import type { Bounds } from './bounds.ts';
import { engineClusterer } from './engine-clusterer.ts';
import { boundsFor, scoreSimulation, simulateFixture } from './scenario.ts';

export interface ScoreLine {
  readonly fixture: string;
  readonly seed: number;
  /** The profile's resolved name (e.g. `default@2`); only on lines of a several-profile run. */
  readonly profile?: string;
  readonly adjusted_rand_index: number;
  readonly homogeneity: number;
  readonly completeness: number;
  readonly singleton_recall: number;
  readonly pair_precision: number;
  readonly pair_recall: number;
  readonly bot_singleton_recall: number;
  /** identities in the largest predicted campaign */
  readonly largest_campaign: number;
  /** every bound holds (true when the fixture has no bounds) */
  readonly pass: boolean;
}

export interface SweepSummary {
  readonly fixture: string;
  /** only in a several-profile run */
  readonly profile?: string;
  readonly seeds: number;
  readonly passed: number;
  readonly failed: readonly number[];
}

export interface ScoreOptions {
  readonly profile: ScoringProfile;
  readonly batchSize: number;
  /** bounds file; default: the fixture's `.expected.yaml` */
  readonly expected?: string;
}

export interface MultiScoreOptions {
  /** Scored in this order; the first is the one a caller's verdict (exit code) follows. */
  readonly profiles: readonly ScoringProfile[];
  readonly batchSize: number;
  readonly expected?: string;
}

export function scoreSeed(fixture: string, seed: number, opts: ScoreOptions): ScoreLine {
  return scoreLines(fixture, seed, [opts.profile], opts.batchSize, boundsFor(fixture, opts.expected), false)[0];
}

/** One line per profile, in the order given, each with its `profile`; simulated once. */
export function scoreSeedAcross(fixture: string, seed: number, opts: MultiScoreOptions): ScoreLine[] {
  return scoreLines(fixture, seed, opts.profiles, opts.batchSize, boundsFor(fixture, opts.expected), true);
}

function scoreLines(fixture: string, seed: number, profiles: readonly ScoringProfile[], batchSize: number, bounds: Bounds | null, named: boolean): ScoreLine[] {
  const sim = simulateFixture(fixture, seed);
  return profiles.map((profile) => {
    const r = scoreSimulation(sim, engineClusterer(profile, batchSize), bounds);
    const m = r.metrics;
    return {
      fixture: basename(fixture),
      seed,
      ...(named ? { profile: profile.name } : {}),
      adjusted_rand_index: m.adjusted_rand_index,
      homogeneity: m.homogeneity,
      completeness: m.completeness,
      singleton_recall: m.singleton_recall,
      pair_precision: m.pair_precision,
      pair_recall: m.pair_recall,
      bot_singleton_recall: m.bot_singleton_recall,
      largest_campaign: m.largest_campaign,
      pass: r.breaches.length === 0,
    };
  });
}

export function* sweep(fixture: string, seeds: Iterable<number>, opts: ScoreOptions): Generator<ScoreLine, SweepSummary> {
  const bounds = boundsFor(fixture, opts.expected);
  let n = 0;
  const failed: number[] = [];
  for (const seed of seeds) {
    const [line] = scoreLines(fixture, seed, [opts.profile], opts.batchSize, bounds, false);
    n++;
    if (!line.pass) failed.push(seed);
    yield line;
  }
  return { fixture: basename(fixture), seeds: n, passed: n - failed.length, failed };
}

/** Seed-major: for each seed, one line per profile; then one summary per profile, in profile order. */
export function* sweepAcross(fixture: string, seeds: Iterable<number>, opts: MultiScoreOptions): Generator<ScoreLine, SweepSummary[]> {
  const bounds = boundsFor(fixture, opts.expected);
  let n = 0;
  const failed = opts.profiles.map((): number[] => []);
  for (const seed of seeds) {
    const lines = scoreLines(fixture, seed, opts.profiles, opts.batchSize, bounds, true);
    n++;
    for (const [i, line] of lines.entries()) {
      if (!line.pass) failed[i].push(seed);
      yield line;
    }
  }
  return opts.profiles.map((p, i) => ({ fixture: basename(fixture), profile: p.name, seeds: n, passed: n - failed[i].length, failed: failed[i] }));
}

/** `a..b` (inclusive) → the seeds; throws with a clear message otherwise. */
export function parseSeedRange(text: string): number[] {
  const m = /^(\d+)\.\.(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`--sweep takes a range like 0..99, got "${text}"`);
  const [a, b] = [Number(m[1]), Number(m[2])];
  if (b < a) throw new Error(`--sweep range ${text} is empty (end before start)`);
  if (b - a > 100_000) throw new Error(`--sweep range ${text} is too large (at most 100,001 seeds)`);
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}
