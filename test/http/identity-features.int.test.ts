/**
 * The identity route's engine features, against running servers over a real SQLite store
 * written by `campaigns run` (which saves an engine snapshot at the end of every run): exact
 * feature values from the scenario's input events, an identity newer than the snapshot, a
 * store without one, a foreign snapshot, and how rarely the snapshot is read.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHttpServer, type RunningServer } from '../../src/adapters/http/server.ts';
import { openSqliteStore, type SqliteStore } from '../../src/adapters/sqlite/store.ts';
import { openStoreForReading, STORE_FILE } from '../../src/cli/store-dir.ts';
import type { EngineSnapshotRecord, SnapshotStore } from '../../src/ports/snapshot-store.ts';
import { request } from './support/http-client.ts';
import { A_C2, A_PAYLOAD, B_C2, B_PAYLOAD, HOSTILE_DECKY, IDS, type ScenarioStore, buildScenarioStore } from './support/scenario.ts';

const enc = encodeURIComponent;
/** The scenario's T0 (2026-01-10T00:00:00Z) plus offsets, as the API writes times. */
const AT = { t0: '2026-01-10T00:00:00Z', t0_10m: '2026-01-10T00:10:00Z', t0_2h: '2026-01-10T02:00:00Z', t0_3h: '2026-01-10T03:00:00Z' };
/** The scenario's keystroke SimHash 0x0123456789abcdef, hex-16. */
const KD_HEX = '0123456789abcdef';

let root: string;
let scenario: ScenarioStore;
let store: SqliteStore;
let bare: SqliteStore;
let base: EngineSnapshotRecord;
const servers: RunningServer[] = [];

async function serveWith(over: SqliteStore, snapshots: Pick<SnapshotStore, 'latest'> | undefined): Promise<RunningServer> {
  const s = await startHttpServer({ port: 0, pollMs: 50, onError: () => {}, snapshotRecheckMs: 0, log: over.log, tables: over.tables, snapshots });
  servers.push(s);
  return s;
}

const identity = (s: RunningServer, id: string) => request(s.url, `/api/v1/identities/${enc(id)}`);

/** The log-derived part of `features`, there whichever source answered. */
const logPart = (f: { neighbours: unknown; family_signals: unknown; campaign_aggregates: unknown }) =>
  ({ neighbours: f.neighbours, family_signals: f.family_signals, campaign_aggregates: f.campaign_aggregates });

async function caughtUp(s: RunningServer): Promise<void> {
  const head = await store.log.head();
  const lastBatch = (await store.log.lastBatch())?.index ?? 0;
  for (let i = 0; i < 250; i++) {
    if (s.follower.sequence === head && (s.follower.lastBatch?.index ?? 0) === lastBatch) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`server index at ${s.follower.sequence}, log head ${head}`);
}

let live: RunningServer;

before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'cs-http-features-'));
  scenario = await buildScenarioStore(root);
  // The same store without its engine snapshot (a copy: the original must keep its own).
  const bareDir = path.join(root, 'bare');
  cpSync(scenario.dir, bareDir, { recursive: true });
  const writable = openSqliteStore(path.join(bareDir, STORE_FILE));
  await writable.snapshots.clear();
  writable.close();
  bare = openStoreForReading(bareDir);
  store = openStoreForReading(scenario.dir);
  const snap = await store.snapshots.latest();
  assert.ok(snap, 'campaigns run saves an engine snapshot at the end of a run');
  base = snap;
  live = await serveWith(store, store.snapshots);
});

after(async () => {
  for (const s of servers) await s.close();
  store?.close();
  bare?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('GET /api/v1/identities/{id}: engine features from the snapshot', () => {
  it('returns the identity\'s features exactly as its input events gave them, with the snapshot\'s position', async () => {
    const r = await identity(live, IDS.a1);
    assert.equal(r.status, 200);
    const { neighbours, family_signals, campaign_aggregates, ...engine } = r.json.features;
    assert.deepEqual(engine, {
      source: 'engine snapshot',
      as_of: { batch_index: base.batch_index, sequence: base.sequence },
      engine_state: 'node', observed_version: 1, merged_into: null, node: IDS.a1, evidence_from: [IDS.a1],
      first_seen_at: AT.t0, last_seen_at: AT.t0_10m,
      sessions: { total: 1, total_seconds: 600, truncated: false, data: [{ start: AT.t0, end: AT.t0_10m }] },
      deckies: [HOSTILE_DECKY], phases: [], initial_access: false,
      payload_hashes: [A_PAYLOAD], c2_endpoints: [A_C2], asns: [64_500], tools: [],
      keystroke: { centroid: null, samples: 0 },
    });
    assert.equal(r.json.features.as_of.sequence, r.json.sequence, 'the snapshot was taken at the log head');
    // The log-derived part is still there.
    assert.deepEqual(neighbours, [IDS.a2]);
    assert.equal(family_signals.shared_infra, 1);
    assert.deepEqual(campaign_aggregates.c2_endpoints, [A_C2]);
    assert.equal(r.json.history[0].type, 'campaign.formed');
  });

  it('renders the keystroke centroid as hex-16', async () => {
    const f = (await identity(live, IDS.b1)).json.features;
    assert.equal(f.source, 'engine snapshot');
    assert.deepEqual(f.keystroke, { centroid: KD_HEX, samples: 1 });
    assert.deepEqual(f.sessions.data, [{ start: AT.t0_2h, end: AT.t0_3h }]);
    assert.equal(f.sessions.total_seconds, 3_600);
    assert.deepEqual([f.deckies, f.payload_hashes, f.c2_endpoints, f.asns], [['decky-9'], [B_PAYLOAD], [B_C2], []]);
  });

  it('reads the snapshot once for many identities, and never for an unknown or unusable id', async () => {
    let reads = 0;
    const counted = await serveWith(store, { latest: () => (reads++, store.snapshots.latest()) });
    assert.equal((await identity(counted, 'nobody')).status, 404);
    assert.equal((await request(counted.url, '/api/v1/identities/a%0Ab')).status, 400);
    assert.equal(reads, 0);
    for (const id of [IDS.a1, IDS.b1, IDS.a2, IDS.a1]) assert.equal((await identity(counted, id)).json.features.source, 'engine snapshot');
    assert.equal(reads, 1);
  });

  it('still answers 404 for an unknown identity and 400 for an unusable id', async () => {
    const r = await identity(live, 'nobody');
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { error: 'not_found', detail: 'Identity not found' });
    for (const p of ['/api/v1/identities/a%0Ab', '/api/v1/identities/%FF', `/api/v1/identities/${'i'.repeat(513)}`]) {
      const bad = await request(live.url, p);
      assert.equal(bad.status, 400, p);
      assert.equal(bad.json.parameter, 'uuid');
    }
  });

  it('answers from the log, with engine null and reason no_snapshot, over a store without a snapshot', async () => {
    const withSnapshot = (await identity(live, IDS.a1)).json;
    const r = await identity(await serveWith(bare, bare.snapshots), IDS.a1);
    assert.equal(r.status, 200);
    const { neighbours, family_signals, campaign_aggregates, ...rest } = r.json.features;
    assert.deepEqual(rest, {
      source: 'campaign event log', engine: null, reason: 'no_snapshot',
      detail: 'no engine snapshot: the store holds none, or this server does not read them', as_of: null,
    });
    assert.deepEqual({ neighbours, family_signals, campaign_aggregates }, logPart(withSnapshot.features));
    const { features: _a, ...identityWithout } = r.json;
    const { features: _b, ...identityWith } = withSnapshot;
    assert.deepEqual(identityWithout, identityWith, 'everything outside features is the log\'s, whatever the snapshot');
    const noReader = await identity(await serveWith(store, undefined), IDS.a1);
    assert.deepEqual(noReader.json.features, r.json.features, 'a server given no snapshot reader says the same');
  });

  it('answers from the log, with reason unsupported_snapshot, never a 500, for a snapshot of another version', async () => {
    const foreign = { ...base, state: JSON.stringify({ ...JSON.parse(base.state), snapshot_version: 99 }) };
    const r = await identity(await serveWith(store, { latest: async () => foreign }), IDS.a1);
    assert.equal(r.status, 200);
    assert.equal(r.json.features.source, 'campaign event log');
    assert.equal(r.json.features.engine, null);
    assert.equal(r.json.features.reason, 'unsupported_snapshot');
    assert.deepEqual(r.json.features.as_of, { batch_index: base.batch_index, sequence: base.sequence });
    assert.deepEqual(r.json.features.neighbours, [IDS.a2]);
  });
});

// Last: the bridge run changes the store (and saves a newer snapshot).
describe('after the log moves past the snapshot', () => {
  let stale: RunningServer;
  before(async () => {
    stale = await serveWith(store, { latest: async () => base });
    await identity(stale, IDS.a1);
    await identity(live, IDS.a1);
    await scenario.appendBridge();
    await caughtUp(stale);
    await caughtUp(live);
  });

  it('answers from the log, naming the snapshot it missed, for an identity newer than the snapshot', async () => {
    const r = await identity(stale, IDS.z);
    assert.equal(r.status, 200);
    const { neighbours, family_signals, campaign_aggregates, ...rest } = r.json.features;
    assert.deepEqual(rest, {
      source: 'campaign event log', engine: null, reason: 'not_in_snapshot',
      detail: `the identity is newer than the engine snapshot (batch ${base.batch_index}, sequence ${base.sequence})`,
      as_of: { batch_index: base.batch_index, sequence: base.sequence },
    });
    assert.deepEqual(neighbours, [IDS.a1, IDS.b1].sort(), 'the edges its assignment carried');
    assert.ok(family_signals.keystroke > 0);
    assert.ok(campaign_aggregates.c2_endpoints.includes(A_C2));
  });

  it('says through as_of how far an older snapshot lags the log', async () => {
    const r = await identity(stale, IDS.b1);
    assert.equal(r.json.features.source, 'engine snapshot');
    assert.deepEqual(r.json.features.as_of, { batch_index: base.batch_index, sequence: base.sequence });
    assert.ok(r.json.features.as_of.sequence < r.json.sequence, `snapshot ${r.json.features.as_of.sequence} < log ${r.json.sequence}`);
  });

  it('picks up the newer snapshot once the server has indexed its batch', async () => {
    const newer = (await store.snapshots.latest())!;
    assert.ok(newer.batch_index > base.batch_index);
    const f = (await identity(live, IDS.z)).json.features;
    assert.equal(f.source, 'engine snapshot');
    assert.deepEqual(f.as_of, { batch_index: newer.batch_index, sequence: newer.sequence });
    assert.deepEqual(
      [f.engine_state, f.first_seen_at, f.last_seen_at, f.sessions.data, f.payload_hashes, f.c2_endpoints, f.keystroke],
      ['node', AT.t0_2h, AT.t0_3h, [{ start: AT.t0_2h, end: AT.t0_3h }], [A_PAYLOAD], [A_C2], { centroid: KD_HEX, samples: 1 }],
    );
  });
});
