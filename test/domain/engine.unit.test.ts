import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import { createEngine, type CampaignEngine } from '../../src/domain/engine.ts';
import type { IdentityEvent } from '../../src/domain/identity-events.ts';
import { merged, observed, positioned, retired, session, ttp, unmerged } from '../support/builders.ts';
import { canonicalPartition } from '../support/brute-force.ts';
import { streamArb } from '../support/streams.ts';

const T0 = 1_767_225_600;
let batchNo = 0;
function given(engine: CampaignEngine, events: IdentityEvent[]) {
  const b = batchNo++;
  return engine.applyBatch(positioned(events, `b${b}`), { from: `b${b}:0`, to: `b${b}:${events.length}` });
}
const types = (evs: readonly CampaignEvent[]) => evs.map((e) => e.type).filter((t) => t !== 'campaign.profile.updated');
const payloadsOf = <T extends CampaignEvent['type']>(evs: readonly CampaignEvent[], t: T) =>
  evs.filter((e) => e.type === t).map((e) => e.payload as Extract<CampaignEvent, { type: T }>['payload']);
const infra = (...tokens: string[]) => ({ c2_endpoints: tokens });
const partition = (e: CampaignEngine) => canonicalPartition(e.membership().map((m) => [m.identity_uuid, m.campaign_uuid] as const));

describe('campaign engine (REFERENCE §4.8 acceptance checks)', () => {
  it('an empty batch on an empty store emits nothing', () => {
    assert.deepEqual(given(createEngine(), []).events, []);
  });

  it('two identities with identical payload and C2 form one campaign listing both', () => {
    const out = given(createEngine(), [observed('i1', { payload_hashes: ['p'], c2_endpoints: ['c'] }), observed('i2', { payload_hashes: ['p'], c2_endpoints: ['c'] })]);
    const formed = payloadsOf(out.events, 'campaign.formed');
    assert.equal(formed.length, 1);
    assert.deepEqual(formed[0].identity_uuids, ['i1', 'i2']);
    assert.deepEqual(types(out.events), ['campaign.formed', 'identity.campaign.assigned', 'identity.campaign.assigned']);
  });

  it('two identities with disjoint payload and C2 form two campaigns', () => {
    const out = given(createEngine(), [observed('i1', infra('a')), observed('i2', infra('b'))]);
    assert.equal(payloadsOf(out.events, 'campaign.formed').length, 2);
  });

  it('a second batch over unchanged input forms and assigns nothing', () => {
    const e = createEngine();
    given(e, [observed('i1', infra('a'), { version: 1 })]);
    const before = e.membership();
    assert.deepEqual(given(e, [observed('i1', infra('a'), { version: 2 })]).events, []);
    assert.deepEqual(e.membership(), before);
  });

  it('an identity merged out upstream is not a node: one campaign with exactly [i1]', () => {
    const out = given(createEngine(), [observed('i1', infra('a')), observed('i2', infra('zz')), merged('i1', 'i2')]);
    const formed = payloadsOf(out.events, 'campaign.formed');
    assert.deepEqual(formed.map((f) => f.identity_uuids), [['i1']]);
  });
});

describe('reconciliation invariants', () => {
  it('the older campaign wins a merge, and the merge comes before assignments to the winner', () => {
    const e = createEngine();
    given(e, [observed('b1', infra('x'))]);
    given(e, [observed('a1', infra('y'))]);
    const old = e.membership().find((m) => m.identity_uuid === 'b1')!.campaign_uuid;
    // Both learn the other's token (Jaccard 1 between them), and a newcomer shares both.
    const out = given(e, [observed('a1', infra('x'), { version: 2 }), observed('b1', infra('y'), { version: 2 }), observed('n1', infra('x', 'y'))]);
    const m = payloadsOf(out.events, 'campaign.merged');
    assert.equal(m.length, 1);
    assert.equal(m[0].winner_uuid, old);
    assert.deepEqual(types(out.events), ['campaign.merged', 'campaign.identity.assigned', 'identity.campaign.assigned']);
    assert.ok(out.events.find((x) => x.type === 'campaign.merged')!.evidence.length > 0, 'a merge carries the edges that bridge the campaigns');
  });

  it('unmerges a merged-in campaign whose members all split apart, bringing back its own id', () => {
    const e = createEngine();
    given(e, [observed('a1', infra('a')), observed('a2', infra('a'))]);
    given(e, [observed('b1', infra('b')), observed('b2', infra('b'))]);
    const A = e.membership()[0].campaign_uuid;
    const B = e.membership().find((m) => m.identity_uuid === 'b1')!.campaign_uuid;
    // A handoff between a2 and b2 bridges the two campaigns: B merges into the older A.
    given(e, [
      observed('a2', { ttp: [ttp('decky-09', 'command_and_control', T0, T0 + 60)] }, { version: 2 }),
      observed('b2', { ttp: [ttp('decky-09', 'discovery', T0 + 600)] }, { version: 2 }),
    ]);
    assert.equal(new Set(e.membership().map((m) => m.campaign_uuid)).size, 1);
    const out = given(e, [retired('b2')]);
    const un = payloadsOf(out.events, 'campaign.unmerged');
    assert.deepEqual(un, [{ resurrected_uuid: B, former_winner_uuid: A }]);
    assert.deepEqual(e.membership().map((m) => m.campaign_uuid), [A, A, B]);
    assert.deepEqual(types(out.events), ['campaign.identity.removed', 'campaign.unmerged']);
  });

  it('on a split the majority fragment keeps the campaign and the rest move with prior_campaign_uuid', () => {
    const e = createEngine();
    given(e, [observed('i1', infra('x')), observed('i2', infra('x')), observed('i3', infra('x'))]);
    const K = e.membership()[0].campaign_uuid;
    const out = given(e, [observed('i3', infra('q', 'r'), { version: 2 })]); // i3's Jaccard with the others drops to 1/3
    const formed = payloadsOf(out.events, 'campaign.formed');
    assert.deepEqual(formed.map((f) => f.identity_uuids), [['i3']]);
    const moved = payloadsOf(out.events, 'identity.campaign.assigned');
    assert.deepEqual(moved.map((m) => [m.identity_uuid, m.prior_campaign_uuid]), [['i3', K]]);
    assert.equal(e.membership()[0].campaign_uuid, K);
  });

  it('breaks an even split towards the fragment holding the earliest-assigned member', () => {
    const e = createEngine();
    given(e, [observed('m2', infra('x'))]);
    given(e, [observed('m1', infra('x'))]); // m1 joins later: m2 is earliest assigned
    const K = e.membership().find((m) => m.identity_uuid === 'm2')!.campaign_uuid;
    given(e, [observed('m1', infra('y', 'z'), { version: 2 })]);
    assert.equal(e.membership().find((m) => m.identity_uuid === 'm2')!.campaign_uuid, K);
    assert.notEqual(e.membership().find((m) => m.identity_uuid === 'm1')!.campaign_uuid, K);
  });

  it('a retired identity gets campaign.identity.removed, and its campaign stays with no live member', () => {
    const e = createEngine();
    given(e, [observed('i1', infra('x'))]);
    const K = e.membership()[0].campaign_uuid;
    const out = given(e, [retired('i1')]);
    assert.deepEqual(payloadsOf(out.events, 'campaign.identity.removed'), [{ campaign_uuid: K, identity_uuid: 'i1', reason: 'retired' }]);
    assert.ok(e.registry.campaigns.has(K));
    assert.equal(e.status().campaigns_live, 0);
  });

  it('an upstream identity merge removes the loser and merges the campaigns its evidence now joins', () => {
    const e = createEngine();
    // Each campaign is a foothold handed over on its own decky.
    given(e, [observed('a1', { ttp: [ttp('decky-01', 'persistence', T0)] }), observed('a2', { ttp: [ttp('decky-01', 'discovery', T0 + 60)] })]);
    given(e, [observed('b1', { ttp: [ttp('decky-02', 'persistence', T0)] }), observed('b2', { ttp: [ttp('decky-02', 'discovery', T0 + 60)] })]);
    // Upstream learns b1 is a1: a1 now holds both footholds, so both post-exploitation operators link to it.
    const out = given(e, [merged('a1', 'b1')]);
    assert.deepEqual(payloadsOf(out.events, 'campaign.identity.removed').map((r) => [r.identity_uuid, r.reason]), [['b1', 'merged_upstream']]);
    assert.equal(payloadsOf(out.events, 'campaign.merged').length, 1);
  });

  it('a winner never observed itself becomes a node carrying its losers\' evidence', () => {
    const e = createEngine();
    given(e, [observed('l1', infra('x')), observed('o1', infra('x')), merged('w', 'l1')]);
    assert.deepEqual(e.membership().map((m) => m.identity_uuid), ['o1', 'w']);
    assert.equal(new Set(e.membership().map((m) => m.campaign_uuid)).size, 1);
  });

  it('merging an already merged loser again moves it to the new winner', () => {
    const e = createEngine();
    given(e, [observed('w1', infra('a')), observed('w2', infra('b')), observed('l', infra('b')), merged('w1', 'l')]);
    assert.deepEqual(e.features.get('w1')!.infra, ['a', 'b']);
    given(e, [merged('w2', 'l')]);
    assert.deepEqual(e.features.get('w1')!.infra, ['a']);
    assert.deepEqual(e.features.get('w2')!.infra, ['b']);
  });

  it('an unmerge upstream brings the identity back as a node with its own evidence', () => {
    const e = createEngine();
    given(e, [observed('w', infra('a')), observed('l', infra('b')), merged('w', 'l')]);
    given(e, [unmerged('l', 'w')]);
    assert.deepEqual(e.membership().map((m) => m.identity_uuid), ['l', 'w']);
    assert.deepEqual(e.features.get('w')!.infra, ['a']);
  });

  it('rejects a merge that would close a cycle and counts duplicates and stale versions apart', () => {
    const e = createEngine();
    const first = observed('a', infra('x'), { version: 3 });
    const out = given(e, [first, first, observed('a', infra('y'), { version: 2 }), merged('a', 'b'), merged('b', 'a')]);
    assert.equal(out.stats.duplicates, 1);
    assert.equal(out.stats.stale, 1);
    assert.deepEqual(out.rejections.map((r) => r.code), ['merge_cycle']);
    assert.match(out.rejections[0].reason, /cycle/);
  });

  it('rejects observations of a retired identity with the reason', () => {
    const e = createEngine();
    const out = given(e, [observed('a', infra('x')), retired('a'), observed('a', infra('x'))]);
    assert.deepEqual(out.rejections.map((r) => r.code), ['retired_identity']);
  });

  it('derives campaign ids from the founder and its count, and event time from the batch', () => {
    const e = createEngine();
    const out = given(e, [observed('i1', infra('x'), { time: T0 + 5 }), observed('i2', infra('y'), { time: T0 + 9 })]);
    assert.ok(out.events.every((x) => x.time === '2026-01-01T00:00:09Z'));
    assert.deepEqual(out.events.map((x) => x.sequence), out.events.map((_, i) => i + 1));
  });

  it('a formed campaign carries a spanning set of edges: n − 1 for n members', () => {
    const out = given(createEngine(), ['a', 'b', 'c', 'd'].map((u) => observed(u, infra('x'))));
    const formed = out.events.find((x) => x.type === 'campaign.formed')!;
    assert.equal(formed.evidence.length, 3);
  });

  it('a genuine handoff alone links two operators under the reference profile', () => {
    const e = createEngine();
    given(e, [
      observed('broker', { ttp: [ttp('decky-07', 'command_and_control', T0, T0 + 60)], sessions: [session(T0, T0 + 60, 'decky-07')] }),
      observed('postex', { ttp: [ttp('decky-07', 'discovery', T0 + 7200)], sessions: [session(T0 + 7200, T0 + 7300, 'decky-07')] }),
    ]);
    assert.equal(new Set(e.membership().map((m) => m.campaign_uuid)).size, 1);
  });
});

describe('time-shift invariance', () => {
  it('adding Δ to every time gives the same partition', () => {
    const shiftEvent = (ev: IdentityEvent, d: number): IdentityEvent => {
      if (ev.type !== 'identity.observed') return { ...ev, time: ev.time + d };
      const o = ev.observation;
      return {
        ...ev, time: ev.time + d,
        observation: {
          ...o,
          sessions: o.sessions.map((s) => ({ ...s, start: s.start + d, end: s.end + d })),
          ttp: o.ttp.map((t) => ({ ...t, start: t.start + d, end: t.end + d })),
        },
      };
    };
    fc.assert(fc.property(streamArb(), fc.constantFrom(90 * 86_400, 3600, 7 * 86_400 + 1), (events, d) => {
      const a = createEngine();
      a.applyBatch(positioned(events), { from: '0', to: '1' });
      const b = createEngine();
      b.applyBatch(positioned(events.map((x) => shiftEvent(x, d))), { from: '0', to: '1' });
      assert.deepEqual(partition(b), partition(a));
    }), { numRuns: 300 });
  });
});
