/** The `simulate` and `score` command-line contracts (other tools parse them). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { validateIdentityEvent } from '../../src/domain/validate.ts';
import { LATEST_DEFAULT_PROFILE } from '../../src/domain/profile.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DECNET = resolve(process.env.DECNET_FIXTURE_DIR ?? join(ROOT, '../shared/fixtures/decnet'));
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/campaigns.mjs'), ...args], { encoding: 'utf8' });

describe('campaigns simulate', () => {
  it('writes valid identity events in time order and the truth of every attacker row', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    try {
      const r = cli('simulate', join(DECNET, 'lone_wolf.yaml'), '--seed', '0', '--out', join(dir, 'e.ndjson'), '--truth', join(dir, 't.json'));
      assert.equal(r.status, 0, r.stderr);
      const lines = readFileSync(join(dir, 'e.ndjson'), 'utf8').trim().split('\n');
      assert.equal(lines.length, 9);
      const events = lines.map((l) => validateIdentityEvent(JSON.parse(l)));
      assert.ok(events.every((e) => e.ok));
      const times = events.map((e) => (e.ok ? e.event.time : 0));
      assert.deepEqual(times, [...times].sort((a, b) => a - b));
      const truth = JSON.parse(readFileSync(join(dir, 't.json'), 'utf8'));
      assert.deepEqual(truth['att-5594aa6b-342f-5d0a-3a5e-4842fab428f7'], {
        identity_uuid: 'att-5594aa6b-342f-5d0a-3a5e-4842fab428f7',
        truth_campaign: 'lone-wolf-001',
        truth_identity: 'id-cd072cd8-be6f-9f62-ac4c-09c28206e7e3',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the file, the path inside it and what was expected for invalid DSL (exit 1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    try {
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'campaign:\n  id: x\n  actors: [{id: a}]\n  phases:\n    - name: hacking\n');
      const r = cli('simulate', bad);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /bad\.yaml/);
      assert.match(r.stderr, /campaign\.phases\[0\]\.name/);
      assert.match(r.stderr, /UKC/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('campaigns score', () => {
  it('prints one JSON object with the four metrics and exits 0 when every bound holds', () => {
    const r = cli('score', join(DECNET, 'multi_operator.yaml'), '--seed', '0', '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      fixture: 'multi_operator.yaml', seed: 0, adjusted_rand_index: 1, homogeneity: 1, completeness: 1, singleton_recall: 1,
      pair_precision: 1, pair_recall: 1, bot_singleton_recall: 1, largest_campaign: 2, pass: true,
    });
  });

  it('sweeps seeds: one object per seed, then a summary; exit 1 when a seed fails', () => {
    const r = cli('score', '--sweep', '67..69', join(DECNET, 'noise_floor.yaml'), '--json', '--profile', 'reference');
    assert.equal(r.status, 1);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(out.slice(0, 3).map((o) => [o.seed, o.pass]), [[67, true], [68, false], [69, true]]);
    assert.deepEqual(out[3], { fixture: 'noise_floor.yaml', seeds: 3, passed: 2, failed: [68] });
    const ok = cli('score', '--sweep', '67..69', join(DECNET, 'noise_floor.yaml'));
    assert.equal(ok.status, 0);
    assert.match(ok.stdout, /3 of 3 seeds pass/);
  });

  it('--profile both: one object per profile with its resolved name, one simulation; exit follows the default', () => {
    const r = cli('score', join(DECNET, 'noise_floor.yaml'), '--seed', '68', '--profile', 'both', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(out.map((o) => [o.fixture, o.seed, o.profile, o.pass]), [
      ['noise_floor.yaml', 68, LATEST_DEFAULT_PROFILE.name, true], ['noise_floor.yaml', 68, 'reference', false],
    ]);
    assert.deepEqual(Object.keys(out[1]), [
      'fixture', 'seed', 'profile', 'adjusted_rand_index', 'homogeneity', 'completeness', 'singleton_recall',
      'pair_precision', 'pair_recall', 'bot_singleton_recall', 'largest_campaign', 'pass',
    ]);
    assert.equal(out[1].largest_campaign, 3, 'the reference rule fuses a third identity into multi_operator\'s two');
    const text = cli('score', join(DECNET, 'noise_floor.yaml'), '--seed', '68', '--profile', 'both');
    assert.match(text.stdout, new RegExp(`seed 68 ${LATEST_DEFAULT_PROFILE.name}: ARI 1\\.0000 .* PASS\n.*seed 68 reference: ARI .*largest campaign 3  FAIL`));
  });

  it('a sweep under a profile list: seed-major lines, a summary per profile, exit code of the first profile', () => {
    const r = cli('score', '--sweep', '67..69', join(DECNET, 'noise_floor.yaml'), '--json', '--profile', 'reference,default@1');
    assert.equal(r.status, 1);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(out.slice(0, 6).map((o) => [o.seed, o.profile, o.pass]), [
      [67, 'reference', true], [67, 'default@1', true], [68, 'reference', false], [68, 'default@1', true], [69, 'reference', true], [69, 'default@1', true],
    ]);
    assert.deepEqual(out.slice(6), [
      { fixture: 'noise_floor.yaml', profile: 'reference', seeds: 3, passed: 2, failed: [68] },
      { fixture: 'noise_floor.yaml', profile: 'default@1', seeds: 3, passed: 3, failed: [] },
    ]);
    const swapped = cli('score', '--sweep', '67..69', join(DECNET, 'noise_floor.yaml'), '--profile', 'default@1,reference');
    assert.equal(swapped.status, 0);
    assert.match(swapped.stdout, /noise_floor\.yaml default@1: 3 of 3 seeds pass\nnoise_floor\.yaml reference: 2 of 3 seeds pass; failing seeds: 68\n$/);
  });

  it('refuses an unknown or repeated profile with a usage error (exit 2)', () => {
    const r = cli('score', join(DECNET, 'noise_floor.yaml'), '--profile', 'default@1,default@1');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /default@1 twice/);
    assert.equal(cli('score', join(DECNET, 'noise_floor.yaml'), '--profile', 'fast').status, 2);
  });

  it('rejects a malformed sweep range with a usage error (exit 2)', () => {
    const r = cli('score', '--sweep', '9..1', join(DECNET, 'noise_floor.yaml'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /empty/);
  });
});

