/** `campaigns serve` over a store directory: settings reach the server, abort stops it cleanly. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningServer } from '../../src/adapters/http/server.ts';
import { serve, serveCommand } from '../../src/cli/commands/serve.ts';
import { isStoreError } from '../../src/ports/errors.ts';
import { request } from './support/http-client.ts';
import { buildScenarioStore, IDS, type ScenarioStore } from './support/scenario.ts';

const io = () => {
  let text = '';
  const sink = { write: (c: string) => ((text += c), true), once: () => undefined };
  return { stdout: sink, stderr: sink, text: () => text };
};

describe('campaigns serve', () => {
  let root: string;
  let scenario: ScenarioStore;
  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cs-serve-'));
    scenario = await buildScenarioStore(root);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('serves a store directory on loopback with its token and page-size limit, until aborted', async () => {
    const stop = new AbortController();
    const out = io();
    let server: RunningServer | null = null;
    const done = serve(
      { store: scenario.dir, port: 0, token: 'tok', pollMs: 50, maxStreams: 2, maxPageSize: 100 },
      out, stop.signal, (s) => { server = s; },
    );
    while (server === null) await new Promise((r) => setTimeout(r, 10));
    const base = (server as RunningServer).url;
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
    const auth = { Authorization: 'Bearer tok' };
    assert.equal((await request(base, '/api/v1/campaigns')).status, 401);
    assert.equal((await request(base, '/api/v1/campaigns?limit=100', { headers: auth })).status, 200);
    const tooBig = await request(base, '/api/v1/campaigns?limit=101', { headers: auth });
    assert.equal(tooBig.status, 400);
    assert.equal(tooBig.json.parameter, 'limit');
    assert.match(out.text(), /log head \d+\) on http:\/\/127\.0\.0\.1:\d+\//);
    const identity = await request(base, `/api/v1/identities/${encodeURIComponent(IDS.b1)}`, { headers: auth });
    assert.equal(identity.json.features.source, 'engine snapshot', 'serve hands the store\'s snapshots to the identity route');
    assert.equal(identity.json.features.keystroke.centroid, '0123456789abcdef');
    stop.abort();
    assert.equal(await done, 0);
    await assert.rejects(request(base, '/api/v1/campaigns'), 'the port is closed');
  });

  it('never creates a store: a missing directory fails with store_missing', async () => {
    const stop = new AbortController();
    await assert.rejects(
      serve({ store: path.join(root, 'nope'), port: 0, token: null, pollMs: 50, maxStreams: 2, maxPageSize: 100 }, io(), stop.signal),
      (e: unknown) => isStoreError(e) && e.code === 'store_missing',
    );
  });

  it('declares its flags for the CLI registry', () => {
    assert.equal(serveCommand.name, 'serve');
    for (const flag of ['store', 'port', 'host', 'token-file', 'poll-ms', 'max-streams', 'max-page-size', 'max-heavy-requests']) assert.ok(flag in serveCommand.options, flag);
  });
});
