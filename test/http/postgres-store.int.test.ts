/**
 * The query surface over the PostgreSQL adapter: the scenario log is copied batch by batch
 * from the SQLite store into a fresh schema through the EventLog port, `campaigns serve` is
 * pointed at the postgres:// URL, and it must answer exactly as it does over SQLite, including
 * a live merge committed while a stream is open. `serve` answers from the store's PostgreSQL
 * read model; the reference answers from the in-memory index of the SQLite copy: every read
 * route's JSON must match, before and after the merge. Real PostgreSQL (test/support/services.ts
 * starts one when DATABASE_URL is unset, and fails, never skips, when it cannot).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openPostgresStore, type PostgresStore } from '../../src/adapters/postgres/open.ts';
import { startHttpServer, type RunningServer } from '../../src/adapters/http/server.ts';
import { serve } from '../../src/cli/commands/serve.ts';
import { openStoreForReading } from '../../src/cli/store-dir.ts';
import { emptyTables, foldEvents, rowsOf } from '../../src/domain/tables.ts';
import type { EventLog } from '../../src/ports/event-log.ts';
import { requireServices } from '../support/services.ts';
import { openStream, request } from './support/http-client.ts';
import { assertSameRoutes, routesOf } from './support/route-contract.ts';
import { buildScenarioStore, IDS, type ScenarioStore } from './support/scenario.ts';

const { databaseUrl } = await requireServices(['postgres']);
if (databaseUrl === undefined) throw new Error('requireServices returned no databaseUrl');
const url: string = databaseUrl;

/** Appends to `to` every batch of `from` it does not have yet, with the table rows they change. */
async function copyLog(from: EventLog, to: EventLog, tables = emptyTables()): Promise<ReturnType<typeof emptyTables>> {
  const have = (await to.lastBatch())?.index ?? 0;
  for (const batch of await from.batches(1, 10_000)) {
    const events = batch.event_count === 0 ? [] : await from.read(batch.first_sequence, batch.event_count);
    const changed = foldEvents(tables, events);
    if (batch.index <= have) continue;
    await to.append({ batch, events, tables: rowsOf(tables, changed) });
  }
  return tables;
}

describe('query surface on PostgreSQL', () => {
  const schema = `http_${process.pid}_${Date.now().toString(36)}`;
  let root: string;
  let scenario: ScenarioStore;
  let writer: PostgresStore;
  let reference: RunningServer;
  let referenceStore: ReturnType<typeof openStoreForReading>;
  let pgBase: string;
  let pgServer: RunningServer;
  let stop: AbortController;
  let served: Promise<number>;

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cs-http-pg-'));
    scenario = await buildScenarioStore(root);
    referenceStore = openStoreForReading(scenario.dir);
    reference = await startHttpServer({ log: referenceStore.log, snapshots: referenceStore.snapshots, port: 0, pollMs: 50, onError: () => {} });
    writer = await openPostgresStore(url, { schema });
    await copyLog(referenceStore.log, writer.log);
    // The engine snapshot too: the identity route's features come from it on either store.
    const snapshot = await referenceStore.snapshots.latest();
    assert.ok(snapshot, 'campaigns run saved a snapshot');
    await writer.snapshots.save(snapshot);
    stop = new AbortController();
    let running: RunningServer | null = null;
    const sink = { write: () => true, once: () => undefined };
    served = serve(
      // Polling once an hour: whatever reaches this server during the test came by LISTEN/NOTIFY.
      { store: `${url}?schema=${schema}`, port: 0, token: null, pollMs: 3_600_000, maxStreams: 4, maxPageSize: 1000 },
      { stdout: sink, stderr: sink }, stop.signal, (s) => { running = s; },
    );
    for (let i = 0; running === null && i < 500; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(running, 'serve started');
    pgServer = running as RunningServer;
    pgBase = pgServer.url;
  });

  after(async () => {
    stop?.abort();
    await served;
    await reference?.close();
    referenceStore?.close();
    await writer?.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    await admin.end();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers every read route exactly as over SQLite', async () => {
    const list = await request(pgBase, '/api/v1/campaigns?limit=1000');
    assert.equal(list.status, 200);
    assert.deepEqual(list.json, (await request(reference.url, '/api/v1/campaigns?limit=1000')).json);
    const a = list.json.data.find((c: { identity_count: number; aggregates: { c2_endpoints: string[] } }) => c.aggregates.c2_endpoints.length > 0 && c.identity_count === 2).uuid;
    for (const p of [`/api/v1/campaigns/${a}`, `/api/v1/campaigns/${a}/identities`, `/api/v1/campaigns/${a}/evidence`, `/api/v1/identities/${encodeURIComponent(IDS.a1)}`]) {
      assert.deepEqual((await request(pgBase, p)).json, (await request(reference.url, p)).json, p);
    }
    const features = (await request(pgBase, `/api/v1/identities/${encodeURIComponent(IDS.a1)}`)).json.features;
    assert.equal(features.source, 'engine snapshot', 'serve reads the PostgreSQL store\'s snapshot');
    const m = await request(pgBase, '/metrics');
    assert.match(m.text, /campaign_stream_consumer_lag_events\{consumer="tables"\} 0/);
  });

  it('answers every read route from its read model as the in-memory index does', async () => {
    await assertSameRoutes(reference.url, pgBase, await routesOf(writer.log));
  });

  it('has no domains but the default: ?domain=default is the plain answer, any other is 404 unknown_domain', async () => {
    const domains = await request(pgBase, '/api/v1/domains');
    assert.deepEqual(domains.json.data.map((d: { name: string }) => d.name), ['default']);
    const plain = await request(pgBase, '/api/v1/campaigns');
    assert.equal((await request(pgBase, '/api/v1/campaigns?domain=default')).text, plain.text);
    const other = await request(pgBase, '/api/v1/campaigns?domain=fleet-a');
    assert.equal(other.status, 404);
    assert.equal(other.json.error, 'unknown_domain');
  });

  it('streams a merge committed to PostgreSQL without waiting for the poll (LISTEN/NOTIFY)', async () => {
    const c = await openStream(pgBase);
    try {
      await c.waitFor((f) => f.event === 'snapshot');
      await scenario.appendBridge();
      await copyLog(referenceStore.log, writer.log);
      // The server polls once an hour: the frame can only have come from the notification.
      const merged = await c.waitFor((f) => f.event === 'merged', 30_000);
      assert.equal(typeof merged.data.payload.winner_uuid, 'string');
    } finally {
      c.close();
    }
    // The merge's page is applied; the batches after it may not be yet: both servers catch up first.
    const head = await writer.log.head();
    for (let i = 0; reference.follower.sequence !== head || pgServer.follower.sequence !== head; i++) {
      if (i > 1500) throw new Error(`reference at ${reference.follower.sequence}, PostgreSQL read model at ${pgServer.follower.sequence}, log head ${head}`);
      if (pgServer.follower.sequence !== head) void pgServer.follower.poll();
      await new Promise((r) => setTimeout(r, 20));
    }
    await assertSameRoutes(reference.url, pgBase, await routesOf(writer.log));
  });
});
