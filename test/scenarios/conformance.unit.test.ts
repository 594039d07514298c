/**
 * Conformance on the reference scenarios (../shared/fixtures/decnet) and on campaign-stream's
 * own (scenarios/): the whole pipeline — simulate, identity layer, engine in batches, membership
 * — scored per attacker row against the truth campaigns.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join, resolve } from 'node:path';
import { DEFAULT_V1_PROFILE, LATEST_DEFAULT_PROFILE, REFERENCE_PROFILE } from '../../src/domain/profile.ts';
import { scoreSeed, sweep } from '../../src/sim/score-run.ts';
import { generateFixture } from '../../src/sim/dsl.ts';
import { clusterMetrics } from '../../src/sim/metrics.ts';
import { c2CallbackClusterer } from '../../src/sim/reference-clusterers.ts';

const DECNET = resolve(process.env.DECNET_FIXTURE_DIR ?? join(import.meta.dirname, '../../../shared/fixtures/decnet'));
const OWN = resolve(import.meta.dirname, '../../scenarios');
const FIXTURES = ['shared_wordlist', 'vpn_hopping', 'lone_wolf', 'paused_campaign', 'multi_operator', 'noise_floor', 'slow_burn'];
/** Every default ever released keeps passing: a store of each is still clustered by it. */
const DEFAULTS = [LATEST_DEFAULT_PROFILE, DEFAULT_V1_PROFILE];
const opts = { profile: LATEST_DEFAULT_PROFILE, batchSize: 50 };
/** Identities of each fixture's largest campaign: multi_operator's two operators are two identities. */
const LARGEST_CREW: Record<string, number> = {
  shared_wordlist: 1, vpn_hopping: 1, lone_wolf: 1, paused_campaign: 1, multi_operator: 2, noise_floor: 2, slow_burn: 1,
};
const seeds = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('reference fixtures', () => {
  for (const f of FIXTURES) {
    it(`${f} meets every bound (1.0 on all four metrics) at seed 0`, () => {
      const line = scoreSeed(join(DECNET, `${f}.yaml`), 0, opts);
      assert.deepEqual(line, {
        fixture: `${f}.yaml`, seed: 0, adjusted_rand_index: 1, homogeneity: 1, completeness: 1, singleton_recall: 1,
        pair_precision: 1, pair_recall: 1, bot_singleton_recall: 1, largest_campaign: LARGEST_CREW[f], pass: true,
      });
    });
  }
  for (const profile of DEFAULTS) {
    for (const f of FIXTURES) {
      it(`${f} passes every seed of 0..99 under ${profile.name}`, () => {
        const gen = sweep(join(DECNET, `${f}.yaml`), seeds(100), { profile, batchSize: 50 });
        let r = gen.next();
        while (!r.done) r = gen.next();
        assert.deepEqual(r.value.failed, []);
        assert.equal(r.value.passed, 100);
      });
    }
  }
  it('the reference handoff rule still fuses noise_floor on seed 68 (the failure the default rule fixes)', () => {
    const line = scoreSeed(join(DECNET, 'noise_floor.yaml'), 68, { profile: REFERENCE_PROFILE, batchSize: 50 });
    assert.equal(line.pass, false);
    assert.ok(line.homogeneity < 1);
    assert.equal(scoreSeed(join(DECNET, 'noise_floor.yaml'), 68, opts).pass, true);
  });
});

describe("campaign-stream's own scenarios", () => {
  for (const profile of DEFAULTS) {
    for (const f of ['genuine_handoff', 'keystroke_overlap']) {
      it(`${f} passes every seed of 0..99 under ${profile.name}`, () => {
        const gen = sweep(join(OWN, `${f}.yaml`), seeds(100), { profile, batchSize: 50 });
        let r = gen.next();
        while (!r.done) r = gen.next();
        assert.deepEqual(r.value.failed, []);
      });
    }
  }
  it('noise_floor_10k keeps all 10,000 scanners singletons and both campaigns whole', () => {
    const line = scoreSeed(join(OWN, 'noise_floor_10k.yaml'), 0, { profile: LATEST_DEFAULT_PROFILE, batchSize: 1000 });
    assert.equal(line.pass, true);
    assert.equal(line.singleton_recall, 1);
  });
  it('a clusterer that needs shared infrastructure splits the genuine handoff (completeness 0)', () => {
    const rows = generateFixture(join(OWN, 'genuine_handoff.yaml'), 0);
    const truth = new Map(rows.map((r) => [r.id, r.truth.campaign]));
    assert.equal(clusterMetrics(truth, c2CallbackClusterer(rows)).completeness, 0);
  });
});
