/**
 * Metric bounds: a fixture's `<name>.expected.yaml` (`{metric: {min: x}}`, `{metric: {max: n}}`)
 * and the in-test "would-be" set the adversarial checks use (REFERENCE §7). Comparisons are
 * inclusive and exact, as in the reference harness. `max` exists for `largest_campaign`: a fleet
 * scenario's largest predicted campaign may not outgrow its largest true crew.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { FixtureError, yamlProblem } from './dsl.ts';
import { SCENARIO_METRIC_NAMES } from './metrics.ts';
import type { ScenarioMetrics } from './metrics.ts';

export type MetricName = keyof ScenarioMetrics;

/** Inclusive limits; at least one is present. */
export interface Bound {
  readonly min?: number;
  readonly max?: number;
}

export type Bounds = Readonly<Partial<Record<MetricName, Bound>>>;

/** The metrics a run measured (a clusterer scored on labels alone has no `largest_campaign`). */
export type MeasuredMetrics = Readonly<Partial<Record<MetricName, number>>>;

/** The adversarial tests' bound set: each adversary must breach it on its metric. */
export const WOULD_BE_BOUNDS: Bounds = {
  adjusted_rand_index: { min: 0.85 },
  homogeneity: { min: 0.9 },
  completeness: { min: 0.8 },
  singleton_recall: { min: 0.95 },
};

export interface Breach {
  readonly metric: MetricName;
  readonly value: number;
  readonly min?: number;
  readonly max?: number;
}

/** `fixtures/x.yaml` → `fixtures/x.expected.yaml`. */
export const expectedPathFor = (fixturePath: string): string => resolve(fixturePath).replace(/\.ya?ml$/, '') + '.expected.yaml';

export function parseBounds(text: string, file: string): Bounds {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true });
  if (doc.errors.length > 0) throw new FixtureError(file, '(document)', 'valid YAML', yamlProblem(doc.errors[0].message));
  const root = doc.toJS() as unknown;
  const shape = `a mapping of metric → {min: number} or {max: number} (metrics: ${SCENARIO_METRIC_NAMES.join(', ')})`;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw new FixtureError(file, '(document)', shape, JSON.stringify(root) ?? 'nothing');
  }
  const out: Partial<Record<MetricName, Bound>> = {};
  for (const [key, value] of Object.entries(root as Record<string, unknown>)) {
    if (!(SCENARIO_METRIC_NAMES as readonly string[]).includes(key)) {
      throw new FixtureError(file, key, `one of the metrics ${SCENARIO_METRIC_NAMES.join(', ')}`, JSON.stringify(key));
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new FixtureError(file, key, 'a mapping {min: number} and/or {max: number}', JSON.stringify(value) ?? 'nothing');
    }
    const v = value as Record<string, unknown>;
    const extra = Object.keys(v).filter((k) => k !== 'min' && k !== 'max');
    if (extra.length > 0) throw new FixtureError(file, `${key}.${extra[0]}`, '`min` or `max`', JSON.stringify(extra[0]));
    if (v.min === undefined && v.max === undefined) throw new FixtureError(file, `${key}.min`, 'a number (or `max`)', 'nothing (key missing)');
    const bound: { min?: number; max?: number } = {};
    for (const side of ['min', 'max'] as const) {
      if (v[side] === undefined) continue;
      const n = v[side];
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new FixtureError(file, `${key}.${side}`, 'a number', JSON.stringify(n) ?? 'nothing');
      bound[side] = n;
    }
    if (bound.min !== undefined && bound.max !== undefined && bound.min > bound.max) {
      throw new FixtureError(file, key, 'min ≤ max', `min ${bound.min} > max ${bound.max}`);
    }
    out[key as MetricName] = bound;
  }
  return out;
}

export const loadBounds = (path: string): Bounds => parseBounds(readFileSync(path, 'utf8'), resolve(path));

/**
 * Every metric outside its limits; empty when all bounds hold. A bound on a metric the run did
 * not measure is a programming error (it would otherwise pass silently).
 */
export function checkBounds(metrics: MeasuredMetrics, bounds: Bounds): Breach[] {
  const breaches: Breach[] = [];
  for (const metric of SCENARIO_METRIC_NAMES) {
    const b = bounds[metric];
    if (b === undefined) continue;
    const value = metrics[metric];
    if (value === undefined) throw new Error(`checkBounds: a bound on ${metric}, which this run does not measure`);
    if (b.min !== undefined && !(value >= b.min)) breaches.push({ metric, value, min: b.min });
    else if (b.max !== undefined && !(value <= b.max)) breaches.push({ metric, value, max: b.max });
  }
  return breaches;
}
