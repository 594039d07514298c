/**
 * Campaign event logs for fold tests: drafts (type + payload) built by name, wrapped into
 * envelopes by `log`, and an arbitrary draft over a few campaigns and identities, so random logs
 * reach merges, cycles, moves and profile deltas (not only the logs a correct engine writes).
 */
import fc from 'fast-check';
import type { CampaignEvent, CampaignEventType, PayloadByType } from '../../src/domain/campaign-events.ts';

export type Draft = { [T in CampaignEventType]: { type: T; payload: PayloadByType[T] } }[CampaignEventType];

/** Envelopes for drafts: sequences from `first`, one second apart. */
export function log(drafts: readonly Draft[], first = 1): CampaignEvent[] {
  return drafts.map((d, k) => ({
    event_id: `e${first + k}`,
    sequence: first + k,
    type: d.type,
    time: new Date(Date.UTC(2026, 0, 1) + (first + k) * 1000).toISOString().replace('.000Z', 'Z'),
    batch: { from: 'f:0', to: 'f:1' },
    payload: d.payload,
    evidence: [],
  }) as CampaignEvent);
}

export const formed = (campaign_uuid: string, ...identity_uuids: string[]): Draft =>
  ({ type: 'campaign.formed', payload: { campaign_uuid, identity_uuids } });
export const assigned = (identity_uuid: string, campaign_uuid: string, prior: string | null = null): Draft =>
  ({ type: 'campaign.identity.assigned', payload: { campaign_uuid, identity_uuid, prior_campaign_uuid: prior } });
export const echo = (identity_uuid: string, campaign_uuid: string, prior: string | null = null): Draft =>
  ({ type: 'identity.campaign.assigned', payload: { identity_uuid, campaign_uuid, prior_campaign_uuid: prior } });
export const merged = (winner_uuid: string, loser_uuid: string): Draft =>
  ({ type: 'campaign.merged', payload: { winner_uuid, loser_uuid } });
export const unmerged = (resurrected_uuid: string, former_winner_uuid: string): Draft =>
  ({ type: 'campaign.unmerged', payload: { resurrected_uuid, former_winner_uuid } });
export const removed = (campaign_uuid: string, identity_uuid: string): Draft =>
  ({ type: 'campaign.identity.removed', payload: { campaign_uuid, identity_uuid, reason: 'retired' } });
export const profile = (campaign_uuid: string, p: Partial<PayloadByType['campaign.profile.updated']> = {}): Draft => ({
  type: 'campaign.profile.updated',
  payload: {
    campaign_uuid, first_activity: null, last_activity: null, confidence: 0,
    payload_hashes: { added: [], removed: [] }, c2_endpoints: { added: [], removed: [] },
    deckies: { added: [], removed: [] }, asns: { added: [], removed: [] }, ...p,
  },
});

const C = ['c0', 'c1', 'c2', 'c3', 'c4'];
const I = ['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7'];
const c = fc.constantFrom(...C);
const i = fc.constantFrom(...I);
const values = fc.subarray(['a', 'b', 'c', 'd']);
const delta = fc.record({ added: values, removed: values });
export const draft: fc.Arbitrary<Draft> = fc.oneof(
  fc.tuple(c, fc.subarray(I, { minLength: 1 })).map(([k, ids]) => formed(k, ...ids)),
  fc.tuple(i, c, fc.option(c)).map(([id, k, p]) => assigned(id, k, p)),
  fc.tuple(i, c, fc.option(c)).map(([id, k, p]) => echo(id, k, p)),
  fc.tuple(c, c).map(([w, l]) => merged(w, l)),
  fc.tuple(c, c).map(([r, w]) => unmerged(r, w)),
  fc.tuple(c, i).map(([k, id]) => removed(k, id)),
  fc.tuple(c, fc.option(fc.constantFrom('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')), fc.double({ min: 0, max: 1, noNaN: true }), delta, delta)
    .map(([k, first, conf, ph, dk]) => profile(k, {
      first_activity: first, last_activity: first, confidence: conf, payload_hashes: ph, deckies: dk,
      asns: { added: ph.added.map((s) => s.charCodeAt(0)), removed: ph.removed.map((s) => s.charCodeAt(0)) },
    })),
);
