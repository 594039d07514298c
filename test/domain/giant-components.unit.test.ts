/**
 * Giant components through splits, against the oracle after every batch: a 50,000-identity
 * campaign made of 500 campaigns merged into the oldest, a bridge removed inside it, an unmerge
 * decided inside it, repeated split and re-join. The identities form a chain of foothold
 * handoffs, each link on a decky of its own, so the oracle can block by decky (linear, exact
 * here: see `blockedPairs`) instead of scoring 1.25 billion pairs.
 *
 * The engine's work is also checked, as counts (never as time): resolving a split inside the
 * giant walks the pieces that left, not the 50,000 members.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine, type CampaignEngine } from '../../src/domain/engine.ts';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import type { IdentityEvent, IdentityObserved, Observation } from '../../src/domain/identity-events.ts';
import { DEFAULT_PROFILE, REFERENCE_PROFILE, type ScoringProfile } from '../../src/domain/profile.ts';
import { blockedPairs, blockedPartition, bruteForceForest, canonicalPartition, engineForest, featuresAfter } from '../support/brute-force.ts';

const T0 = 1_767_225_600;
const SEGMENTS = 500;
const PER = 100;
const N = SEGMENTS * PER;

const empty: Observation = { sessions: [], ttp: [], payload_hashes: [], c2_endpoints: [], asn: null, tools: [], ja3: null, hassh: null, kd_simhash: null };
const uuid = (i: number) => `g-${String(i).padStart(6, '0')}`;
const link = (i: number) => `link-${i}`;
const at = (i: number) => T0 + i * 10;
const versions = new Map<string, number>();
let nextEvent = 0;
function obs(i: number, o: Partial<Observation>, time = at(i)): IdentityObserved {
  const id = uuid(i);
  const version = (versions.get(id) ?? 0) + 1;
  versions.set(id, version);
  return { type: 'identity.observed', event_id: `g-ev-${nextEvent++}`, time, identity_uuid: id, version, observation: { ...empty, ...o } };
}
/** Identity i holds decky link(i) (it persists there); the next identity picks the foothold up. */
const holds = (i: number) => obs(i, { ttp: [{ decky: link(i), phase: 'persistence', start: at(i), end: at(i) }] });
/** Identity i shows up exploring link(i - 1) a minute after i - 1 left it: the handoff i - 1 → i. */
const picksUp = (i: number) => obs(i, { ttp: [{ decky: link(i - 1), phase: 'discovery', start: at(i - 1) + 60, end: at(i - 1) + 60 }] });
/** Identity i admits it broke into link(i - 1) itself: its first phase there is no longer discovery. */
const brokeIn = (i: number) => obs(i, { ttp: [{ decky: link(i - 1), phase: 'delivery', start: at(i - 1) + 30, end: at(i - 1) + 30 }] });
/** Identities sharing exactly one infrastructure set are linked by shared infrastructure alone. */
const bridge = (i: number, token: string) => obs(i, { c2_endpoints: [token] });

interface Run {
  engine: CampaignEngine;
  prefix: IdentityEvent[];
  apply(batch: IdentityEvent[]): readonly CampaignEvent[];
}

function start(profile: ScoringProfile): Run {
  const engine = createEngine({ profile });
  const prefix: IdentityEvent[] = [];
  let b = 0;
  return {
    engine, prefix,
    apply(batch) {
      const out = engine.applyBatch(batch.map((event, i) => ({ position: `${b}:${i}`, event })), { from: `b${b}`, to: `b${++b}` });
      prefix.push(...batch);
      const nodes = featuresAfter(prefix);
      const partition = canonicalPartition(engine.membership().map((m) => [m.identity_uuid, m.campaign_uuid] as const));
      assert.deepEqual(partition, blockedPartition(nodes, profile), `partition after batch ${b}`);
      assert.deepEqual(engineForest(engine), bruteForceForest(nodes, profile, blockedPairs(nodes)), `forest after batch ${b}`);
      return out.events;
    },
  };
}

/** 500 segments of 100, each formed as a campaign in its own batch, then linked into one. */
function giant(profile: ScoringProfile): Run {
  const r = start(profile);
  for (let s = 0; s < SEGMENTS; s++) {
    const batch: IdentityEvent[] = [];
    for (let i = s * PER; i < (s + 1) * PER; i++) {
      batch.push(holds(i));
      if (i % PER !== 0) batch.push(picksUp(i));
    }
    // The oracle over all 50,000 only at the end (batches of one segment are checked as the
    // giant grows in the tests below); here, only the segment's own campaign.
    r.engine.applyBatch(batch.map((event, j) => ({ position: `s${s}:${j}`, event })), { from: `s${s}`, to: `s${s + 1}` });
    r.prefix.push(...batch);
  }
  const links: IdentityEvent[] = [];
  for (let s = 1; s < SEGMENTS; s++) links.push(picksUp(s * PER));
  const out = r.apply(links);
  assert.equal(out.filter((e) => e.type === 'campaign.merged').length, SEGMENTS - 1);
  assert.equal(r.engine.status().largest_campaign, N);
  return r;
}

for (const profile of [DEFAULT_PROFILE, REFERENCE_PROFILE]) {
  describe(`a 50,000-identity campaign of 500 merged-in campaigns (${profile.name})`, () => {
    const r = giant(profile);
    const root = r.engine.membership()[0].campaign_uuid;

    it('splits at a removed bridge: the smaller side moves, nothing is unmerged, the giant is not walked', () => {
      // Break the link inside segment 3 (between identities 349 and 350): 350 … 49,999 stay
      // with the majority; 0 … 349 move out (a new campaign: segments 0–2 are merged-in
      // children only by name; their members left with the minority).
      const before = r.engine.work.membersWalked;
      const out = r.apply([brokeIn(350)]);
      const walked = r.engine.work.membersWalked - before;
      assert.equal(out.filter((e) => e.type === 'campaign.unmerged').length, 0);
      const moved = out.filter((e) => e.type === 'identity.campaign.assigned' && e.payload.prior_campaign_uuid !== null);
      assert.equal(moved.length, 350);
      assert.ok(walked <= 4 * 350, `the reconciler walked ${walked} members for a split of 350`);
    });

    it('re-joins through shared infrastructure and splits again, equal to the oracle each time', () => {
      r.apply([bridge(349, 'c2.rejoin.example'), bridge(350, 'c2.rejoin.example')]);
      assert.equal(r.engine.status().largest_campaign, N);
      r.apply([bridge(350, 'c2.elsewhere.example')]);
      r.apply([bridge(351, 'c2.rejoin.example')]);
      r.apply([bridge(349, 'c2.gone.example')]);
    });

    it('unmerges a merged-in campaign cut off inside the giant, without walking the giant', () => {
      // Segment 250 (identities 25,000 … 25,099) loses both links; a shared C2 keeps its two
      // neighbours together, so the giant stays one piece and segment 250 comes back as itself.
      const before = r.engine.work.membersWalked;
      const out = r.apply([
        brokeIn(25_000), brokeIn(25_100),
        bridge(24_999, 'c2.around-250.example'), bridge(25_100, 'c2.around-250.example'),
      ]);
      const walked = r.engine.work.membersWalked - before;
      const unmerged = out.filter((e) => e.type === 'campaign.unmerged');
      assert.equal(unmerged.length, 1);
      assert.equal(unmerged[0].payload.former_winner_uuid, r.engine.registry.canonical(root));
      const resurrected = unmerged[0].payload.resurrected_uuid;
      const members = r.engine.membership().filter((m) => m.campaign_uuid === resurrected).map((m) => m.identity_uuid);
      assert.deepEqual(members, Array.from({ length: PER }, (_, k) => uuid(25_000 + k)));
      assert.ok(walked <= 4 * PER, `the reconciler walked ${walked} members to unmerge a campaign of ${PER}`);
    });

    it('takes the cut-off campaign back in when it is linked again', () => {
      const out = r.apply([bridge(25_050, 'c2.around-250.example')]);
      assert.equal(out.filter((e) => e.type === 'campaign.merged').length, 1);
    });
  });
}
