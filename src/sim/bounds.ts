/**
 * Metric floors: a fixture's `<name>.expected.yaml` (`{metric: {min: x}}`) and the in-test
 * "would-be" set the adversarial checks use (REFERENCE §7). Comparisons are inclusive and exact,
 * as in the reference harness.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { FixtureError, yamlProblem } from './dsl.ts';
import { METRIC_NAMES } from './metrics.ts';
import type { ClusterMetrics } from './metrics.ts';

export type MetricName = keyof ClusterMetrics;
export type Bounds = Readonly<Partial<Record<MetricName, { readonly min: number }>>>;

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
  readonly min: number;
}

/** `fixtures/x.yaml` → `fixtures/x.expected.yaml`. */
export const expectedPathFor = (fixturePath: string): string => resolve(fixturePath).replace(/\.ya?ml$/, '') + '.expected.yaml';

export function parseBounds(text: string, file: string): Bounds {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true });
  if (doc.errors.length > 0) throw new FixtureError(file, '(document)', 'valid YAML', yamlProblem(doc.errors[0].message));
  const root = doc.toJS() as unknown;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw new FixtureError(file, '(document)', `a mapping of metric → {min: number} (metrics: ${METRIC_NAMES.join(', ')})`, JSON.stringify(root) ?? 'nothing');
  }
  const out: Partial<Record<MetricName, { min: number }>> = {};
  for (const [key, value] of Object.entries(root as Record<string, unknown>)) {
    if (!(METRIC_NAMES as readonly string[]).includes(key)) {
      throw new FixtureError(file, key, `one of the metrics ${METRIC_NAMES.join(', ')}`, JSON.stringify(key));
    }
    const min = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).min : undefined;
    if (typeof min !== 'number' || !Number.isFinite(min)) {
      throw new FixtureError(file, `${key}.min`, 'a number', JSON.stringify(min) ?? 'nothing (key missing)');
    }
    out[key as MetricName] = { min };
  }
  return out;
}

export const loadBounds = (path: string): Bounds => parseBounds(readFileSync(path, 'utf8'), resolve(path));

/** Every metric below its floor; empty when all bounds hold. */
export function checkBounds(metrics: ClusterMetrics, bounds: Bounds): Breach[] {
  const breaches: Breach[] = [];
  for (const metric of METRIC_NAMES) {
    const b = bounds[metric];
    if (b !== undefined && !(metrics[metric] >= b.min)) breaches.push({ metric, value: metrics[metric], min: b.min });
  }
  return breaches;
}
