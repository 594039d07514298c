/**
 * `?as_of=` on the campaign routes, against a running server over a real SQLite store: each
 * answer describes the log prefix the position selects, the same one `campaigns tables --as-of`
 * folds, and never half a batch.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStoreForReading } from '../../src/cli/store-dir.ts';
import type { CampaignRow } from '../../src/domain/tables.ts';
import { cli } from '../runtime/support/store-run.ts';
import { request } from './support/http-client.ts';
import { IDS } from './support/scenario.ts';
import { serveScenario, type Served } from './support/served-scenario.ts';

let s: Served;
/** Sequence of the last event of every batch, in order. */
let batchEnds: number[] = [];
/** The batch end just before B merged into A, and the merge's batch end. */
let beforeMerge = 0;
let merged = 0;
let campaignA = '';
let campaignB = '';
const get = (path: string) => request(s.base, path, {});

async function tablesAsOf(position: string): Promise<CampaignRow[]> {
  const r = await cli(['tables', '--store', s.scenario.dir, '--json', '--as-of', position]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as CampaignRow[];
}

before(async () => {
  s = await serveScenario();
  await s.scenario.appendBridge();
  await s.caughtUp();
  const store = openStoreForReading(s.scenario.dir);
  try {
    batchEnds = (await store.log.batches(1, 10_000)).map((b) => b.first_sequence + b.event_count - 1);
    const rows = await store.tables.rows();
    campaignA = rows.find((r) => r.members.includes(IDS.a1))!.uuid;
    campaignB = rows.find((r) => r.members.includes(IDS.b1))!.uuid;
    assert.equal(rows.find((r) => r.uuid === campaignB)!.merged_into, campaignA, 'the bridge merged B into A');
    const mergedAt = (await store.log.read(1, 100_000)).find((e) => e.type === 'campaign.merged' && e.payload.loser_uuid === campaignB)!.sequence;
    merged = batchEnds.find((end) => end >= mergedAt)!;
    beforeMerge = batchEnds[batchEnds.indexOf(merged) - 1];
  } finally {
    store.close();
  }
});
after(() => s.close());

describe('?as_of= on /api/v1/campaigns…', () => {
  it('the list at every batch end holds the live rows of `campaigns tables --as-of` at that position', async () => {
    // Every batch end would be slow to fold twice each; every fifth and the last few cover the run.
    const picks = batchEnds.filter((_, k) => k % 5 === 0 || k >= batchEnds.length - 3);
    for (const end of picks) {
      const r = await get(`/api/v1/campaigns?as_of=${end}&limit=1000&sort=uuid&order=asc`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.sequence, end);
      const live = (await tablesAsOf(String(end))).filter((row) => row.merged_into === null);
      assert.deepEqual(
        r.json.data.map((c: { uuid: string; identity_count: number; updated_at: string; status: string }) => [c.uuid, c.identity_count, c.updated_at, c.status]),
        live.map((row) => [row.uuid, row.identity_count, row.updated_at, row.status]),
        `as_of=${end}`,
      );
    }
  });

  it('a sequence inside a batch answers for the end of the batch before it', async () => {
    const k = batchEnds.findIndex((end, i) => i > 0 && end - batchEnds[i - 1] > 1);
    const r = await get(`/api/v1/campaigns?as_of=${batchEnds[k] - 1}&limit=1`);
    assert.equal(r.json.sequence, batchEnds[k - 1]);
  });

  it('before the merge B is a live campaign of its own; from the merge on, asking for B answers with A', async () => {
    const then = await get(`/api/v1/campaigns/${campaignB}?as_of=${beforeMerge}`);
    assert.equal(then.status, 200, then.text);
    assert.equal(then.json.uuid, campaignB);
    assert.equal(then.json.status, 'active');
    assert.equal(then.json.sequence, beforeMerge);
    assert.deepEqual(then.json.merge_path, [campaignB]);
    const now = await get(`/api/v1/campaigns/${campaignB}?as_of=${merged}`);
    assert.equal(now.json.uuid, campaignA);
    assert.deepEqual(now.json.merge_path, [campaignB, campaignA]);
    const members = await get(`/api/v1/campaigns/${campaignA}/identities?as_of=${beforeMerge}`);
    assert.ok(!members.json.data.some((i: { uuid: string }) => i.uuid === IDS.z), 'the bridge identity is not there yet');
    const evidence = await get(`/api/v1/campaigns/${campaignA}/evidence?as_of=${beforeMerge}`);
    assert.deepEqual(evidence.json.campaigns, [campaignA]);
    assert.equal(evidence.json.sequence, beforeMerge);
  });

  it('a campaign the log had not named yet at that position is 404', async () => {
    const r = await get(`/api/v1/campaigns/${campaignA}?as_of=0`);
    assert.equal(r.status, 404);
    assert.equal(r.json.error, 'not_found');
  });

  it('a position past the head, as a sequence or a time, answers like the live index', async () => {
    const live = await get('/api/v1/campaigns?limit=1000');
    for (const asOf of [String(batchEnds.at(-1)! + 100), encodeURIComponent('2100-01-01T00:00:00+01:00')]) {
      const r = await get(`/api/v1/campaigns?limit=1000&as_of=${asOf}`);
      assert.deepEqual(r.json, live.json, asOf);
    }
  });

  it('a time selects the prefix whose events are all at or before it', async () => {
    const store = openStoreForReading(s.scenario.dir);
    const events = await store.log.read(1, 100_000);
    store.close();
    const mergeTime = events.find((e) => e.sequence === merged)!.time;
    const justBefore = new Date(Date.parse(mergeTime) - 1).toISOString();
    const r = await get(`/api/v1/campaigns/${campaignB}?as_of=${encodeURIComponent(justBefore)}`);
    assert.equal(r.json.uuid, campaignB, 'B is not merged yet a millisecond before the merge batch');
    assert.equal((await get(`/api/v1/campaigns/${campaignB}?as_of=${encodeURIComponent(mergeTime)}`)).json.uuid, campaignA);
  });

  it('a value that is neither a sequence nor an ISO-8601 time is a 400 naming as_of', async () => {
    for (const bad of ['-1', 'yesterday', '2026-01-01', '1e3']) {
      for (const path of ['/api/v1/campaigns', `/api/v1/campaigns/${campaignA}`, `/api/v1/campaigns/${campaignA}/evidence`]) {
        const r = await get(`${path}?as_of=${encodeURIComponent(bad)}`);
        assert.equal(r.status, 400, `${path} as_of=${bad}`);
        assert.equal(r.json.error, 'invalid_parameter');
        assert.equal(r.json.parameter, 'as_of');
        assert.match(r.json.detail, /as_of must be a log sequence \(decimal digits\) or an ISO-8601 time/);
      }
    }
  });
});
