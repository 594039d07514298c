/**
 * A store's log is one scoring profile's clustering: `run --profile` picks it for a new store,
 * the store records it, and a later run with another profile is refused before it appends
 * anything (re-clustering with another profile is a rebuild into a new store).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStoreForReading, STORE_FILE } from '../../src/cli/store-dir.ts';
import { simulateFixture } from '../../src/sim/scenario.ts';
import { FIXTURE_DIR } from '../sim/helpers.ts';
import { writeLines } from './support/identity-stream.ts';
import { cli } from './support/store-run.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-profile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// noise_floor seed 68: the reference's handoff rule joins unrelated scanners here; the default
// profile's foothold rule does not (docs/CLUSTERING.md). So the two profiles give other logs.
const lines = simulateFixture(path.join(FIXTURE_DIR, 'noise_floor.yaml'), 68).emitted.lines;
const half = Math.floor(lines.length / 2);
const first = writeLines(path.join(dir, 'first.ndjson'), lines.slice(0, half));
const second = writeLines(path.join(dir, 'second.ndjson'), lines.slice(half));
const all = writeLines(path.join(dir, 'all.ndjson'), lines);

async function storedProfile(store: string): Promise<string | null> {
  const s = openStoreForReading(store);
  try {
    return await s.settings.get('scoring_profile');
  } finally {
    s.close();
  }
}

const head = async (store: string): Promise<number> => {
  const s = openStoreForReading(store);
  try {
    return await s.log.head();
  } finally {
    s.close();
  }
};

/** The partition into campaigns, independent of campaign ids (batch boundaries may change those). */
async function partition(store: string): Promise<string[][]> {
  const out = (await cli(['membership', '--store', store])).stdout.trimEnd().split('\n').filter((l) => l !== '');
  const groups = new Map<string, string[]>();
  for (const m of out.map((l) => JSON.parse(l) as { identity_uuid: string; campaign_uuid: string })) {
    groups.set(m.campaign_uuid, [...(groups.get(m.campaign_uuid) ?? []), m.identity_uuid]);
  }
  return [...groups.values()].map((g) => g.sort()).sort((a, b) => a[0].localeCompare(b[0]));
}

describe('scoring profile of a store', () => {
  it('run --profile clusters with that profile: reference and default give different campaigns', async () => {
    const ref = path.join(dir, 'ref-all');
    const def = path.join(dir, 'def-all');
    assert.equal((await cli(['run', '--input', all, '--store', ref, '--profile', 'reference'])).code, 0);
    assert.equal((await cli(['run', '--input', all, '--store', def])).code, 0);
    const [r, d] = [await partition(ref), await partition(def)];
    assert.ok(r.length > 0);
    assert.notDeepEqual(r, d);
    assert.equal(Math.max(...r.map((g) => g.length)), 3, 'the reference rule joins a third scanner into a pair');
    assert.equal(await storedProfile(ref), 'reference');
    assert.equal(await storedProfile(def), 'default@2', 'a new store without --profile takes the newest default');
  });

  it('a later run asking for another profile is refused with profile_mismatch and appends nothing; without --profile the store\'s continues', async () => {
    const store = path.join(dir, 'ref-split');
    assert.equal((await cli(['run', '--input', first, '--store', store, '--profile', 'reference'])).code, 0);
    const before = await head(store);
    const refused = await cli(['run', '--input', first, second, '--store', store, '--profile', 'default']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /error \[profile_mismatch\]: the store holds a log clustered with scoring profile 'reference'; this run asks for 'default@2'\. Run with --profile reference/);
    assert.equal(await head(store), before, 'nothing appended');
    assert.equal(await storedProfile(store), 'reference');

    assert.equal((await cli(['run', '--input', first, second, '--store', store])).code, 0);
    assert.equal(await storedProfile(store), 'reference');
    assert.deepEqual(await partition(store), await partition(path.join(dir, 'ref-all')), 'continuing in two runs gives the one-run partition');
  });

  for (const legacy of [null, 'default']) {
    it(`a store that recorded ${legacy === null ? 'no profile' : "'default'"} (before versions) is default@1: kept without --profile, refused for the newest default`, async () => {
      const store = path.join(dir, `legacy-${legacy}`);
      assert.equal((await cli(['run', '--input', first, '--store', store, '--profile', 'default@1'])).code, 0);
      const db = new Database(path.join(store, STORE_FILE));
      if (legacy === null) db.prepare("DELETE FROM store_meta WHERE key = 'scoring_profile'").run();
      else db.prepare("UPDATE store_meta SET value = ? WHERE key = 'scoring_profile'").run(legacy);
      db.close();
      assert.equal(await storedProfile(store), legacy);

      const refused = await cli(['run', '--input', first, second, '--store', store, '--profile', 'default']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /\[profile_mismatch\].*profile 'default@1'; this run asks for 'default@2'/);
      assert.equal((await cli(['run', '--input', first, second, '--store', store])).code, 0);
      assert.equal(await storedProfile(store), 'default@1');
    });
  }

  it('an unknown profile is a usage error (exit 2) naming the known ones, and creates no log', async () => {
    const store = path.join(dir, 'unknown');
    const r = await cli(['run', '--input', first, '--store', store, '--profile', 'fancy']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown scoring profile 'fancy' \(known: default, default@1, default@2, reference\)/);
  });
});
