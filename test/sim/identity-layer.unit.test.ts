import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  REFERENCE_IDENTITY_WEIGHTS, identityComponentsBruteForce, indexedTiers, observeRow, resolveIdentities, scoreIdentityPair,
} from '../../src/sim/identity-layer.ts';
import type { IdentityAssignment, IdentityWeights } from '../../src/sim/identity-layer.ts';
import { generateFixture } from '../../src/sim/dsl.ts';
import { expandCorpus } from '../../src/sim/expander.ts';
import { parseFixture } from '../../src/sim/dsl.ts';
import type { AttackerRow } from '../../src/sim/corpus-types.ts';
import type { Phase } from '../../src/domain/phases.ts';
import { FIXTURES, fixturePath, row } from './helpers.ts';

/** The partition as a canonical, comparable value. */
const partition = (a: IdentityAssignment): string[][] =>
  [...a.members.values()].map((m) => [...m].sort()).sort((x, y) => (x[0] < y[0] ? -1 : 1));

describe('tiers (REFERENCE §5.1)', () => {
  const score = (a: AttackerRow, b: AttackerRow) => scoreIdentityPair(observeRow(a), observeRow(b));

  test('equal non-null JA3 or HASSH is a high-tier hit', () => {
    assert.equal(score(row('a', { ja3: 'J' }), row('b', { ja3: 'J', hassh: 'X' })).total, 1);
    assert.equal(score(row('a', { hassh: 'H', ja3: 'J1' }), row('b', { hassh: 'H', ja3: 'J2' })).high, 1);
    assert.equal(score(row('a'), row('b')).high, 0);
  });

  test('shared payload or C2 counts unless the fingerprints fully disagree', () => {
    const c2 = { sessions: [{ c2_callback: 'c2.example' }] };
    assert.equal(score(row('a', c2), row('b', c2)).high, 1);
    assert.equal(score(row('a', { ...c2, ja3: 'J1' }), row('b', c2)).high, 1, 'no comparable slot: no veto');
    assert.equal(score(row('a', { ...c2, ja3: 'J1' }), row('b', { ...c2, ja3: 'J2' })).high, 0, 'the only comparable slot differs: veto');
    assert.equal(score(row('a', { ...c2, ja3: 'J1', hassh: 'H1' }), row('b', { ...c2, ja3: 'J2', hassh: 'H2' })).high, 0);
    const pay = { sessions: [{ payload_hash: 'p' }] };
    assert.equal(score(row('a', { ...pay, hassh: 'H1' }), row('b', { ...pay, ja3: 'J2' })).high, 1, 'slots never comparable');
  });

  test('medium, low and very-low together stay below the threshold', () => {
    const phase: Phase = 'discovery';
    const s = { sessions: [{ phase, commands: ['id', 'uname -a'], credentials: [['root', 'toor'] as const] }] };
    const r = score(row('a', { ...s, asn: 0 }), row('b', { ...s, asn: 0 }));
    assert.deepEqual([r.high, r.medium, r.low, r.very_low], [0, 1, 1, 1]);
    assert.ok(r.total < 1 && Math.abs(r.total - 0.85) < 1e-12);
  });

  test('medium takes the best phase, only over phases where both have commands', () => {
    const a = row('a', { sessions: [{ phase: 'discovery', commands: ['x', 'y'] }, { phase: 'collection', commands: ['z'] }] });
    const b = row('b', { sessions: [{ phase: 'discovery', commands: ['x'] }, { phase: 'execution', commands: ['z'] }] });
    assert.equal(score(a, b).medium, 0.5);
  });

  test('with the reference weights only JA3/HASSH/payload/C2 keys make candidates', () => {
    assert.deepEqual([...indexedTiers(REFERENCE_IDENTITY_WEIGHTS)], ['high']);
    assert.deepEqual([...indexedTiers({ ...REFERENCE_IDENTITY_WEIGHTS, medium: 0.95 })].sort(), ['high', 'medium']);
    assert.deepEqual([...indexedTiers({ high: 1, medium: 1, low: 1, very_low: 1, threshold: 1 })].sort(), ['high', 'low', 'medium', 'very_low']);
  });
});

describe('REFERENCE §6.4: identities after the identity layer (seed 0)', () => {
  const expected: Record<(typeof FIXTURES)[number], number> = {
    lone_wolf: 9, shared_wordlist: 2, vpn_hopping: 1, paused_campaign: 1, multi_operator: 2, noise_floor: 25, slow_burn: 1,
  };
  for (const name of FIXTURES) {
    test(name, () => {
      const rows = generateFixture(fixturePath(name), 0);
      const ids = resolveIdentities(rows);
      assert.equal(ids.members.size, expected[name]);
      assert.deepEqual(partition(ids), partition(identityComponentsBruteForce(rows)));
      // The identity uuid is the smallest member row id.
      for (const [uuid, members] of ids.members) assert.equal(uuid, [...members].sort()[0]);
    });
  }
});

describe('blocking equals the brute force', () => {
  const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
  const phases: readonly Phase[] = ['discovery', 'collection', 'credential_access'];
  const session = fc.record({
    phase: pick(phases),
    commands: fc.uniqueArray(pick(['a', 'b', 'c', 'd']), { maxLength: 3 }),
    credentials: fc.uniqueArray(pick(['root', 'admin']).map((u) => [u, 'pw'] as const), { maxLength: 2 }),
    c2_callback: fc.option(pick(['c2a', 'c2b', 'c2c']), { nil: null }),
    payload_hash: fc.option(pick(['p1', 'p2', 'p3']), { nil: null }),
  });
  const rows = fc.array(fc.record({
    ja3: fc.option(pick(['J1', 'J2', 'J3']), { nil: null }),
    hassh: fc.option(pick(['H1', 'H2']), { nil: null }),
    asn: fc.option(pick([0, 1, 2]), { nil: null }),
    sessions: fc.array(session, { maxLength: 3 }),
  }), { maxLength: 14 }).map((specs) => specs.map((s, i) => row(`r${String(i).padStart(2, '0')}`, s)));
  const weightSets: IdentityWeights[] = [
    REFERENCE_IDENTITY_WEIGHTS,
    { high: 1, medium: 0.6, low: 0.4, very_low: 0.05, threshold: 1 },
    { high: 1, medium: 1, low: 1, very_low: 1, threshold: 1 },
    { high: 0.5, medium: 0.5, low: 0.2, very_low: 0.3, threshold: 1 },
  ];

  for (const [k, w] of weightSets.entries()) {
    test(`property, weight set ${k}`, () => {
      fc.assert(fc.property(rows, (rs) => {
        assert.deepEqual(partition(resolveIdentities(rs, w)), partition(identityComponentsBruteForce(rs, w)));
      }), { numRuns: 300, seed: 20260101 + k });
    });
  }
});

test('scale: a 10,000-scanner corpus resolves without quadratic pair scoring', () => {
  const spec = parseFixture('include_fixtures: [multi_operator.yaml, slow_burn.yaml, vpn_hopping.yaml]\nextra_noise_scanners: 10000', fixturePath('noise_floor'));
  const rows = expandCorpus(spec, 0);
  assert.equal(rows.length, 2 + 3 + 5 + 10_000);
  const ids = resolveIdentities(rows);
  assert.equal(ids.members.size, 2 + 1 + 1 + 10_000);
  // The work is counted, not timed: quadratic scoring would be ~5·10^7 pairs, whatever the machine.
  assert.ok(ids.pairsScored < 100, `scored ${ids.pairsScored} pairs`);
});

test('scale: large shared-C2 buckets stay near-linear', () => {
  // 5,000 rows, 50 groups sharing a C2 each, no fingerprints: pairs inside a bucket are skipped
  // once both ends are already joined.
  const rs = Array.from({ length: 5000 }, (_, i) => row(`r${String(i).padStart(5, '0')}`, { sessions: [{ c2_callback: `c2-${i % 50}` }] }));
  const ids = resolveIdentities(rs);
  assert.equal(ids.members.size, 50);
  assert.ok(ids.pairsScored < 5000, `scored ${ids.pairsScored} pairs`);
});
