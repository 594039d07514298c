/**
 * `campaigns serve --workers N` as users run it (bin/campaigns.mjs): N processes answer on one
 * port with the answers one process gives, the start line is printed once, SIGTERM stops them
 * all (exit 0), and a worker that dies on its own stops the server (exit 1) rather than leaving
 * it answering from fewer processes than asked for.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from './support/http-client.ts';
import { buildScenarioStore, type ScenarioStore } from './support/scenario.ts';

const BIN = fileURLToPath(new URL('../../bin/campaigns.mjs', import.meta.url));

interface Served {
  readonly child: ChildProcess;
  readonly base: string;
  readonly workers: number[];
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
}

async function startServe(store: string, extra: readonly string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--store', store, '--port', '0', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => { err += c; });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const url = / on (http:\/\/[^/\s]+)\//.exec(err)?.[1];
    const pids = /answered by \d+ worker processes \(([\d, ]+)\)/.exec(err)?.[1];
    if (url !== undefined && (pids !== undefined || !extra.includes('--workers'))) {
      return { child, base: url, workers: pids?.split(', ').map(Number) ?? [], stderr: () => err, exit };
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start:\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('campaigns serve --workers', { timeout: 120_000 }, () => {
  let root: string;
  let scenario: ScenarioStore;
  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cs-workers-'));
    scenario = await buildScenarioStore(root);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('answers from two processes on one port what one process answers, prints its start line once, and stops them all on SIGTERM', async () => {
    const one = await startServe(scenario.dir, []);
    const two = await startServe(scenario.dir, ['--workers', '2']);
    try {
      assert.equal(two.workers.length, 2);
      assert.ok(two.workers.every(alive) && !two.workers.includes(two.child.pid!), 'two worker processes beside the primary');
      assert.equal(two.stderr().match(/ on http:\/\//g)?.length, 1, 'the start line once');
      const paths = ['/api/v1/campaigns?limit=50', '/api/v1/campaigns?sort=identity_count&order=desc', '/api/v1/campaigns?q=c2'];
      const expected = await Promise.all(paths.map((p) => request(one.base, p)));
      // Connections go to the workers in turn: many requests on fresh connections reach both.
      for (let round = 0; round < 10; round++) {
        const got = await Promise.all(paths.map((p) => request(two.base, p, { headers: { Connection: 'close' } })));
        got.forEach((r, k) => {
          assert.equal(r.status, 200, paths[k]);
          assert.deepEqual(r.json, expected[k]!.json, paths[k]);
        });
      }
      two.child.kill('SIGTERM');
      assert.equal(await two.exit, 0, two.stderr());
      assert.ok(!two.workers.some(alive), 'no worker is left behind');
    } finally {
      one.child.kill('SIGTERM');
      two.child.kill('SIGKILL');
      for (const pid of two.workers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('stops with exit 1 and says so when a worker dies on its own', async () => {
    const two = await startServe(scenario.dir, ['--workers', '2']);
    try {
      process.kill(two.workers[0]!, 'SIGKILL');
      assert.equal(await two.exit, 1);
      assert.match(two.stderr(), new RegExp(`worker ${two.workers[0]} exited \\(SIGKILL\\) on its own; stopped the others`));
      assert.ok(!alive(two.workers[1]!), 'the other worker stopped too');
    } finally {
      two.child.kill('SIGKILL');
      for (const pid of two.workers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('refuses to share an overrides file between workers (exit 2, before starting any)', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--store', scenario.dir, '--port', '0', '--workers', '2', '--overrides-file', path.join(root, 'o.ndjson')],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CAMPAIGNS_API_TOKEN: 'tok' } });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => { err += c; });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 2, err);
    assert.match(err, /--workers above 1 cannot share an --overrides-file/);
  });
});
