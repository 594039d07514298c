/** The `.expected.yaml` format: `{min}` floors, the `{max}` ceiling of `largest_campaign`, and their errors. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkBounds, parseBounds } from '../../src/sim/bounds.ts';
import { FixtureError } from '../../src/sim/dsl.ts';
import type { ScenarioMetrics } from '../../src/sim/metrics.ts';

const perfect: ScenarioMetrics = {
  adjusted_rand_index: 1, homogeneity: 1, completeness: 1, singleton_recall: 1, pair_precision: 1, pair_recall: 1,
  bot_singleton_recall: 1, largest_campaign: 5,
};

describe('parseBounds', () => {
  test('reads min floors and a max ceiling, for every scenario metric', () => {
    const b = parseBounds('adjusted_rand_index: {min: 0.95}\nlargest_campaign: {max: 5}\npair_precision: {min: 0.5, max: 1}\nbot_singleton_recall: {min: 0.99}', 'x.expected.yaml');
    assert.deepEqual(b, { adjusted_rand_index: { min: 0.95 }, largest_campaign: { max: 5 }, pair_precision: { min: 0.5, max: 1 }, bot_singleton_recall: { min: 0.99 } });
  });
  const rejects = (text: string, path: string, expected: RegExp) => {
    assert.throws(() => parseBounds(text, 'x.expected.yaml'), (e: unknown) => {
      assert.ok(e instanceof FixtureError);
      assert.equal(e.path, path);
      assert.match(e.message, expected);
      return true;
    });
  };
  test('names the metric and what was expected', () => {
    rejects('largest_crew: {max: 5}', 'largest_crew', /one of the metrics .*largest_campaign/);
    rejects('largest_campaign: {maximum: 5}', 'largest_campaign.maximum', /`min` or `max`/);
    rejects('largest_campaign: {}', 'largest_campaign.min', /a number \(or `max`\)/);
    rejects('largest_campaign: 5', 'largest_campaign', /a mapping/);
    rejects('largest_campaign: {max: five}', 'largest_campaign.max', /a number/);
    rejects('pair_recall: {min: 0.9, max: 0.5}', 'pair_recall', /min ≤ max/);
    rejects('- 1', '(document)', /a mapping of metric/);
  });
});

describe('checkBounds', () => {
  test('a largest campaign above its max breaches; at the max it holds (inclusive)', () => {
    assert.deepEqual(checkBounds(perfect, { largest_campaign: { max: 5 } }), []);
    assert.deepEqual(checkBounds({ ...perfect, largest_campaign: 6 }, { largest_campaign: { max: 5 } }), [{ metric: 'largest_campaign', value: 6, max: 5 }]);
  });
  test('floors and ceilings together, in metric order', () => {
    const m = { ...perfect, adjusted_rand_index: 0.2, bot_singleton_recall: 0.5, largest_campaign: 7000 };
    const b = { largest_campaign: { max: 5 }, bot_singleton_recall: { min: 0.99 }, adjusted_rand_index: { min: 0.95 }, completeness: { min: 0.95 } };
    assert.deepEqual(checkBounds(m, b).map((x) => x.metric), ['adjusted_rand_index', 'bot_singleton_recall', 'largest_campaign']);
  });
  test('NaN never passes a bound', () => {
    assert.equal(checkBounds({ ...perfect, pair_recall: NaN }, { pair_recall: { max: 1 } }).length, 1);
  });
  test('a bound on a metric the run did not measure is an error, not a pass', () => {
    assert.throws(() => checkBounds({ adjusted_rand_index: 1 }, { largest_campaign: { max: 5 } }), /does not measure/);
  });
});
