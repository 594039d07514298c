/**
 * Scenarios the DSL cannot express, written as identity event streams: identities that change
 * over time and upstream identity merges. Each runs batch by batch, as production does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import { createEngine, type CampaignEngine } from '../../src/domain/engine.ts';
import type { IdentityEvent } from '../../src/domain/identity-events.ts';
import { merged, observed, positioned, ttp } from '../support/builders.ts';

const T0 = 1_767_225_600;
const HOUR = 3600;

function runner() {
  const engine = createEngine();
  let b = 0;
  const log: CampaignEvent[] = [];
  return {
    engine,
    log,
    batch(events: IdentityEvent[]) {
      const out = engine.applyBatch(positioned(events, `s${b}`), { from: `s${b}:0`, to: `s${b}:${events.length}` });
      b++;
      log.push(...out.events);
      return out.events;
    },
  };
}
/** Two operations, each a broker handing a foothold to a post-exploitation operator. */
function twoHandoffOperations() {
  const r = runner();
  // Operation A: a broker hands a foothold on decky-01 to a post-exploitation operator.
  r.batch([
    observed('a-broker', { ttp: [ttp('decky-01', 'exploitation', T0), ttp('decky-01', 'persistence', T0 + 60, T0 + 120)] }),
    observed('a-postex', { ttp: [ttp('decky-01', 'discovery', T0 + 2 * HOUR)] }),
  ]);
  // Operation B, a day later: a foothold on decky-02 goes to another post-exploitation operator.
  r.batch([
    observed('b-broker', { ttp: [ttp('decky-02', 'exploitation', T0 + 24 * HOUR), ttp('decky-02', 'command_and_control', T0 + 25 * HOUR)] }),
    observed('b-postex', { ttp: [ttp('decky-02', 'lateral_movement', T0 + 27 * HOUR)] }),
  ]);
  return r;
}

const campaignOf = (e: CampaignEngine, id: string) => e.membership().find((m) => m.identity_uuid === id)?.campaign_uuid;

describe('an identity that drifts to another campaign', () => {
  it('moves, with prior_campaign_uuid naming the campaign it left, and the old campaign keeps its other members', () => {
    const r = runner();
    // Campaign X: two operators and the drifter share one C2.
    r.batch([observed('x1', { c2_endpoints: ['c2.x'] }), observed('x2', { c2_endpoints: ['c2.x'] }), observed('drifter', { c2_endpoints: ['c2.x'] })]);
    const X = campaignOf(r.engine, 'x1')!;
    assert.equal(campaignOf(r.engine, 'drifter'), X);
    // A successor operation Y runs on both the old C2 and a new one.
    r.batch([observed('y1', { c2_endpoints: ['c2.x', 'c2.y'] })]);
    const Y = campaignOf(r.engine, 'y1')!;
    assert.notEqual(Y, X, 'y1 shares only half of its infrastructure with X: no edge');
    // The drifter moves onto the new C2 as well: it now looks like Y, no longer like X.
    const out = r.batch([observed('drifter', { c2_endpoints: ['c2.y'] })]);
    assert.equal(campaignOf(r.engine, 'drifter'), Y);
    assert.equal(campaignOf(r.engine, 'x1'), X);
    assert.equal(campaignOf(r.engine, 'x2'), X);
    const moves = out.filter((e) => e.type === 'campaign.identity.assigned').map((e) => e.payload);
    assert.deepEqual(moves, [{ campaign_uuid: Y, identity_uuid: 'drifter', prior_campaign_uuid: X }]);
    assert.ok(!out.some((e) => e.type === 'campaign.merged' || e.type === 'campaign.unmerged'), 'no whole-campaign merge: only the drifter moves');
  });
});

describe('an upstream identity merge', () => {
  it('merges the two campaigns its evidence now joins, the older campaign winning', () => {
    const r = twoHandoffOperations();
    const A = campaignOf(r.engine, 'a-broker')!;
    const B = campaignOf(r.engine, 'b-broker')!;
    assert.notEqual(A, B);
    // Upstream resolves that the two brokers are one actor (same TLS stack seen on both IPs).
    const out = r.batch([merged('a-broker', 'b-broker')]);
    const types = out.filter((e) => e.type !== 'campaign.profile.updated').map((e) => e.type);
    assert.deepEqual(types, ['campaign.identity.removed', 'campaign.merged']);
    assert.deepEqual(out.find((e) => e.type === 'campaign.merged')!.payload, { winner_uuid: A, loser_uuid: B });
    assert.deepEqual(out.find((e) => e.type === 'campaign.identity.removed')!.payload, { campaign_uuid: B, identity_uuid: 'b-broker', reason: 'merged_upstream' });
    assert.deepEqual(r.engine.membership().map((m) => [m.identity_uuid, m.campaign_uuid]), [['a-broker', A], ['a-postex', A], ['b-postex', A]]);
  });

  it('an upstream unmerge splits it again and brings the loser campaign back', () => {
    const r = twoHandoffOperations();
    const B = campaignOf(r.engine, 'b-broker')!;
    r.batch([merged('a-broker', 'b-broker')]);
    const out = r.batch([{ type: 'identity.unmerged', event_id: 'u1', time: T0 + 48 * HOUR, resurrected_uuid: 'b-broker', former_winner_uuid: 'a-broker' }]);
    assert.ok(out.some((e) => e.type === 'campaign.unmerged' && e.payload.resurrected_uuid === B));
    assert.equal(campaignOf(r.engine, 'b-postex'), B);
    assert.equal(campaignOf(r.engine, 'b-broker'), B);
  });
});
