import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import { emptyTables, foldEvents } from '../../src/domain/tables.ts';
import { rowsChangedAfter } from '../../src/pipeline/kafka/published-rows.ts';

let seq = 0;
const ev = (type: CampaignEvent['type'], payload: unknown): CampaignEvent => ({
  event_id: `e${++seq}`, sequence: seq, type, time: '2026-01-01T00:00:00Z', batch: { from: 'x:0', to: 'x:1' }, payload, evidence: [],
} as CampaignEvent);

describe('rows to publish', () => {
  const t = emptyTables();
  foldEvents(t, [
    ev('campaign.formed', { campaign_uuid: 'A', identity_uuids: ['a1', 'a2'] }),
    ev('campaign.formed', { campaign_uuid: 'B', identity_uuids: ['b1'] }),
    ev('campaign.formed', { campaign_uuid: 'C', identity_uuids: ['c1'] }),
    ev('campaign.merged', { winner_uuid: 'B', loser_uuid: 'C' }),
    ev('campaign.merged', { winner_uuid: 'A', loser_uuid: 'B' }),
  ]);

  it('lists every row changed after a sequence, with the live members merged into it, transitively', () => {
    const rows = rowsChangedAfter(t, 4);
    assert.deepEqual(rows.map((r) => [r.row.uuid, r.row.status, r.row.identity_count, r.merged_members]), [
      ['A', 'active', 4, ['b1', 'c1']],
      ['B', 'merged', 2, ['c1']],
    ]);
  });

  it('leaves a row changed again after the run to the run that holds its later change', () => {
    // A and B were formed in (0, 3] but changed again by the merge at 5; C last changed at 4.
    assert.deepEqual(rowsChangedAfter(t, 0, 3).map((r) => r.row.uuid), []);
    assert.deepEqual(rowsChangedAfter(t, 3, 4).map((r) => r.row.uuid), ['C']);
    assert.deepEqual(rowsChangedAfter(t, 4, 5).map((r) => r.row.uuid), ['A', 'B']);
  });

  it('lists every row after sequence 0 and none after the last event', () => {
    assert.deepEqual(rowsChangedAfter(t, 0).map((r) => r.row.uuid), ['A', 'B', 'C']);
    assert.deepEqual(rowsChangedAfter(t, seq), []);
  });

  it("carry the tables' domain when told one, and no domain key in the default domain", () => {
    assert.deepEqual(rowsChangedAfter(t, 4, seq, 'fleet-a').map((r) => [r.row.uuid, r.domain]), [['A', 'fleet-a'], ['B', 'fleet-a']]);
    for (const r of [...rowsChangedAfter(t, 0), ...rowsChangedAfter(t, 0, seq, null)]) assert.ok(!('domain' in r));
  });
});
