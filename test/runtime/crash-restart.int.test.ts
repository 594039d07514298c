/**
 * The crash-safety proof: a long run is killed with SIGKILL at random points, restarted each
 * time, and finally left to finish. Its event log, tables, membership and rejects file must be
 * byte for byte those of one uninterrupted run. Kills land anywhere: during start-up, while an
 * engine is restored or re-derived, mid-batch, mid-commit, while a snapshot is written.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REJECTS_FILE } from '../../src/cli/store-dir.ts';
import { identityLines, prng, writeLines } from './support/identity-stream.ts';
import { runCli, startCli } from './support/spawn-cli.ts';
import { dump } from './support/store-run.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const KILLS = 5;

it('a run killed with SIGKILL at random points and restarted ends byte-identical to an uninterrupted run', { timeout: 120_000 }, async (t) => {
  const input = writeLines(path.join(dir, 'identity-events.ndjson'), identityLines({ seed: 21, events: 20_000, badEvery: 997 }));
  const args = (store: string) => ['run', '--input', input, '--store', store, '--batch-size', '500', '--snapshot-every', '4000', '--json'];
  const rejects = (store: string) => (existsSync(path.join(store, REJECTS_FILE)) ? readFileSync(path.join(store, REJECTS_FILE), 'utf8') : '');

  const refStore = path.join(dir, 'reference');
  const started = Date.now();
  const ref = await runCli(args(refStore));
  const refMs = Date.now() - started;
  assert.equal(ref.code, 0, ref.stderr);
  const refSummary = JSON.parse(ref.stdout);
  assert.ok(refSummary.batches >= 30 && refSummary.rejected > 0);
  const expected = { ...(await dump(refStore)), rejects: rejects(refStore) };

  const store = path.join(dir, 'killed');
  const rnd = prng(20_240_101);
  let killedMidRun = 0;
  for (let k = 0; k < KILLS; k++) {
    const delay = Math.round(400 + rnd() * refMs * 0.6);
    const { child, done } = startCli(args(store));
    const timer = setTimeout(() => child.kill('SIGKILL'), delay);
    const r = await done;
    clearTimeout(timer);
    if (r.signal === 'SIGKILL') killedMidRun++;
    else assert.equal(r.code, 0, r.stderr);
    t.diagnostic(`run ${k + 1}: ${r.signal ?? `exit ${r.code}`} after ${delay} ms`);
  }
  const last = await runCli(args(store));
  assert.equal(last.code, 0, last.stderr);
  assert.ok(killedMidRun >= 2, `only ${killedMidRun} of ${KILLS} runs were killed before finishing`);

  const got = { ...(await dump(store)), rejects: rejects(store) };
  assert.equal(got.events, expected.events, 'event log differs');
  assert.equal(got.tables, expected.tables, 'tables differ');
  assert.equal(got.membership, expected.membership, 'membership differs');
  assert.equal(got.rejects, expected.rejects, 'rejects file differs');
  const final = JSON.parse(last.stdout);
  for (const k of ['identities_active', 'campaigns_live', 'campaigns_merged', 'head_sequence'] as const) {
    assert.equal(final[k], refSummary[k], k);
  }
});
