/**
 * REFERENCE §6.5 / §7: every fixture's passing reference clusterer meets its `.expected.yaml`
 * bounds, and every adversarial reference clusterer breaches the "would-be" bound set on the
 * metric its fixture exists to protect.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { generateFixture } from '../../src/sim/dsl.ts';
import { FixtureError } from '../../src/sim/dsl.ts';
import { REFERENCE_CLUSTERERS, shiftOf, timeWindowClusterer } from '../../src/sim/reference-clusterers.ts';
import type { ReferenceClustererName } from '../../src/sim/reference-clusterers.ts';
import { clusterMetrics } from '../../src/sim/metrics.ts';
import type { ClusterMetrics } from '../../src/sim/metrics.ts';
import { WOULD_BE_BOUNDS, checkBounds, expectedPathFor, loadBounds, parseBounds } from '../../src/sim/bounds.ts';
import { SIM_EPOCH } from '../../src/sim/corpus-types.ts';
import { fixturePath, row } from './helpers.ts';
import type { FixtureName } from './helpers.ts';

function score(fixture: FixtureName, clusterer: ReferenceClustererName): ClusterMetrics {
  const rows = generateFixture(fixturePath(fixture), 0);
  const truth = new Map(rows.map((r) => [r.id, r.truth.campaign]));
  return clusterMetrics(truth, REFERENCE_CLUSTERERS[clusterer](rows));
}

describe('passing reference clusterers meet every bound of their fixture (seed 0)', () => {
  const passing: [FixtureName, ReferenceClustererName][] = [
    ['shared_wordlist', 'identity'],
    ['vpn_hopping', 'fingerprint'],
    ['lone_wolf', 'identity'],
    ['paused_campaign', 'fingerprint'],
    ['multi_operator', 'c2_callback'],
    ['noise_floor', 'composite'],
    ['slow_burn', 'composite'],
  ];
  for (const [fixture, clusterer] of passing) {
    test(`${fixture}: ${clusterer}`, () => {
      const bounds = loadBounds(expectedPathFor(fixturePath(fixture)));
      assert.deepEqual(bounds, {
        adjusted_rand_index: { min: 1 }, homogeneity: { min: 1 }, completeness: { min: 1 }, singleton_recall: { min: 1 },
      });
      assert.deepEqual(checkBounds(score(fixture, clusterer), bounds), []);
    });
  }
});

describe('adversarial reference clusterers fail their fixture (seed 0, would-be bounds)', () => {
  const breaches = (m: ClusterMetrics): string[] => checkBounds(m, WOULD_BE_BOUNDS).map((b) => b.metric);

  test('shared_wordlist: credential_jaccard merges the two campaigns (homogeneity 0)', () => {
    const m = score('shared_wordlist', 'credential_jaccard');
    // one predicted pair, no true pair: pair precision 0, pair recall 1.0 (nothing to find)
    assert.deepEqual(m, { adjusted_rand_index: 0, homogeneity: 0, completeness: 1, singleton_recall: 0, pair_precision: 0, pair_recall: 1 });
    assert.ok(breaches(m).includes('homogeneity'));
  });
  test('vpn_hopping: asn splits the one campaign in 5 (completeness 0)', () => {
    const m = score('vpn_hopping', 'asn');
    assert.equal(m.completeness, 0);
    assert.equal(m.adjusted_rand_index, 0);
    assert.ok(breaches(m).includes('completeness'));
  });
  test('paused_campaign: time_window cannot bridge the pause (completeness 0)', () => {
    const m = score('paused_campaign', 'time_window');
    assert.equal(m.completeness, 0);
    assert.ok(breaches(m).includes('completeness'));
  });
  test('multi_operator: shift splits night from day (completeness 0)', () => {
    const m = score('multi_operator', 'shift');
    assert.equal(m.completeness, 0);
    assert.ok(breaches(m).includes('completeness'));
  });
  test('multi_operator: fingerprint splits the two toolchains (completeness 0)', () => {
    const m = score('multi_operator', 'fingerprint');
    assert.equal(m.completeness, 0);
    assert.ok(breaches(m).includes('completeness'));
  });
  test('slow_burn: recency_decay fragments the three windows (completeness 0)', () => {
    const m = score('slow_burn', 'recency_decay');
    assert.equal(m.completeness, 0);
    assert.ok(breaches(m).includes('completeness'));
  });
});

describe('clusterer details', () => {
  test('shift buckets: night 22..5, day 6..13, swing 14..21', () => {
    assert.deepEqual([22, 23, 0, 5, 6, 13, 14, 21].map(shiftOf), ['night', 'night', 'night', 'night', 'day', 'day', 'swing', 'swing']);
  });
  test('shift: a tie goes to the bucket seen first; no sessions → singleton', () => {
    const at = (h: number) => ({ start: SIM_EPOCH + h * 3600 });
    const rows = [
      row('a', { sessions: [at(14), at(3), at(4), at(15)] }), // swing 2, night 2 → swing (first)
      row('b', { sessions: [at(16)] }),
      row('c'),
      row('d'),
    ];
    const l = REFERENCE_CLUSTERERS.shift(rows);
    assert.equal(l.get('a'), l.get('b'));
    assert.notEqual(l.get('c'), l.get('d'));
  });
  test('fingerprint: both-null rows are singletons; a half-null tuple is its own key', () => {
    const l = REFERENCE_CLUSTERERS.fingerprint([row('a'), row('b'), row('c', { ja3: 'J' }), row('d', { ja3: 'J' }), row('e', { ja3: 'J', hassh: 'H' })]);
    assert.notEqual(l.get('a'), l.get('b'));
    assert.equal(l.get('c'), l.get('d'));
    assert.notEqual(l.get('d'), l.get('e'));
  });
  test('time_window: spans within one day join, transitively', () => {
    const day = 86_400;
    const rows = [
      row('a', { sessions: [{ start: SIM_EPOCH }] }),
      row('b', { sessions: [{ start: SIM_EPOCH + day }] }), // gap exactly 1 day − 1 s from a's end
      row('c', { sessions: [{ start: SIM_EPOCH + 3 * day }] }),
    ];
    const l = timeWindowClusterer()(rows);
    assert.equal(l.get('a'), l.get('b'));
    assert.notEqual(l.get('b'), l.get('c'));
  });
  test('credential_jaccard: rows without credentials never join', () => {
    const l = REFERENCE_CLUSTERERS.credential_jaccard([row('a'), row('b')]);
    assert.notEqual(l.get('a'), l.get('b'));
  });
});

describe('bounds files', () => {
  test('a breach lists metric, value and floor; comparisons are inclusive', () => {
    const m = { adjusted_rand_index: 0.85, homogeneity: 0.5, completeness: 1, singleton_recall: 0.95 };
    assert.deepEqual(checkBounds(m, WOULD_BE_BOUNDS), [{ metric: 'homogeneity', value: 0.5, min: 0.9 }]);
  });
  test('invalid bounds name the file, the path and the expectation', () => {
    assert.throws(() => parseBounds('homogeneity: {min: high}', 'b.expected.yaml'),
      (e: unknown) => e instanceof FixtureError && e.message === 'b.expected.yaml: homogeneity.min: expected a number, got "high"');
    assert.throws(() => parseBounds('ari: {min: 1}', 'b.expected.yaml'),
      (e: unknown) => e instanceof FixtureError && e.path === 'ari' && /one of the metrics adjusted_rand_index/.test(e.expected));
    assert.throws(() => parseBounds('- 1', 'b.expected.yaml'), (e: unknown) => e instanceof FixtureError && e.path === '(document)');
  });
});
