/**
 * Hand-computed values for the metrics of REFERENCE §7. C(x,2) = x(x−1)/2; logs are natural,
 * but ratios of entropies are base-free, so the comments use bits where that is shorter.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  adjustedRandIndex, clusterMetrics, completeness, homogeneity, pairCounts, pairPrecision, pairRecall, singletonRecall, singletonRecallAmong,
} from '../../src/sim/metrics.ts';

/** labels('aabb') over items a..: item i gets the i-th character as its label. */
const labels = (s: string): Map<string, string> => new Map([...s].map((l, i) => [String.fromCharCode(97 + i), l]));
const close = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

describe('adjusted Rand index', () => {
  test('truth {ab|cd}, pred {a|bcd} → 0', () => {
    // S = C(1,2)+C(1,2)+C(2,2) = 1; A (pred) = C(1,2)+C(3,2) = 3; B (truth) = 2·C(2,2) = 2; P = C(4,2) = 6
    // E = A·B/P = 1; M = (A+B)/2 = 2.5; ARI = (1 − 1)/(2.5 − 1) = 0
    assert.equal(adjustedRandIndex(labels('xxyy'), labels('pqqq')), 0);
  });
  test('truth {abc|def}, pred {ab|cd|ef} → 8/33', () => {
    // S = C(2,2) [ab] + 0 [c, d apart] + C(2,2) [ef] = 2; A = 3·C(2,2) = 3; B = 2·C(3,2) = 6; P = C(6,2) = 15
    // E = 18/15 = 1.2; M = 4.5; ARI = 0.8/3.3 = 8/33
    close(adjustedRandIndex(labels('xxxyyy'), labels('ppqqrr')), 8 / 33);
  });
  test('can be negative: truth {ab|cd}, pred {ac|bd} → −0.5', () => {
    // S = 0; A = B = 2; P = 6; E = 4/6; M = 2; ARI = (−2/3)/(4/3) = −0.5
    close(adjustedRandIndex(labels('xxyy'), labels('pqpq')), -0.5);
  });
  test('truth all singletons, pred one cluster → 0', () => {
    // S = 0; A = C(3,2) = 3; B = 0; E = 0; M = 1.5; ARI = 0/1.5 = 0
    assert.equal(adjustedRandIndex(labels('xyz'), labels('ppp')), 0);
  });
  test('degenerate: M = E gives 1.0 (both all singletons, or both one cluster); n < 2 gives 1.0', () => {
    assert.equal(adjustedRandIndex(labels('xyz'), labels('pqr')), 1); // A = B = 0 → E = M = 0
    assert.equal(adjustedRandIndex(labels('xxx'), labels('ppp')), 1); // A = B = P = 3 → E = M = 3
    assert.equal(adjustedRandIndex(labels('x'), labels('p')), 1);
    assert.equal(adjustedRandIndex(new Map(), new Map()), 1);
  });
  test('identical partitions under other names → 1.0', () => {
    assert.equal(adjustedRandIndex(labels('xxyzz'), labels('qqrss')), 1);
  });
});

describe('homogeneity and completeness', () => {
  test('truth {ab|cd}, pred {a|bcd}', () => {
    // homogeneity: H(T) = 1 bit; H(T|P) = ¼·0 + ¾·H(⅓,⅔) = ¾·(log2 3 − ⅔) = ¾·0.9182958 = 0.6887219 bits
    //   → 1 − 0.6887219 = 0.3112781
    close(homogeneity(labels('xxyy'), labels('pqqq')), 1 - 0.75 * (Math.log2(3) - 2 / 3));
    // completeness: H(P) = H(¼,¾) = 2 − ¾·log2 3 = 0.8112781 bits;
    //   H(P|T) = ½·H(½,½) [class x split a→p, b→q] + ½·0 [class y all in q] = 0.5 bits
    //   → 1 − 0.5/0.8112781 = 0.3836939
    close(completeness(labels('xxyy'), labels('pqqq')), 1 - 0.5 / (2 - 0.75 * Math.log2(3)));
  });
  test('one predicted cluster over two equal classes: homogeneity 0, completeness 1', () => {
    // H(T|P) = 1·H(½,½) = H(T) → 1 − 1 = 0; H(P) = 0 → completeness 1.0
    assert.equal(homogeneity(labels('xy'), labels('pp')), 0);
    assert.equal(completeness(labels('xy'), labels('pp')), 1);
  });
  test('one class split into singletons: homogeneity 1 (H(truth) = 0), completeness 0', () => {
    // H(P|T) = 1·H(⅕ ×5) = H(P) → 1 − 1 = 0
    assert.equal(homogeneity(labels('xxxxx'), labels('pqrst')), 1);
    assert.equal(completeness(labels('xxxxx'), labels('pqrst')), 0);
  });
  test('n = 0 gives 1.0', () => {
    assert.equal(homogeneity(new Map(), new Map()), 1);
    assert.equal(completeness(new Map(), new Map()), 1);
  });
});

describe('singleton recall', () => {
  test('truth {a|b|cd}, pred {a|bc|d} → ½', () => {
    // true singletons: a, b; a's predicted cluster has 1 member, b's has 2 → 1/2
    assert.equal(singletonRecall(labels('xyzz'), labels('pqqr')), 0.5);
  });
  test('no true singletons → 1.0, whatever the prediction', () => {
    assert.equal(singletonRecall(labels('xxyy'), labels('pqrs')), 1);
  });
  test('all singletons kept → 1.0; all absorbed → 0', () => {
    assert.equal(singletonRecall(labels('xyz'), labels('pqr')), 1);
    assert.equal(singletonRecall(labels('xyz'), labels('ppp')), 0);
  });
});

describe('pair precision and pair recall', () => {
  test('truth {abc|de}, pred {ab|cde}: 4 true pairs, 4 predicted, 2 shared → ½ and ½', () => {
    // true pairs: ab ac bc de = 4; predicted: ab cd ce de = 4; both: ab, de = 2
    assert.deepEqual(pairCounts(labels('xxxyy'), labels('ppqqq')), { truth_pairs: 4, predicted_pairs: 4, shared_pairs: 2 });
    assert.equal(pairPrecision(labels('xxxyy'), labels('ppqqq')), 0.5);
    assert.equal(pairRecall(labels('xxxyy'), labels('ppqqq')), 0.5);
  });
  test('a giant cluster keeps recall and loses precision: truth {ab|cd|e|f}, pred one cluster → 2/15 and 1', () => {
    // predicted pairs C(6,2) = 15, true pairs 2, both 2
    assert.equal(pairPrecision(labels('xxyyzw'), labels('pppppp')), 2 / 15);
    assert.equal(pairRecall(labels('xxyyzw'), labels('pppppp')), 1);
  });
  test('splitting keeps precision and loses recall: truth {abcd}, pred {ab|c|d} → 1 and 1/6', () => {
    assert.equal(pairPrecision(labels('xxxx'), labels('ppqr')), 1);
    assert.equal(pairRecall(labels('xxxx'), labels('ppqr')), 1 / 6);
  });
  test('degenerate: no predicted pair → precision 1.0; no true pair → recall 1.0; both for n < 2', () => {
    assert.equal(pairPrecision(labels('xxyy'), labels('pqrs')), 1, 'all predicted singletons claim nothing');
    assert.equal(pairRecall(labels('xxyy'), labels('pqrs')), 0, 'but find none of the two true pairs');
    assert.equal(pairRecall(labels('xyz'), labels('ppq')), 1, 'all true singletons: nothing to find');
    assert.equal(pairPrecision(labels('xyz'), labels('ppq')), 0, 'the one predicted pair is wrong');
    assert.deepEqual([pairPrecision(labels('x'), labels('p')), pairRecall(labels('x'), labels('p'))], [1, 1]);
    assert.deepEqual([pairPrecision(new Map(), new Map()), pairRecall(new Map(), new Map())], [1, 1]);
  });
  test('the item sets must match', () => {
    assert.throws(() => pairPrecision(labels('xy'), labels('p')), /different items/);
  });
});

describe('singleton recall among a subset (the background)', () => {
  test('truth {a|b|c|de}, pred {ab|c|d|e}, subset {a, c, d} → ½ (d is no true singleton)', () => {
    // a, c are true singletons in the subset; a shares its predicted cluster with b, c is alone
    assert.equal(singletonRecallAmong(labels('xyzww'), labels('ppqrs'), ['a', 'c', 'd']), 0.5);
  });
  test('no true singleton in the subset, or an empty subset → 1.0', () => {
    assert.equal(singletonRecallAmong(labels('xxy'), labels('ppp'), ['a', 'b']), 1);
    assert.equal(singletonRecallAmong(labels('xyz'), labels('ppp'), []), 1);
  });
  test('an item outside the truth is an error', () => {
    assert.throws(() => singletonRecallAmong(labels('xy'), labels('pq'), ['z']), /not in the truth/);
  });
});

test('item sets must match', () => {
  const truth = labels('xy');
  assert.throws(() => adjustedRandIndex(truth, labels('p')), /different items/);
  assert.throws(() => homogeneity(truth, labels('ppp')), /different items/);
  assert.throws(() => clusterMetrics(truth, new Map([['a', 'p'], ['z', 'q']])), /missing from prediction: b; not in truth: z/);
});

test('clusterMetrics bundles the six', () => {
  assert.deepEqual(clusterMetrics(labels('xyzz'), labels('pqrr')), {
    adjusted_rand_index: 1, homogeneity: 1, completeness: 1, singleton_recall: 1, pair_precision: 1, pair_recall: 1,
  });
});
