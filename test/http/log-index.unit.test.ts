/** The query index over the campaign event log. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CampaignEvent, CampaignEventType, EdgeEvidence, PayloadByType } from '../../src/domain/campaign-events.ts';
import { allRows, emptyTables, foldEvents } from '../../src/domain/tables.ts';
import { LogIndex } from '../../src/adapters/http/log-index.ts';

type Draft = { [T in CampaignEventType]: { type: T; payload: PayloadByType[T]; evidence?: EdgeEvidence[] } }[CampaignEventType];

const edge = (a: string, b: string, weight: number, fam: Partial<EdgeEvidence> = {}): EdgeEvidence =>
  ({ a, b, weight, handoff: 0, shared_infra: 1, temporal: 0, cohort: 0, keystroke: 0, ...fam });

function log(drafts: readonly Draft[], first = 1): CampaignEvent[] {
  return drafts.map((d, k) => ({
    event_id: `e${first + k}`, sequence: first + k, type: d.type, time: `2026-01-01T00:00:${String(first + k).padStart(2, '0')}Z`,
    batch: { from: `f:${first + k}`, to: `f:${first + k + 1}` }, payload: d.payload, evidence: d.evidence ?? [],
  }) as CampaignEvent);
}
const formed = (c: string, ids: string[], evidence: EdgeEvidence[] = []): Draft => ({ type: 'campaign.formed', payload: { campaign_uuid: c, identity_uuids: ids }, evidence });
const echo = (i: string, c: string): Draft => ({ type: 'identity.campaign.assigned', payload: { identity_uuid: i, campaign_uuid: c, prior_campaign_uuid: null } });
const assigned = (i: string, c: string, prior: string | null, evidence: EdgeEvidence[] = []): Draft =>
  ({ type: 'campaign.identity.assigned', payload: { campaign_uuid: c, identity_uuid: i, prior_campaign_uuid: prior }, evidence });
const merged = (w: string, l: string, evidence: EdgeEvidence[] = []): Draft => ({ type: 'campaign.merged', payload: { winner_uuid: w, loser_uuid: l }, evidence });
const unmerged = (r: string, w: string): Draft => ({ type: 'campaign.unmerged', payload: { resurrected_uuid: r, former_winner_uuid: w } });
const removed = (c: string, i: string): Draft => ({ type: 'campaign.identity.removed', payload: { campaign_uuid: c, identity_uuid: i, reason: 'retired' } });

const SCRIPT: Draft[] = [
  formed('A', ['a1', 'a2'], [edge('a1', 'a2', 1)]), echo('a1', 'A'), echo('a2', 'A'),
  formed('B', ['b1', 'b2'], [edge('b1', 'b2', 1.2)]), echo('b1', 'B'), echo('b2', 'B'),
  merged('A', 'B', [edge('a2', 'b1', 1.05, { shared_infra: 0, handoff: 1 })]),
  assigned('z', 'A', null, [edge('a1', 'z', 1)]), echo('z', 'A'),
];

describe('log index', () => {
  it('folds the same rows as the domain tables fold', () => {
    const idx = new LogIndex();
    const events = log(SCRIPT);
    idx.apply(events.slice(0, 4));
    idx.apply(events.slice(4));
    const t = emptyTables();
    foldEvents(t, events);
    assert.deepEqual(idx.allRows().sort((x, y) => (x.uuid < y.uuid ? -1 : 1)), allRows(t));
  });

  it('keeps each campaign history without the identity echoes, and resolves the merge tree', () => {
    const idx = new LogIndex();
    idx.apply(log(SCRIPT));
    assert.deepEqual(idx.campaignHistory(['A']).map((h) => h.type), ['campaign.formed', 'campaign.merged', 'campaign.identity.assigned']);
    assert.deepEqual(idx.campaignHistory(idx.subtree('A')).map((h) => h.sequence), [1, 4, 7, 8]);
    assert.deepEqual(idx.subtree('A'), ['A', 'B']);
    assert.deepEqual(idx.mergePath('B'), ['B', 'A']);
    assert.equal(idx.canonical('B'), 'A');
    assert.deepEqual(idx.members('A'), ['a1', 'a2', 'b1', 'b2', 'z']);
    assert.equal(idx.literalCampaignOf('b1'), 'B');
    assert.deepEqual(idx.liveRows().map((r) => r.uuid), ['A']);
    assert.equal(idx.typeCounts.get('identity.campaign.assigned'), 5);
  });

  it('gives the edges within a member set, and of an identity, with the event that carried them', () => {
    const idx = new LogIndex();
    idx.apply(log(SCRIPT));
    const within = idx.edgesWithin(idx.members('A')).map((e) => `${e.a}-${e.b}@${e.sequence}`).sort();
    assert.deepEqual(within, ['a1-a2@1', 'a1-z@8', 'a2-b1@7', 'b1-b2@4']);
    assert.deepEqual(idx.edgesWithin(['a1', 'a2']).map((e) => `${e.a}-${e.b}`), ['a1-a2']);
    assert.deepEqual(idx.edgesOf('a2').map((e) => `${e.a}-${e.b}`).sort(), ['a1-a2', 'a2-b1']);
  });

  it('keeps the latest scores of a pair that several events carried', () => {
    const idx = new LogIndex();
    idx.apply(log([formed('A', ['x', 'y'], [edge('x', 'y', 1)]), assigned('y', 'A', null, [edge('x', 'y', 1.7)])]));
    const [e] = idx.edgesOf('x');
    assert.equal(e.weight, 1.7);
    assert.equal(e.sequence, 2);
  });

  it('tracks identity facts: joined, removed, and back again', () => {
    const idx = new LogIndex();
    idx.apply(log([formed('A', ['x']), removed('A', 'x')]));
    assert.equal(idx.identity('x')!.removed?.reason, 'retired');
    assert.equal(idx.identity('x')!.joined_sequence, null);
    assert.equal(idx.literalCampaignOf('x'), undefined);
    idx.apply(log([formed('C', ['x'])], 3));
    assert.equal(idx.identity('x')!.removed, null);
    assert.equal(idx.identity('x')!.joined_sequence, 3);
    assert.deepEqual(idx.identityHistory('x').map((h) => h.type), ['campaign.formed', 'campaign.identity.removed', 'campaign.formed']);
  });

  it('an unmerge takes the campaign out of the winner subtree and refreshes cached rows', () => {
    const idx = new LogIndex();
    idx.apply(log(SCRIPT));
    assert.equal(idx.row('A')!.identity_count, 5);
    idx.apply(log([unmerged('B', 'A')], SCRIPT.length + 1));
    assert.deepEqual(idx.subtree('A'), ['A']);
    assert.equal(idx.row('A')!.identity_count, 3);
    assert.equal(idx.row('B')!.status, 'active');
  });

  it('refuses a gap or a repeat and applies nothing of that read', () => {
    const idx = new LogIndex();
    idx.apply(log(SCRIPT.slice(0, 2)));
    assert.throws(() => idx.apply(log(SCRIPT.slice(3, 5), 4)), /expected sequence 3/);
    assert.throws(() => idx.apply(log(SCRIPT.slice(1, 3), 2)), /expected sequence 3/);
    assert.equal(idx.sequence, 2);
    assert.equal(idx.campaignHistory(['B']).length, 0);
  });
});
