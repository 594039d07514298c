/**
 * The HTTP API against a running server over a real SQLite store written by `campaigns run`:
 * every route, every parameter error, auth, and the read-only / routing rules.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStoreForReading } from '../../src/cli/store-dir.ts';
import type { CampaignRow } from '../../src/domain/tables.ts';
import { request } from './support/http-client.ts';
import { A_C2, A_PAYLOAD, B_PAYLOAD, HOSTILE, IDS } from './support/scenario.ts';
import { serveScenario, type Served } from './support/served-scenario.ts';

let s: Served;
let rows: readonly CampaignRow[];
let campaignA: string;
let campaignB: string;
const get = (path: string, headers: Record<string, string> = {}) => request(s.base, path, { headers });
const enc = encodeURIComponent;

before(async () => {
  s = await serveScenario();
  const store = openStoreForReading(s.scenario.dir);
  rows = await store.tables.rows();
  store.close();
  campaignA = rows.find((r) => r.members.includes(IDS.a1))!.uuid;
  campaignB = rows.find((r) => r.members.includes(IDS.b1))!.uuid;
});
after(() => s.close());

async function assertBadParameter(path: string, parameter: string, status = 400): Promise<void> {
  const r = await get(path);
  assert.equal(r.status, status, `${path}: ${r.text}`);
  assert.equal(r.json.error, 'invalid_parameter');
  assert.equal(r.json.parameter, parameter);
  assert.equal(typeof r.json.detail, 'string');
}

describe('GET /api/v1/campaigns', () => {
  it('lists live campaigns newest first with the reference fields, JSON-string lists and our aggregates', async () => {
    const r = await get('/api/v1/campaigns');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.equal(r.json.total, rows.filter((x) => x.merged_into === null).length);
    assert.equal(r.json.limit, 50);
    assert.equal(r.json.offset, 0);
    const seqs = r.json.data.map((c: { updated_sequence: number }) => c.updated_sequence);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a));
    const a = r.json.data.find((c: { uuid: string }) => c.uuid === campaignA);
    for (const k of ['uuid', 'schema_version', 'first_seen_at', 'last_seen_at', 'created_at', 'updated_at', 'confidence',
      'identity_count', 'ja3_hashes', 'hassh_hashes', 'tls_cert_sha256', 'payload_simhashes', 'c2_endpoints', 'merged_into_uuid', 'notes']) {
      assert.ok(k in a, `reference field ${k}`);
    }
    assert.equal(a.c2_endpoints, JSON.stringify([A_C2]));
    assert.equal(a.payload_simhashes, JSON.stringify([A_PAYLOAD]));
    assert.deepEqual(a.aggregates.c2_endpoints, [A_C2]);
    assert.equal(a.identity_count, 2);
    assert.equal(a.status, 'active');
  });

  it('serves the same rows as the store tables', async () => {
    const r = await get('/api/v1/campaigns?limit=1000');
    for (const c of r.json.data) {
      const row = rows.find((x) => x.uuid === c.uuid)!;
      assert.equal(c.identity_count, row.identity_count);
      assert.equal(c.updated_at, row.updated_at);
      assert.equal(c.first_seen_at, row.first_activity);
      assert.deepEqual(c.aggregates.deckies, row.deckies);
    }
  });

  it('pages with limit and offset without overlap', async () => {
    const all = (await get('/api/v1/campaigns?limit=1000')).json.data.map((c: { uuid: string }) => c.uuid);
    const p1 = (await get('/api/v1/campaigns?limit=10&offset=0')).json.data.map((c: { uuid: string }) => c.uuid);
    const p2 = (await get('/api/v1/campaigns?limit=10&offset=10')).json.data.map((c: { uuid: string }) => c.uuid);
    assert.deepEqual([...p1, ...p2], all.slice(0, 20));
    const past = await get('/api/v1/campaigns?offset=5000');
    assert.equal(past.json.data.length, 0);
    assert.equal(past.json.total, all.length);
  });

  it('sorts by identity count, uuid and activity in either order, ties by uuid', async () => {
    const bySize = (await get('/api/v1/campaigns?sort=identity_count&order=desc&limit=1000')).json.data;
    assert.ok(bySize.every((c: { identity_count: number }, i: number) => i === 0 || bySize[i - 1].identity_count >= c.identity_count));
    const byUuid = (await get('/api/v1/campaigns?sort=uuid&order=asc&limit=1000')).json.data.map((c: { uuid: string }) => c.uuid);
    assert.deepEqual(byUuid, [...byUuid].sort());
    const byLast = (await get('/api/v1/campaigns?sort=last_seen_at&order=asc&limit=1000')).json.data;
    const times = byLast.map((c: { last_seen_at: string | null }) => c.last_seen_at).filter((t: string | null) => t !== null);
    assert.deepEqual(times, [...times].sort());
  });

  it('searches by identity, payload hash and C2 endpoint, saying what matched', async () => {
    const byIdentity = await get(`/api/v1/campaigns?q=${enc(IDS.b2)}`);
    assert.deepEqual(byIdentity.json.data.map((c: { uuid: string }) => c.uuid), [campaignB]);
    assert.deepEqual(byIdentity.json.data[0].matches, [{ field: 'identity', value: IDS.b2 }]);
    const byPayload = await get(`/api/v1/campaigns?q=${enc('svg onload')}`);
    assert.deepEqual(byPayload.json.data.map((c: { uuid: string }) => c.uuid), [campaignA]);
    assert.equal(byPayload.json.data[0].matches[0].field, 'payload_hash');
    const byC2 = await get(`/api/v1/campaigns?q=${enc('C2.SHARED-OP')}`);
    assert.equal(byC2.json.total, 1, 'case-insensitive');
    assert.equal(byC2.json.data[0].matches[0].field, 'c2_endpoint');
    const none = await get('/api/v1/campaigns?q=nothing-like-this');
    assert.equal(none.json.total, 0);
  });

  it('refuses every bad parameter with a 400 naming it', async () => {
    await assertBadParameter('/api/v1/campaigns?limit=0', 'limit');
    await assertBadParameter('/api/v1/campaigns?limit=1001', 'limit');
    await assertBadParameter('/api/v1/campaigns?limit=abc', 'limit');
    await assertBadParameter('/api/v1/campaigns?limit=1e3', 'limit');
    await assertBadParameter('/api/v1/campaigns?limit=', 'limit');
    await assertBadParameter('/api/v1/campaigns?offset=-1', 'offset');
    await assertBadParameter('/api/v1/campaigns?offset=2147483648', 'offset');
    await assertBadParameter('/api/v1/campaigns?sort=sequence', 'sort');
    await assertBadParameter('/api/v1/campaigns?order=up', 'order');
    await assertBadParameter(`/api/v1/campaigns?q=${'x'.repeat(257)}`, 'q');
    await assertBadParameter('/api/v1/campaigns?q=a%00b', 'q');
    await assertBadParameter('/api/v1/campaigns?limt=5', 'limt');
    await assertBadParameter('/api/v1/campaigns?limit=5&limit=6', 'limit');
  });
});

describe('GET /api/v1/campaigns/{uuid}', () => {
  it('returns the campaign with identity_count_live and its merge path', async () => {
    const r = await get(`/api/v1/campaigns/${campaignA}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.uuid, campaignA);
    assert.equal(r.json.identity_count_live, 2);
    assert.deepEqual(r.json.merge_path, [campaignA]);
    assert.deepEqual(r.json.merged_in, []);
  });

  it('accepts an upper-case uuid', async () => {
    assert.equal((await get(`/api/v1/campaigns/${campaignA.toUpperCase()}`)).json.uuid, campaignA);
  });

  it('answers 404 with the reference detail for an unknown uuid and 400 for a malformed one', async () => {
    const r = await get('/api/v1/campaigns/00000000-0000-5000-8000-000000000000');
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { error: 'not_found', detail: 'Campaign not found' });
    await assertBadParameter('/api/v1/campaigns/not-a-uuid', 'uuid');
    await assertBadParameter(`/api/v1/campaigns/${enc(HOSTILE.script)}`, 'uuid');
    await assertBadParameter('/api/v1/campaigns/%E0%A4%A', 'uuid');
    await assertBadParameter(`/api/v1/campaigns/${campaignA}?limit=1`, 'limit');
  });
});

describe('GET /api/v1/campaigns/{uuid}/identities', () => {
  it('lists the members with the reference identity fields, hostile ids intact', async () => {
    const r = await get(`/api/v1/campaigns/${campaignA}/identities`);
    assert.equal(r.status, 200);
    assert.equal(r.json.total, 2);
    assert.deepEqual(r.json.data.map((i: { uuid: string }) => i.uuid).sort(), [IDS.a1, IDS.a2].sort());
    const i = r.json.data[0];
    for (const k of ['uuid', 'schema_version', 'campaign_id', 'first_seen_at', 'last_seen_at', 'created_at', 'updated_at', 'confidence',
      'observation_count', 'ja3_hashes', 'hassh_hashes', 'ja4h_hashes', 'ja4_quic_hashes', 'http_versions_seen', 'tls_cert_sha256',
      'ipv6_link_local_iids', 'payload_simhashes', 'c2_endpoints', 'kd_digraph_simhash', 'merged_into_uuid', 'notes']) {
      assert.ok(k in i, `reference field ${k}`);
    }
    assert.equal(i.campaign_id, campaignA);
    assert.equal(i.campaign_uuid, campaignA);
    assert.equal(i.status, 'active');
    assert.equal(typeof i.joined_sequence, 'number');
  });

  it('pages and validates like the list', async () => {
    const one = await get(`/api/v1/campaigns/${campaignA}/identities?limit=1&offset=1`);
    assert.equal(one.json.data.length, 1);
    assert.equal(one.json.total, 2);
    await assertBadParameter(`/api/v1/campaigns/${campaignA}/identities?limit=0`, 'limit');
    await assertBadParameter(`/api/v1/campaigns/${campaignA}/identities?sort=uuid`, 'sort');
    assert.equal((await get('/api/v1/campaigns/00000000-0000-5000-8000-000000000000/identities')).status, 404);
  });
});

describe('GET /api/v1/campaigns/{uuid}/evidence', () => {
  it('gives the edges holding the campaign together, by family and weight, and its history with batch positions', async () => {
    const r = await get(`/api/v1/campaigns/${campaignA}/evidence`);
    assert.equal(r.status, 200);
    assert.equal(r.json.edges.total, 1);
    const e = r.json.edges.data[0];
    assert.deepEqual([e.a, e.b].sort(), [IDS.a1, IDS.a2].sort());
    assert.equal(e.shared_infra, 1);
    assert.equal(e.dominant_family, 'shared_infra');
    assert.ok(e.weight >= 1);
    assert.equal(r.json.by_family.shared_infra.dominant, 1);
    assert.equal(r.json.by_family.handoff.edges, 0);
    const formed = r.json.history.data.find((h: { type: string }) => h.type === 'campaign.formed');
    assert.ok(formed, 'formation in history');
    assert.match(formed.batch.from, /^base\.ndjson:\d+$/);
    assert.match(formed.batch.to, /^base\.ndjson:\d+$/);
    assert.equal(formed.evidence_count, 1);
    assert.ok(r.json.history.data.every((h: { type: string }) => h.type !== 'campaign.profile.updated'), 'profile updates are opt-in');
  });

  it('includes profile updates when asked and refuses unknown event types', async () => {
    const r = await get(`/api/v1/campaigns/${campaignA}/evidence?types=campaign.profile.updated`);
    assert.ok(r.json.history.total >= 1);
    assert.ok(r.json.history.data.every((h: { type: string }) => h.type === 'campaign.profile.updated'));
    await assertBadParameter(`/api/v1/campaigns/${campaignA}/evidence?types=campaign.bogus`, 'types');
    await assertBadParameter(`/api/v1/campaigns/${campaignA}/evidence?limit=100000`, 'limit');
    assert.equal((await get('/api/v1/campaigns/00000000-0000-5000-8000-000000000000/evidence')).status, 404);
  });
});

describe('GET /api/v1/identities/{id}', () => {
  it('describes an identity by its (hostile, url-encoded) id: campaign, edges, family signals, history', async () => {
    const r = await get(`/api/v1/identities/${enc(IDS.a1)}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.uuid, IDS.a1);
    assert.equal(r.json.campaign_uuid, campaignA);
    assert.equal(r.json.kd_digraph_simhash, null);
    assert.deepEqual(r.json.features.neighbours, [IDS.a2]);
    assert.equal(r.json.features.family_signals.shared_infra, 1);
    assert.deepEqual(r.json.features.campaign_aggregates.c2_endpoints, [A_C2]);
    assert.equal(r.json.edges.length, 1);
    assert.equal(r.json.history[0].type, 'campaign.formed');
  });

  it('answers 404 for an unknown identity and 400 for an unusable id', async () => {
    const r = await get('/api/v1/identities/nobody');
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { error: 'not_found', detail: 'Identity not found' });
    await assertBadParameter(`/api/v1/identities/${'i'.repeat(513)}`, 'uuid');
    await assertBadParameter('/api/v1/identities/a%0Ab', 'uuid');
    await assertBadParameter('/api/v1/identities/%FF', 'uuid');
    await assertBadParameter(`/api/v1/identities/${enc(IDS.a1)}?x=1`, 'x');
  });
});

describe('GET /metrics', () => {
  it('exposes the store metrics in Prometheus text format', async () => {
    const r = await get('/metrics');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const value = (line: string): number => {
      const m = r.text.split('\n').find((l) => l.startsWith(line + ' '));
      assert.ok(m, `metric line ${line}`);
      return Number(m.slice(line.length + 1));
    };
    const live = rows.filter((x) => x.merged_into === null && x.identity_count > 0).length;
    assert.equal(value('campaign_stream_campaigns_live'), live);
    assert.equal(value('campaign_stream_largest_campaign_identities'), 2);
    assert.equal(value('campaign_stream_log_head_sequence'), s.server.follower.sequence);
    assert.ok(value('campaign_stream_log_batches_total') >= 2);
    assert.ok(value('campaign_stream_log_input_events_total') > 0);
    assert.equal(value('campaign_stream_log_batch_input_events_count'), value('campaign_stream_log_batches_total'));
    assert.equal(value('campaign_stream_log_events_total{type="campaign.merged"}'), 0);
    assert.equal(value('campaign_stream_consumer_lag_events{consumer="http_index"}'), 0);
    assert.equal(value('campaign_stream_consumer_lag_events{consumer="tables"}'), 0);
    assert.equal(value('campaign_stream_store_up'), 1);
    assert.match(r.text, /# TYPE campaign_stream_log_batch_input_events histogram/);
    assert.match(r.text, /campaign_stream_http_requests_total\{route="\/api\/v1\/campaigns",status="200"\} \d+/);
  });
});

describe('routing, methods and hosts', () => {
  it('routes /campaigns/events to the stream, never to the detail route', async () => {
    const r = await request(s.base, '/api/v1/campaigns/events', { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/event-stream/);
  });

  it('answers unknown paths with a JSON 404', async () => {
    for (const p of ['/api/v1/nothing', '/api/v2/campaigns', '/api/v1/campaigns/', '/api/v1/campaigns/x/y/z']) {
      const r = await get(p);
      assert.equal(r.status, 404, p);
      assert.equal(r.json.error, 'not_found');
    }
  });

  it('is read-only: other methods get 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await request(s.base, '/api/v1/campaigns', { method });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'GET, HEAD');
      assert.equal(r.json.error, 'method_not_allowed');
    }
  });

  it('answers HEAD with headers only', async () => {
    const r = await request(s.base, '/api/v1/campaigns', { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    assert.ok(Number(r.headers['content-length']) > 0);
  });

  it('bound to loopback, refuses foreign Host headers (DNS rebinding)', async () => {
    const r = await get('/api/v1/campaigns', { Host: 'attacker.example' });
    assert.equal(r.status, 421);
    assert.equal(r.json.parameter, 'Host');
    assert.equal((await get('/api/v1/campaigns', { Host: 'localhost:8787' })).status, 200);
  });

  it('serves the explorer page with a no-inline-script CSP and security headers', async () => {
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.doesNotMatch(String(page.headers['content-security-policy']), /unsafe-inline/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal((await get('/app.js')).status, 200);
    assert.equal((await get('/app.css')).status, 200);
  });
});

describe('bearer token', () => {
  let locked: Served;
  before(async () => {
    locked = await serveScenario({ token: 's3cret-token' });
  });
  after(() => locked.close());

  it('refuses API and metrics requests without the right token, and serves them with it', async () => {
    for (const path of ['/api/v1/campaigns', `/api/v1/campaigns/${campaignA}`, '/api/v1/campaigns/events', '/metrics']) {
      const none = await request(locked.base, path);
      assert.equal(none.status, 401, path);
      assert.equal(none.json.error, 'unauthorized');
      assert.match(String(none.headers['www-authenticate']), /^Bearer/);
      assert.equal((await request(locked.base, path, { headers: { Authorization: 'Bearer wrong' } })).status, 401);
    }
    const ok = await request(locked.base, '/api/v1/campaigns', { headers: { Authorization: 'Bearer s3cret-token' } });
    assert.equal(ok.status, 200);
  });

  it('serves the page itself without a token (it holds no data)', async () => {
    assert.equal((await request(locked.base, '/')).status, 200);
    assert.equal((await request(locked.base, '/app.js')).status, 200);
  });
});

// Last: it changes the store (the bridge identity merges B into A).
describe('after a live merge', () => {
  before(async () => {
    await s.scenario.appendBridge();
    await s.caughtUp();
  });

  it('the loser id returns the winner row, with the path it followed', async () => {
    const r = await get(`/api/v1/campaigns/${campaignB}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.uuid, campaignA);
    assert.equal(r.json.requested_uuid, campaignB);
    assert.deepEqual(r.json.merge_path, [campaignB, campaignA]);
    assert.deepEqual(r.json.merged_in, [campaignB]);
    assert.equal(r.json.identity_count_live, 5);
  });

  it('lists merged-in members among the identities and drops the loser from the list', async () => {
    const ids = await get(`/api/v1/campaigns/${campaignA}/identities`);
    assert.deepEqual(ids.json.data.map((i: { uuid: string }) => i.uuid).sort(), [IDS.a1, IDS.a2, IDS.b1, IDS.b2, IDS.z].sort());
    assert.equal(ids.json.data.find((i: { uuid: string }) => i.uuid === IDS.b1).campaign_id, campaignB);
    const list = await get('/api/v1/campaigns?limit=1000');
    assert.ok(!list.json.data.some((c: { uuid: string }) => c.uuid === campaignB));
  });

  it('evidence shows the bridging edges and the merge in the history', async () => {
    const r = await get(`/api/v1/campaigns/${campaignB}/evidence`);
    assert.equal(r.json.uuid, campaignA);
    assert.deepEqual(r.json.campaigns, [campaignA, campaignB].sort());
    const families = new Set(r.json.edges.data.map((e: { dominant_family: string }) => e.dominant_family));
    assert.ok(families.has('shared_infra'));
    assert.ok(families.has('keystroke'), 'the z–b1 bridge is keystroke + temporal');
    const merged = r.json.history.data.find((h: { type: string }) => h.type === 'campaign.merged');
    assert.deepEqual(merged.payload, { winner_uuid: campaignA, loser_uuid: campaignB });
    assert.match(merged.batch.from, /^bridge\.ndjson:0$/);
    const m = await get('/metrics');
    assert.match(m.text, /campaign_stream_log_events_total\{type="campaign\.merged"\} 1/);
    const byPayload = await get(`/api/v1/campaigns?q=${enc(B_PAYLOAD)}`);
    assert.deepEqual(byPayload.json.data.map((c: { uuid: string }) => c.uuid), [campaignA], 'the winner now carries B\'s payload');
  });
});
