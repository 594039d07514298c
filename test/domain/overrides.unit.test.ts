/**
 * Analyst overrides in the engine, one behaviour per test: what each override does to the
 * campaigns, how the log says so (evidence `override`, `cut`; `campaign.labelled`), which
 * overrides are refused and with what code, how conflicts are settled and reported, and how
 * overrides travel in snapshots. The oracle comparison is overrides.property.unit.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CampaignEvent, EdgeEvidence } from '../../src/domain/campaign-events.ts';
import { createEngine, restoreEngine, type CampaignEngine } from '../../src/domain/engine.ts';
import type { AnalystEvent, IdentityEvent } from '../../src/domain/identity-events.ts';
import { LATEST_DEFAULT_PROFILE, type ScoringProfile } from '../../src/domain/profile.ts';
import { canonicalPartition } from '../support/brute-force.ts';
import { observed, positioned, retired } from '../support/builders.ts';

const T0 = 1_767_225_600;
let batchNo = 0;
function given(engine: CampaignEngine, events: IdentityEvent[]) {
  const b = batchNo++;
  return engine.applyBatch(positioned(events, `b${b}`), { from: `b${b}:0`, to: `b${b}:${events.length}` });
}
const partition = (e: CampaignEngine) => canonicalPartition(e.membership().map((m) => [m.identity_uuid, m.campaign_uuid] as const));
const campaignOf = (e: CampaignEngine, identity: string) => e.membership().find((m) => m.identity_uuid === identity)!.campaign_uuid;
const who = { author: 'kim', reason: 'test' };
const mustLink = (id: string, a: string, b: string, time = T0): AnalystEvent => ({ type: 'analyst.must_link', event_id: id, time, identity_uuids: [a, b], ...who });
const cannotLink = (id: string, a: string, b: string, time = T0): AnalystEvent => ({ type: 'analyst.cannot_link', event_id: id, time, identity_uuids: [a, b], ...who });
const pin = (id: string, identity: string, anchor: string, time = T0): AnalystEvent => ({ type: 'analyst.pin', event_id: id, time, identity_uuid: identity, anchor_uuid: anchor, ...who });
const revoke = (id: string, target: string, time = T0): AnalystEvent => ({ type: 'analyst.revoke', event_id: id, time, override_event_id: target, ...who });
const label = (id: string, campaign: string, name: string, time = T0): AnalystEvent => ({
  type: 'analyst.label', event_id: id, time, campaign_uuid: campaign, name, tags: ['apt'], notes: null, ...who,
});
const c2 = (...tokens: string[]) => ({ c2_endpoints: tokens });
const allEvidence = (evs: readonly CampaignEvent[]): EdgeEvidence[] => evs.flatMap((e) => e.evidence);

/** a, b, c hold one C2: one campaign of three. */
function trio(profile?: ScoringProfile): CampaignEngine {
  const e = createEngine({ profile });
  given(e, [observed('a', c2('x')), observed('b', c2('x')), observed('c', c2('x'))]);
  assert.deepEqual(partition(e), [['a', 'b', 'c']]);
  return e;
}

describe('cannot-link', () => {
  it('cuts a campaign so the pair is apart; the moved identity\'s event lists the cut edges with the override', () => {
    // default@2 stores every edge of the three (default@1 keeps identical infrastructure as a
    // star around its hub, and evidence can only list the edges it stores).
    const e = trio(LATEST_DEFAULT_PROFILE);
    const out = given(e, [cannotLink('ov-1', 'a', 'c')]);
    assert.deepEqual(out.rejections, []);
    // Kruskal takes a–b, then refuses a–c and b–c (either would join a and c): c stands alone.
    assert.deepEqual(partition(e), [['a', 'b'], ['c']]);
    const cut = allEvidence(out.events).filter((ev) => ev.cut === true);
    assert.ok(cut.length > 0, 'some event names the cut');
    for (const ev of cut) assert.equal(ev.override, 'ov-1');
    assert.deepEqual(cut.map((ev) => `${ev.a}|${ev.b}`).sort(), ['a|c', 'b|c']);
  });

  it('of two cannot-links on one pair, the cut names the newer, whichever way round each names the pair', () => {
    for (const [older, newer] of [[cannotLink('cl-a', 'a', 'c', T0), cannotLink('cl-b', 'c', 'a', T0 + 1)], [cannotLink('cl-a', 'c', 'a', T0), cannotLink('cl-b', 'a', 'c', T0 + 1)]]) {
      for (const batches of [[[older, newer]], [[newer, older]], [[older], [newer]]]) {
        const e = trio(LATEST_DEFAULT_PROFILE);
        for (const b of batches) given(e, b);
        // d joins a and b; its link to c is cut, and its assignment lists that link.
        const cut = allEvidence(given(e, [observed('d', c2('x'))]).events).filter((ev) => ev.cut === true);
        assert.deepEqual(cut.map((ev) => [ev.a, ev.b, ev.override]), [['c', 'd', 'cl-b']]);
      }
    }
  });

  it('keeps the pair apart when new evidence arrives later, and a revoke brings them back together', () => {
    const e = trio();
    given(e, [cannotLink('ov-1', 'a', 'c')]);
    given(e, [observed('d', c2('x')), observed('c', { ...c2('x'), payload_hashes: ['p'] }, { version: 2 })]);
    assert.notEqual(campaignOf(e, 'a'), campaignOf(e, 'c'));
    const out = given(e, [revoke('rv-1', 'ov-1')]);
    assert.deepEqual(out.rejections, []);
    assert.deepEqual(partition(e), [['a', 'b', 'c', 'd']]);
    assert.ok(out.events.some((ev) => ev.type === 'campaign.merged' || ev.type === 'campaign.identity.assigned'));
  });

  it('between identities of two campaigns changes nothing and emits nothing', () => {
    const e = createEngine();
    given(e, [observed('a', c2('x')), observed('b', c2('y'))]);
    assert.deepEqual(given(e, [cannotLink('ov-1', 'a', 'b')]).events, []);
  });
});

describe('must-link and pin', () => {
  it('a must-link joins two unrelated identities; the evidence is the pair\'s own score, marked with the override', () => {
    const e = createEngine();
    given(e, [observed('a', c2('x')), observed('b', c2('y'))]);
    const out = given(e, [mustLink('ov-1', 'a', 'b')]);
    assert.deepEqual(partition(e), [['a', 'b']]);
    const linked = allEvidence(out.events).filter((ev) => ev.override === 'ov-1');
    assert.ok(linked.length > 0);
    for (const ev of linked) {
      assert.equal(ev.cut, undefined);
      assert.ok(ev.weight < 1, `the pair's score (${ev.weight}), not the override's weight`);
    }
  });

  it('a pin keeps the identity with its anchor; a newer pin of the same identity replaces it and the older is reported', () => {
    const e = createEngine();
    given(e, [observed('x', c2('q')), observed('a', c2('y')), observed('b', c2('z'))]);
    const pinnedIn = `b${batchNo}:0`;
    given(e, [pin('p-1', 'x', 'a', T0)]);
    assert.equal(campaignOf(e, 'x'), campaignOf(e, 'a'));
    const out = given(e, [pin('p-2', 'x', 'b', T0 + 10)]);
    assert.equal(campaignOf(e, 'x'), campaignOf(e, 'b'));
    assert.notEqual(campaignOf(e, 'x'), campaignOf(e, 'a'));
    assert.deepEqual(out.rejections.map((r) => [r.event_id, r.code, r.position]), [['p-1', 'override_conflict', pinnedIn]]);
    assert.match(out.rejections[0].reason, /replaced by the newer pin p-2 of x/);
  });

  it('a must-link revoked: the pair is held only by its own evidence again', () => {
    const e = createEngine();
    given(e, [observed('a', c2('x')), observed('b', c2('y')), mustLink('ov-1', 'a', 'b')]);
    given(e, [revoke('rv-1', 'ov-1')]);
    assert.deepEqual(partition(e), [['a'], ['b']]);
  });
});

describe('conflicts: the newer override wins, whatever arrived first', () => {
  it('a newer cannot-link beats an older must-link chain through the pair, and the chain link that loses is reported', () => {
    for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
      const e = createEngine();
      given(e, [observed('a', c2('x')), observed('b', c2('y')), observed('c', c2('z'))]);
      const overrides = [mustLink('ml-1', 'a', 'b', T0), mustLink('ml-2', 'b', 'c', T0), cannotLink('cl-3', 'a', 'c', T0 + 5)];
      const out = given(e, order.map((i) => overrides[i]));
      assert.notEqual(campaignOf(e, 'a'), campaignOf(e, 'c'), `order ${order}`);
      assert.equal(campaignOf(e, 'b'), campaignOf(e, 'c'), 'ml-2 (same time, larger event_id) is taken before ml-1');
      assert.deepEqual(out.rejections.map((r) => [r.event_id, r.code]), [['ml-1', 'override_conflict']]);
      assert.match(out.rejections[0].reason, /kept apart by the newer cl-3/);
    }
  });

  it('an older cannot-link loses to a newer must-link chain; reported in the batch where it loses, at its own position', () => {
    const e = createEngine();
    given(e, [observed('a', c2('x')), observed('b', c2('y')), observed('c', c2('z'))]);
    const readAt = `b${batchNo}:0`;
    const first = given(e, [cannotLink('cl-1', 'a', 'c', T0)]);
    assert.deepEqual(first.rejections, []);
    const out = given(e, [mustLink('ml-2', 'a', 'b', T0 + 1), mustLink('ml-3', 'b', 'c', T0 + 2)]);
    assert.deepEqual(partition(e), [['a', 'b', 'c']]);
    assert.deepEqual(out.rejections.map((r) => [r.event_id, r.code, r.position]), [['cl-1', 'override_conflict', readAt]]);
    assert.match(out.rejections[0].reason, /joined by the newer ml-2, ml-3/);
    // Revoking a winner puts the loser back in force.
    given(e, [revoke('rv-4', 'ml-3')]);
    assert.notEqual(campaignOf(e, 'a'), campaignOf(e, 'c'));
  });

  it('a cannot-link between identities the identity layer merged is not in force, and says why', () => {
    const e = createEngine();
    given(e, [observed('a', c2('x')), observed('b', c2('y'))]);
    given(e, [cannotLink('cl-1', 'a', 'b')]);
    const out = given(e, [{ type: 'identity.merged', event_id: 'm-1', time: T0, winner_uuid: 'a', loser_uuid: 'b' }]);
    assert.deepEqual(out.rejections.map((r) => [r.event_id, r.code]), [['cl-1', 'override_conflict']]);
    assert.match(out.rejections[0].reason, /one identity upstream \(a\)/);
  });
});

describe('refusals', () => {
  it('an override naming an identity never seen, or a retired one', () => {
    const e = createEngine();
    given(e, [observed('a', c2('x')), observed('r', c2('x')), retired('r')]);
    const out = given(e, [mustLink('ov-1', 'a', 'ghost'), cannotLink('ov-2', 'a', 'r'), pin('ov-3', 'ghost', 'a')]);
    assert.deepEqual(out.rejections.map((r) => [r.event_id, r.code]), [
      ['ov-1', 'unknown_identity'], ['ov-2', 'retired_identity'], ['ov-3', 'unknown_identity'],
    ]);
    assert.equal(out.stats.rejected, 3);
  });

  it('a revoke of an unknown id, of a refused override, of a revoke, or of one already revoked', () => {
    const e = createEngine();
    given(e, [observed('a', c2('x')), observed('b', c2('x'))]);
    const out = given(e, [
      revoke('rv-1', 'nothing'), mustLink('ov-2', 'a', 'ghost'), revoke('rv-2', 'ov-2'),
      cannotLink('ov-3', 'a', 'b'), revoke('rv-3', 'ov-3'), revoke('rv-4', 'rv-3'), revoke('rv-5', 'ov-3'),
    ]);
    assert.deepEqual(out.rejections.map((r) => [r.event_id, r.code]), [
      ['rv-1', 'unknown_override'], ['ov-2', 'unknown_identity'], ['rv-2', 'unknown_override'], ['rv-4', 'unknown_override'],
      ['rv-5', 'override_revoked'],
    ]);
  });

  it('a label naming a campaign that does not exist', () => {
    const out = given(createEngine(), [label('l-1', '00000000-0000-5000-8000-000000000000', 'x')]);
    assert.deepEqual(out.rejections.map((r) => r.code), ['unknown_campaign']);
  });

  it('a repeated override id is a duplicate, like any repeated event id', () => {
    const e = trio();
    given(e, [cannotLink('ov-1', 'a', 'c')]);
    const out = given(e, [cannotLink('ov-1', 'a', 'b'), { ...observed('z', c2('w')), event_id: 'ov-1' }]);
    assert.equal(out.stats.duplicates, 2);
    assert.deepEqual(out.events, []);
  });
});

describe('labels', () => {
  it('name a campaign without touching clustering; the newest label stands; revoking it brings back the one before', () => {
    const e = trio();
    const before = e.membership();
    const campaign = campaignOf(e, 'a');
    const first = given(e, [label('l-1', campaign, 'Kettle', T0), label('l-2', campaign, 'Teapot', T0 + 1)]);
    assert.deepEqual(e.membership(), before);
    assert.deepEqual(first.events.map((ev) => [ev.type, ev.payload]), [[
      'campaign.labelled',
      { campaign_uuid: campaign, name: 'Teapot', tags: ['apt'], notes: null, author: 'kim', override_event_id: 'l-2' },
    ]]);
    const older = given(e, [label('l-0', campaign, 'Older', T0 - 1)]);
    assert.deepEqual(older.events, [], 'an older label than the one standing changes nothing');
    const back = given(e, [revoke('rv-1', 'l-2')]);
    assert.deepEqual(back.events.map((ev) => ev.payload), [
      { campaign_uuid: campaign, name: 'Kettle', tags: ['apt'], notes: null, author: 'kim', override_event_id: 'l-1' },
    ]);
    given(e, [revoke('rv-2', 'l-1')]);
    const none = given(e, [revoke('rv-3', 'l-0')]);
    assert.deepEqual(none.events.map((ev) => ev.payload), [
      { campaign_uuid: campaign, name: null, tags: [], notes: null, author: null, override_event_id: null },
    ]);
  });
});

describe('labels and batch boundaries', () => {
  it('a label read in the batch that forms its campaign is accepted, as it is when the batches are cut apart', () => {
    const events = [observed('la', c2('lx')), observed('lb', c2('lx'))];
    const apart = createEngine();
    given(apart, events);
    const campaign = campaignOf(apart, 'la');
    const apartOut = given(apart, [label('l-1', campaign, 'Kettle')]);
    const together = createEngine();
    const out = given(together, [...events, label('l-1', campaign, 'Kettle'), revoke('rv-1', 'l-1'), label('l-2', campaign, 'Teapot', T0 + 1)]);
    assert.deepEqual(out.rejections, []);
    assert.equal(out.stats.applied, events.length + 3);
    assert.deepEqual(out.events.filter((ev) => ev.type === 'campaign.labelled').map((ev) => ev.payload), [
      { campaign_uuid: campaign, name: 'Teapot', tags: ['apt'], notes: null, author: 'kim', override_event_id: 'l-2' },
    ]);
    assert.equal(apartOut.events.length, 1);
  });
});

describe('snapshots', () => {
  it('a snapshot without overrides is version 2 with no overrides key; with overrides, version 3', () => {
    const e = trio();
    const plain = e.snapshot() as unknown as Record<string, unknown>;
    assert.equal(plain.snapshot_version, 2);
    assert.ok(!('overrides' in plain));
    given(e, [cannotLink('ov-1', 'a', 'c')]);
    const withOverrides = e.snapshot() as unknown as Record<string, unknown>;
    assert.equal(withOverrides.snapshot_version, 3);
    assert.equal((withOverrides.overrides as unknown[]).length, 1);
  });

  it('a restored engine keeps the cut and the lost overrides without reporting them again, and revokes what it holds', () => {
    const e = trio();
    given(e, [cannotLink('ov-1', 'a', 'c', T0 + 5), mustLink('ov-2', 'a', 'c', T0), label('l-1', campaignOf(e, 'a'), 'Kettle')]);
    const restored = restoreEngine(JSON.parse(JSON.stringify(e.snapshot())));
    assert.deepEqual(partition(restored), partition(e));
    assert.deepEqual([...restored.overrides.inForce.losers.keys()], ['ov-2']);
    const quiet = given(restored, [observed('d', c2('elsewhere'))]);
    assert.deepEqual(quiet.rejections, []);
    assert.ok(!quiet.events.some((ev) => ev.type === 'campaign.labelled'));
    given(restored, [revoke('rv-1', 'ov-1')]);
    assert.equal(campaignOf(restored, 'a'), campaignOf(restored, 'c'));
  });
});
