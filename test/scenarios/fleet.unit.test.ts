/**
 * The fleet scenarios through the whole pipeline (simulate → identity layer → engine →
 * membership), and scoring one corpus under several profiles. The fleet quality targets of
 * issue #11 are not asserted for the default profile yet (default@2 is in progress); what is
 * asserted is that the scenario runs end to end under every profile and that today's profiles
 * fail it — a fleet scenario the percolating profiles passed would measure nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join, resolve } from 'node:path';
import { LATEST_DEFAULT_PROFILE, profileByName } from '../../src/domain/profile.ts';
import { scoreSeedAcross, sweepAcross } from '../../src/sim/score-run.ts';
import { parseProfiles } from '../../src/cli/commands/score.ts';
import { UsageError } from '../../src/cli/args.ts';

const OWN = resolve(import.meta.dirname, '../../scenarios');
const DECNET = resolve(process.env.DECNET_FIXTURE_DIR ?? join(import.meta.dirname, '../../../shared/fixtures/decnet'));
const inUnit = (x: number) => Number.isFinite(x) && x >= -0.5 && x <= 1;

describe('fleet_2k end to end', () => {
  const lines = scoreSeedAcross(join(OWN, 'fleet_2k.yaml'), 0, {
    profiles: [profileByName('default@1'), profileByName('reference'), profileByName('default')],
    batchSize: 1000,
  });

  it('one line per profile, in the order given, named as resolved', () => {
    assert.deepEqual(lines.map((l) => [l.fixture, l.seed, l.profile]), [
      ['fleet_2k.yaml', 0, 'default@1'], ['fleet_2k.yaml', 0, 'reference'], ['fleet_2k.yaml', 0, LATEST_DEFAULT_PROFILE.name],
    ]);
    for (const l of lines) {
      for (const m of [l.adjusted_rand_index, l.homogeneity, l.completeness, l.singleton_recall, l.pair_precision, l.pair_recall, l.bot_singleton_recall]) {
        assert.ok(inUnit(m), `${l.profile}: ${m}`);
      }
      assert.ok(Number.isInteger(l.largest_campaign) && l.largest_campaign >= 5, `${l.profile}: largest ${l.largest_campaign}`);
    }
  });

  it('default@1 and reference percolate: a campaign of hundreds of bots, and every fleet bound fails', () => {
    for (const l of lines.slice(0, 2)) {
      assert.equal(l.pass, false, l.profile);
      assert.ok(l.largest_campaign > 500, `${l.profile}: largest campaign ${l.largest_campaign}`);
      assert.ok(l.pair_precision < 0.01, `${l.profile}: pair precision ${l.pair_precision}`);
      assert.ok(l.bot_singleton_recall < 0.5, `${l.profile}: bot singleton recall ${l.bot_singleton_recall}`);
      assert.ok(l.adjusted_rand_index < 0.95);
    }
  });
});

describe('scoring several profiles', () => {
  it('a sweep is seed-major, with one summary per profile in profile order', () => {
    const run = sweepAcross(join(DECNET, 'noise_floor.yaml'), [67, 68, 69], { profiles: [profileByName('reference'), profileByName('default@1')], batchSize: 50 });
    const lines = [];
    let r = run.next();
    for (; !r.done; r = run.next()) lines.push(r.value);
    assert.deepEqual(lines.map((l) => [l.seed, l.profile, l.pass]), [
      [67, 'reference', true], [67, 'default@1', true],
      [68, 'reference', false], [68, 'default@1', true],
      [69, 'reference', true], [69, 'default@1', true],
    ]);
    assert.deepEqual(r.value, [
      { fixture: 'noise_floor.yaml', profile: 'reference', seeds: 3, passed: 2, failed: [68] },
      { fixture: 'noise_floor.yaml', profile: 'default@1', seeds: 3, passed: 3, failed: [] },
    ]);
  });

  it('--profile: both = the newest default and reference; lists resolve names and refuse repeats', () => {
    const names = (t: string | undefined) => parseProfiles(t).map((p) => p.name);
    assert.deepEqual(names(undefined), [LATEST_DEFAULT_PROFILE.name]);
    assert.deepEqual(names('both'), [LATEST_DEFAULT_PROFILE.name, 'reference']);
    assert.deepEqual(names('default@1, reference'), ['default@1', 'reference']);
    assert.deepEqual(names('reference'), ['reference']);
    assert.throws(() => parseProfiles(`default,${LATEST_DEFAULT_PROFILE.name}`), (e: unknown) => e instanceof UsageError && /twice/.test(e.message));
    assert.throws(() => parseProfiles('default@9'), (e: unknown) => e instanceof UsageError && /unknown scoring profile/.test(e.message));
    assert.throws(() => parseProfiles('both,reference'), UsageError);
  });
});
