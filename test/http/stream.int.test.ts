/** The campaign event stream (SSE) against a running server over a store being written. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FELL_BEHIND, streamFrame } from '../../src/adapters/http/event-stream.ts';
import { startHttpServer, type RunningServer } from '../../src/adapters/http/server.ts';
import { enginesFor } from '../../src/cli/engines.ts';
import { openStoreForReading } from '../../src/cli/store-dir.ts';
import { identityLines, writeLines } from '../runtime/support/identity-stream.ts';
import { ingest } from '../runtime/support/store-run.ts';
import { openStream, request, type SseClient } from './support/http-client.ts';
import { IDS } from './support/scenario.ts';
import { serveScenario, type Served } from './support/served-scenario.ts';

describe('GET /api/v1/campaigns/events', () => {
  let s: Served;
  let headBefore: number;
  before(async () => {
    s = await serveScenario({ limits: { keepaliveMs: 150, maxStreams: 3 } });
    headBefore = s.server.follower.sequence;
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
      assert.equal(snap.data.sequence, s.server.follower.sequence);
    } finally {
      c.close();
    }
  });
});

describe('event stream shutdown', () => {
  it('ends open streams with an error frame when the server closes', async () => {
    const s = await serveScenario();
    const c = await openStream(s.base);
    const snap = await c.waitFor((f) => f.event === 'snapshot');
    await s.close();
    const err = await c.waitFor((f) => f.event === 'error');
    assert.deepEqual(err.data, { message: 'Stream interrupted', last_event_id: Number(snap.id) }, 'where to resume');
    await c.closed;
  });
});

/**
 * Flow control (issue #13, case 5): with the store at sequence 98,420, a client reconnecting
 * with `Last-Event-ID: 214` got a keepalive and a closed connection: the server wrote the whole
 * replay at once, tripped its own buffer bound and dropped the stream without a word. Here the
 * bound is 16 KiB and the log a few MB of frames, the same shape at a smaller scale.
 */
describe('event stream flow control', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'cs-stream-flow-'));
  const lines = identityLines({ seed: 1, events: 16_000 });
  const store = path.join(root, 'store');
  const part = (name: string, from: number, to: number): string => writeLines(path.join(root, name), lines.slice(from, to));
  /**
   * default@1 on purpose: on this corpus it percolates into one big campaign whose merges make
   * thousands of campaign events per 4,000-identity batch, a burst larger than the kernel's socket
   * buffers; default@2 makes a few hundred, which the socket alone absorbs.
   */
  const engines = enginesFor('default@1');
  let server: RunningServer;
  let reader: ReturnType<typeof openStoreForReading>;
  let base: string;

  /** Sequences the stream carries (all but the identity echo), after `after` up to the head. */
  async function streamIds(after: number): Promise<number[]> {
    const head = await reader.log.head();
    const out: number[] = [];
    for (let from = after + 1; from <= head; from += 1_000) {
      for (const e of await reader.log.read(from, 1_000)) if (streamFrame(e) !== null) out.push(e.sequence);
    }
    return out;
  }
  const framesAfter = (c: SseClient, after: number): number[] =>
    c.frames.filter((f) => f.id !== null && f.event !== 'snapshot' && f.event !== 'error' && Number(f.id) > after).map((f) => Number(f.id));
  async function caughtUp(): Promise<number> {
    const head = await reader.log.head();
    for (let i = 0; server.follower.sequence !== head; i++) {
      if (i > 500) throw new Error('the server did not index the log');
      await new Promise((r) => setTimeout(r, 20));
    }
    return head;
  }

  before(async () => {
    await ingest(store, [part('a.ndjson', 0, 8_000)], { batchSize: 1_000, engines });
    reader = openStoreForReading(store);
    server = await startHttpServer({
      port: 0, pollMs: 50, onError: () => {}, log: reader.log, tables: reader.tables,
      limits: { maxStreamBufferBytes: 16 * 1024, maxReplayEvents: 100_000 },
    });
    base = server.url;
  });
  after(async () => {
    await server.close();
    reader.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('replays every event after a far-behind Last-Event-ID, at the client\'s pace, with no drop', async () => {
    const head = await caughtUp();
    const expected = await streamIds(5);
    assert.ok(expected.length > 1_000, `only ${expected.length} events to replay`);
    const c = await openStream(base, undefined, { 'Last-Event-ID': '5' });
    try {
      await c.waitFor((f) => f.id !== null && Number(f.id) >= expected.at(-1)!, 60_000);
      assert.deepEqual(framesAfter(c, 5), expected, 'every event after 5, once, in order');
      assert.ok(!c.frames.some((f) => f.event === 'error' || f.event === 'snapshot'));
      assert.ok(head >= expected.at(-1)!);
    } finally {
      c.close();
    }
  });

  it('delivers a live burst far larger than the buffer bound whole to a client that reads', async () => {
    const before = await caughtUp();
    const c = await openStream(base);
    try {
      await c.waitFor((f) => f.event === 'snapshot');
      // One batch of 4,000 identity events: thousands of campaign events in one poll.
      await ingest(store, [part('a.ndjson', 0, 8_000), part('b.ndjson', 8_000, 12_000)], { batchSize: 4_000, engines });
      const expected = await streamIds(before);
      assert.ok(expected.length > 500);
      await c.waitFor((f) => f.id !== null && Number(f.id) >= expected.at(-1)!, 60_000);
      assert.deepEqual(framesAfter(c, before), expected);
      assert.ok(!c.frames.some((f) => f.event === 'error'));
    } finally {
      c.close();
    }
  });

  it('drops a client that falls further behind than the replay window with an error frame naming the last id it was sent', async () => {
    const narrow = await startHttpServer({
      port: 0, pollMs: 50, onError: () => {}, log: reader.log,
      limits: { maxStreamBufferBytes: 16 * 1024, maxReplayEvents: 50 },
    });
    const open = (): string | undefined => /campaign_stream_http_streams_open (\d+)/.exec(narrow.registry.render())?.[1];
    try {
      const c = await openStream(narrow.url);
      await c.waitFor((f) => f.event === 'snapshot');
      c.pause();
      await ingest(store, [part('a.ndjson', 0, 8_000), part('b.ndjson', 8_000, 12_000), part('c.ndjson', 12_000, 16_000)], { batchSize: 4_000, engines });
      for (let i = 0; open() !== '0'; i++) {
        assert.ok(i < 1_500, 'the stream was not dropped');
        await new Promise((r) => setTimeout(r, 20));
      }
      c.resume();
      const err = await c.waitFor((f) => f.event === 'error', 30_000);
      const lastSent = c.frames.filter((f) => f.id !== null && f.event !== 'error').at(-1)!;
      assert.deepEqual(err.data, { message: FELL_BEHIND, last_event_id: Number(lastSent.id) });
      await c.closed;
      const again = await openStream(narrow.url, undefined, { 'Last-Event-ID': String(err.data.last_event_id) });
      try {
        const snap = await again.waitFor((f) => f.event === 'snapshot');
        assert.equal(snap.data.sequence, narrow.follower.sequence, 'too far behind to replay: a fresh snapshot');
      } finally {
        again.close();
      }
    } finally {
      await narrow.close();
    }
  });
});
