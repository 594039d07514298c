/** The campaign event stream (SSE) against a running server over a store being written. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStream, request } from './support/http-client.ts';
import { IDS } from './support/scenario.ts';
import { serveScenario, type Served } from './support/served-scenario.ts';

describe('GET /api/v1/campaigns/events', () => {
  let s: Served;
  let headBefore: number;
  before(async () => {
    s = await serveScenario({ limits: { keepaliveMs: 150, maxStreams: 3 } });
    headBefore = s.server.follower.index.sequence;
  });
  after(() => s.close());

  it('starts with a keepalive comment, then a snapshot of the first list page at the current sequence', async () => {
    const c = await openStream(s.base);
    try {
      assert.equal(c.status, 200);
      assert.match(String(c.headers['content-type']), /^text\/event-stream/);
      const snap = await c.waitFor((f) => f.event === 'snapshot');
      assert.equal(c.frames[0].event, 'comment');
      assert.deepEqual(c.frames[0].comments, ['keepalive']);
      assert.equal(snap.id, String(headBefore));
      assert.equal(snap.data.sequence, headBefore);
      const list = await request(s.base, '/api/v1/campaigns');
      assert.deepEqual(snap.data.campaigns.map((x: { uuid: string }) => x.uuid), list.json.data.map((x: { uuid: string }) => x.uuid));
    } finally {
      c.close();
    }
  });

  it('sends keepalive comments while idle', async () => {
    const c = await openStream(s.base);
    try {
      await c.waitFor((f) => f.event === 'snapshot');
      await c.waitFor((f) => f.event === 'comment' && c.frames.indexOf(f) > 1, 2_000);
    } finally {
      c.close();
    }
  });

  it('refuses query parameters (no tickets: the bearer header is the auth) and a malformed Last-Event-ID', async () => {
    const t = await request(s.base, '/api/v1/campaigns/events?ticket=abc');
    assert.equal(t.status, 400);
    assert.equal(t.json.parameter, 'ticket');
    const l = await request(s.base, '/api/v1/campaigns/events', { headers: { 'Last-Event-ID': 'abc' } });
    assert.equal(l.status, 400);
    assert.equal(l.json.parameter, 'Last-Event-ID');
  });

  it('limits concurrent streams with 429 and frees the slot when a client leaves', async () => {
    const open = await Promise.all([openStream(s.base), openStream(s.base), openStream(s.base)]);
    await Promise.all(open.map((c) => c.waitFor((f) => f.event === 'snapshot')));
    const refused = await request(s.base, '/api/v1/campaigns/events');
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error, 'too_many_streams');
    assert.equal(refused.headers['retry-after'], '5');
    open[0].close();
    await open[0].closed;
    for (let i = 0; i < 50 && s.server.registry.render().includes('campaign_stream_http_streams_open 3'); i++) await new Promise((r) => setTimeout(r, 10));
    const again = await openStream(s.base);
    assert.equal(again.status, 200);
    again.close();
    open.slice(1).forEach((c) => c.close());
  });

  it('delivers a live merge as it is committed, with the reference frame keys, and no identity echo', async () => {
    const c = await openStream(s.base);
    try {
      await c.waitFor((f) => f.event === 'snapshot');
      await s.scenario.appendBridge();
      const merged = await c.waitFor((f) => f.event === 'merged');
      assert.equal(merged.data.topic, 'campaign.merged');
      assert.equal(merged.data.type, 'campaign.merged');
      assert.equal(typeof merged.data.ts, 'number');
      assert.equal(merged.id, String(merged.data.sequence));
      assert.ok(merged.data.sequence > headBefore);
      assert.deepEqual(Object.keys(merged.data.payload).sort(), ['loser_uuid', 'winner_uuid']);
      assert.equal(merged.data.evidence.length, 1, 'the bridging edge');
      assert.match(merged.data.batch.from, /^bridge\.ndjson:/);
      const assigned = await c.waitFor((f) => f.event === 'identity.assigned');
      assert.equal(assigned.data.payload.identity_uuid, IDS.z);
      await c.waitFor((f) => f.event === 'profile.updated');
      assert.ok(!c.frames.some((f) => f.event === 'campaign.assigned' || f.data?.type === 'identity.campaign.assigned'));
      const ids = c.frames.filter((f) => f.id !== null && f.event !== 'snapshot').map((f) => Number(f.id));
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in log order');
    } finally {
      c.close();
    }
  });

  it('replays what a client missed after Last-Event-ID instead of a new snapshot', async () => {
    await s.caughtUp();
    const c = await openStream(s.base, undefined, { 'Last-Event-ID': String(headBefore) });
    try {
      const merged = await c.waitFor((f) => f.event === 'merged');
      assert.ok(Number(merged.id) > headBefore);
      assert.ok(!c.frames.some((f) => f.event === 'snapshot'));
      const first = c.frames.find((f) => f.id !== null)!;
      assert.equal(Number(first.id), headBefore + 1);
    } finally {
      c.close();
    }
  });

  it('sends a fresh snapshot to a Last-Event-ID from beyond the log (another store)', async () => {
    const c = await openStream(s.base, undefined, { 'Last-Event-ID': '999999' });
    try {
      const snap = await c.waitFor((f) => f.event === 'snapshot');
      assert.equal(snap.data.sequence, s.server.follower.index.sequence);
    } finally {
      c.close();
    }
  });
});

describe('event stream shutdown', () => {
  it('ends open streams with an error frame when the server closes', async () => {
    const s = await serveScenario();
    const c = await openStream(s.base);
    await c.waitFor((f) => f.event === 'snapshot');
    await s.close();
    const err = await c.waitFor((f) => f.event === 'error');
    assert.deepEqual(err.data, { message: 'Stream interrupted' });
    await c.closed;
  });
});
