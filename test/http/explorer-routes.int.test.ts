/**
 * The two routes the explorer needs beside the campaign API: `/api/v1/log/positions` (the time
 * slider's stops: batch ends and their times) and `/api/v1/labels` (analyst labels, which the
 * campaign rows do not carry yet), over the scenario store written by the real `campaigns run`,
 * with a label override run into it, then replaced by a second one. The sampling of a long log
 * is log-positions.unit.test.ts's.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStoreForReading } from '../../src/cli/store-dir.ts';
import { request } from './support/http-client.ts';
import { serveScenario, type Served } from './support/served-scenario.ts';

async function getFrom<T>(base: string, path: string): Promise<{ status: number; body: T }> {
  const r = await request(base, path);
  return { status: r.status, body: r.json as T };
}

interface Position { batch: number; sequence: number; time: string | null }
interface Positions { batches: number; head: Position; at: Position | null; data: Position[] }
interface Label { campaign_uuid: string; name: string; tags: string[]; notes: string | null; author: string | null; override_event_id: string | null; sequence: number; time: string }

const label = (event: string, campaign: string, name: string, tags: string[]): string => JSON.stringify({
  type: 'analyst.label', event_id: event, time: '2026-01-12T00:00:00Z', campaign_uuid: campaign, name, tags,
  notes: 'seen on <b>decky-7</b>', author: 'kim', reason: 'same crew as last spring',
});

describe('explorer support routes', () => {
  let s: Served;
  let campaign: string;
  let beforeLabel: number;
  const get = <T = unknown>(path: string) => getFrom<T>(s.base, path);

  before(async () => {
    s = await serveScenario();
    const list = await get<{ data: Array<{ uuid: string }> }>('/api/v1/campaigns?sort=identity_count&limit=1');
    campaign = list.body.data[0].uuid;
  });

  after(async () => {
    await s?.close();
  });

  it('lists every batch end with its time when the log is short, and resolves a bare sequence to its batch', async () => {
    const store = openStoreForReading(s.scenario.dir);
    try {
      const batches = await store.log.batches(1, 1_000);
      const { status, body } = await get<Positions>('/api/v1/log/positions');
      assert.equal(status, 200);
      assert.equal(body.batches, batches.length);
      assert.deepEqual(body.data.map((p) => p.batch), batches.filter((b) => b.event_count > 0).map((b) => b.index));
      for (const p of body.data) {
        const [ev] = await store.log.read(p.sequence, 1);
        assert.equal(p.time, ev.time, `batch ${p.batch} ends at ${p.sequence}, time ${ev.time}`);
      }
      assert.deepEqual(body.head, body.data.at(-1));
      assert.equal(body.head.sequence, await store.log.head());
      assert.equal(body.at, null);

      // Inside the second batch: as_of rounds down to the first batch's end, and so does this.
      const [first, second] = body.data;
      const inside = await get<Positions>(`/api/v1/log/positions?sequence=${second.sequence - 1}`);
      assert.deepEqual(inside.body.at, first);
      const asOf = await get<{ sequence: number }>(`/api/v1/campaigns?limit=1&as_of=${second.sequence - 1}`);
      assert.equal(asOf.body.sequence, first.sequence, 'the stop is the position as_of selects');
      assert.deepEqual((await get<Positions>('/api/v1/log/positions?sequence=0')).body.at, { batch: 0, sequence: 0, time: null });
      assert.deepEqual((await get<Positions>('/api/v1/log/positions?sequence=999999')).body.at, body.head);
    } finally {
      store.close();
    }
  });

  it('refuses bad parameters', async () => {
    for (const q of ['points=1', 'points=1001', 'sequence=-1', 'sequence=1e3', 'limit=5']) {
      const { status, body } = await get<{ error: string }>(`/api/v1/log/positions?${q}`);
      assert.equal(status, 400, q);
      assert.equal(body.error, 'invalid_parameter');
    }
    for (const q of ['as_of=2026-01-01T00:00:00Z', 'as_of=x', 'q=a']) {
      const { status } = await get(`/api/v1/labels?${q}`);
      assert.equal(status, 400, q);
    }
  });

  it('serves the labels standing now and at earlier positions, and a replaced label as replaced', async () => {
    assert.deepEqual((await get<{ data: Label[] }>('/api/v1/labels')).body.data, []);
    beforeLabel = (await get<Positions>('/api/v1/log/positions')).body.head.sequence;

    await s.scenario.appendLines('label-1.ndjson', [label('ov-label-1', campaign, 'Kettle <script>', ['apt', 'ssh'])]);
    await s.caughtUp();
    const first = await get<{ sequence: number; data: Label[] }>('/api/v1/labels');
    assert.equal(first.status, 200);
    assert.equal(first.body.data.length, 1);
    const { sequence: _s, time, ...fields } = first.body.data[0];
    assert.deepEqual(fields, {
      campaign_uuid: campaign, name: 'Kettle <script>', tags: ['apt', 'ssh'], notes: 'seen on <b>decky-7</b>', author: 'kim',
      override_event_id: 'ov-label-1',
    });
    assert.match(time, /^\d{4}-\d\d-\d\dT/);
    const labelledAt = first.body.data[0].sequence;
    assert.ok(labelledAt > beforeLabel);

    await s.scenario.appendLines('label-2.ndjson', [label('ov-label-2', campaign, 'Kettle', ['apt'])]);
    await s.caughtUp();
    const now = await get<{ sequence: number; data: Label[] }>('/api/v1/labels');
    assert.deepEqual(now.body.data.map((l) => [l.name, l.tags, l.override_event_id]), [['Kettle', ['apt'], 'ov-label-2']]);

    const atFirst = await get<{ sequence: number; data: Label[] }>(`/api/v1/labels?as_of=${labelledAt}`);
    assert.equal(atFirst.body.sequence, labelledAt);
    assert.deepEqual(atFirst.body.data.map((l) => l.override_event_id), ['ov-label-1']);
    const past = await get<{ sequence: number; data: Label[] }>(`/api/v1/labels?as_of=${beforeLabel}`);
    assert.equal(past.body.sequence, beforeLabel);
    assert.deepEqual(past.body.data, []);
  });
});
