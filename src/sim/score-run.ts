/**
 * What `campaigns score` prints: the four metrics of the whole pipeline (simulate → engine →
 * membership) for one seed, or one line per seed for a sweep. Kept apart from the CLI so tests
 * can call it.
 */
import { basename } from 'node:path';
import type { ScoringProfile } from '../domain/profile.ts';
import { engineClusterer } from './engine-clusterer.ts';
import { scoreFixture } from './scenario.ts';

export interface ScoreLine {
  readonly fixture: string;
  readonly seed: number;
  readonly adjusted_rand_index: number;
  readonly homogeneity: number;
  readonly completeness: number;
  readonly singleton_recall: number;
  /** every bound holds (true when the fixture has no bounds) */
  readonly pass: boolean;
}

export interface SweepSummary {
  readonly fixture: string;
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

export function scoreSeed(fixture: string, seed: number, opts: ScoreOptions): ScoreLine {
  const r = scoreFixture(fixture, seed, engineClusterer(opts.profile, opts.batchSize), opts.expected);
  return {
    fixture: basename(fixture),
    seed,
    adjusted_rand_index: r.metrics.adjusted_rand_index,
    homogeneity: r.metrics.homogeneity,
    completeness: r.metrics.completeness,
    singleton_recall: r.metrics.singleton_recall,
    pass: r.breaches.length === 0,
  };
}

export function* sweep(fixture: string, seeds: Iterable<number>, opts: ScoreOptions): Generator<ScoreLine, SweepSummary> {
  let n = 0;
  const failed: number[] = [];
  for (const seed of seeds) {
    const line = scoreSeed(fixture, seed, opts);
    n++;
    if (!line.pass) failed.push(seed);
    yield line;
  }
  return { fixture: basename(fixture), seeds: n, passed: n - failed.length, failed };
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
