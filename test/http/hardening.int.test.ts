/**
 * The query server under hostile or heavy use (issue #13, cases 6 and 7): heavy requests do not
 * hold up light ones, a malformed query is a 400, `//app.js` is not the page, and a connection
 * that sends nothing is closed within the headers bound.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHttpServer, type RunningServer } from '../../src/adapters/http/server.ts';
import { openStoreForReading } from '../../src/cli/store-dir.ts';
import type { SnapshotStore } from '../../src/ports/snapshot-store.ts';
import { request } from './support/http-client.ts';
import { buildScenarioStore, IDS, type ScenarioStore } from './support/scenario.ts';

let root: string;
let scenario: ScenarioStore;
let store: ReturnType<typeof openStoreForReading>;
before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'cs-hardening-'));
  scenario = await buildScenarioStore(root);
  store = openStoreForReading(scenario.dir);
});
after(() => {
  store.close();
  rmSync(root, { recursive: true, force: true });
});

async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('heavy requests', () => {
  it('with N heavy requests in flight, a light request is answered and the next heavy one gets 503 busy with Retry-After', async () => {
    // The identity route reads the engine snapshot: held here, it keeps its request in flight.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const snapshots: Pick<SnapshotStore, 'latest'> = { latest: async () => (await gate, store.snapshots.latest()) };
    const server: RunningServer = await startHttpServer({
      port: 0, pollMs: 50, onError: () => {}, log: store.log, tables: store.tables, snapshots,
      limits: { maxHeavyRequests: 2 },
    });
    const running = (): string | undefined => /campaign_stream_http_heavy_requests_running (\d+)/.exec(server.registry.render())?.[1];
    try {
      const held = [IDS.a1, IDS.b1].map((id) => request(server.url, `/api/v1/identities/${encodeURIComponent(id)}`));
      await waitUntil('both heavy requests in flight', () => running() === '2');

      const light = await request(server.url, '/api/v1/campaigns?limit=1');
      assert.equal(light.status, 200);
      assert.equal(light.json.data.length, 1);

      const campaign = light.json.data[0].uuid;
      const refused = await request(server.url, `/api/v1/campaigns/${campaign}/evidence?limit=1000`);
      assert.equal(refused.status, 503);
      assert.equal(refused.json.error, 'busy');
      assert.equal(refused.headers['retry-after'], '1');

      release();
      for (const r of await Promise.all(held)) assert.equal(r.status, 200);
      await waitUntil('the slots freed', () => running() === '0');
      assert.equal((await request(server.url, `/api/v1/campaigns/${campaign}/evidence?limit=1000`)).status, 200);
    } finally {
      release();
      await server.close();
    }
  });
});

describe('request hardening', () => {
  let server: RunningServer;
  before(async () => {
    server = await startHttpServer({ port: 0, pollMs: 50, onError: () => {}, log: store.log, tables: store.tables, limits: { headersTimeoutMs: 300 } });
  });
  after(() => server.close());

  it('answers malformed percent-encoding in the query with 400, not 200 with the text as typed', async () => {
    for (const q of ['%ZZ', '%', 'abc%2', '%FF']) {
      const r = await request(server.url, `/api/v1/campaigns?q=${q}`, { raw: true });
      assert.equal(r.status, 400, q);
      assert.equal(r.json.error, 'invalid_parameter');
      assert.equal(r.json.parameter, 'q');
    }
    assert.equal((await request(server.url, '/api/v1/campaigns?q=%C3%A9', { raw: true })).status, 200);
  });

  it('does not serve the page for //app.js or any target that is not a plain path', async () => {
    assert.equal((await request(server.url, '//app.js', { raw: true })).status, 404);
    assert.equal((await request(server.url, '//evil.example/', { raw: true })).status, 404);
    assert.equal((await request(server.url, 'http://evil.example/', { raw: true })).status, 400);
    assert.equal((await request(server.url, '/app.js', { raw: true })).status, 200);
  });

  it('closes a connection that sends nothing once the headers bound has passed', async () => {
    const u = new URL(server.url);
    const socket = net.connect(Number(u.port), u.hostname);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    // Node bounds only the headers of a request it has begun to parse (and looks every 30 s);
    // the server bounds the first request of every connection itself.
    let deadline: NodeJS.Timeout | undefined;
    try {
      await Promise.race([closed, new Promise((_, reject) => (deadline = setTimeout(() => reject(new Error('still open after 5 s')), 5_000)))]);
    } finally {
      clearTimeout(deadline);
      socket.destroy();
    }
  });
});
