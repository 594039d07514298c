/**
 * Analyst overrides against the oracle: random streams of identity events with must-links,
 * cannot-links, pins and revokes (conflicting ones included, their times apart from their
 * arrival), cut into random batches. The engine's partition and forest must equal constrained
 * Kruskal over every pair (test/support/brute-force.ts) after every batch, under a density-aware
 * profile and under one with identical-infrastructure classes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createEngine, restoreEngine, type CampaignEngine } from '../../src/domain/engine.ts';
import { isAnalystEvent, type IdentityEvent } from '../../src/domain/identity-events.ts';
import { DEFAULT_PROFILE, DEFAULT_V2_PROFILE, REFERENCE_PROFILE, type ScoringProfile } from '../../src/domain/profile.ts';
import { Reconciler } from '../../src/domain/reconciler.ts';
import { canonicalPartition, constrainedKruskal, engineForest, oracleAfter } from '../support/brute-force.ts';
import { cut, overrideStreamArb, runBatches } from '../support/streams.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 400);
Reconciler.verify = true;

const enginePartition = (e: CampaignEngine) => canonicalPartition(e.membership().map((m) => [m.identity_uuid, m.campaign_uuid] as const));
const sizesArb = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 });
const losersOf = (e: CampaignEngine) => [...e.overrides.inForce.losers.keys()].sort();

/** A deterministic shuffle (LCG from a seed): fast-check shrinks the seed, not the order. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** default@2 with tiny caps (as density-aware.property.unit.test.ts): counts cross the caps inside a dozen identities. */
const TINY: ScoringProfile = Object.freeze({
  ...DEFAULT_V2_PROFILE, name: 'default@2-tiny-caps', rarity: Object.freeze({ full: 2, halvings: 2 }), handoffBaseRate: Object.freeze({ cap: 2 }),
});

describe('overrides: the engine against constrained Kruskal over every pair', () => {
  for (const profile of [DEFAULT_PROFILE, REFERENCE_PROFILE, TINY]) {
    it(`equals the oracle's partition, forest and lost overrides after every batch (${profile.name})`, () => {
      fc.assert(
        fc.property(overrideStreamArb(), sizesArb, (events, sizes) => {
          const engine = createEngine({ profile });
          runBatches(engine, cut(events, sizes), (prefix) => {
            const state = oracleAfter(prefix);
            const oracle = constrainedKruskal(state, profile);
            assert.deepEqual(enginePartition(engine), oracle.partition);
            assert.deepEqual(engineForest(engine), oracle.forest);
            assert.deepEqual(losersOf(engine), state.losers);
          });
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('honours cannot-links inside identical infrastructure, whose floor edges the engine does not store (reference)', () => {
    // Every identity holds the same C2 (some a second token too): under the reference weights a
    // clique of floor edges stored as a star around its hub. Cannot-links that keep the hub from
    // the others leave only the unstored floor edges to join those.
    const T0 = 1_767_225_600;
    const step = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('obs' as const), id: fc.nat(6), extra: fc.boolean() }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('cannot' as const, 'must' as const), a: fc.nat(6), b: fc.nat(6), at: fc.nat(20) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('retire' as const), id: fc.nat(6) }) },
    );
    const streamArb = fc.array(step, { minLength: 8, maxLength: 30 }).map((steps) => {
      const versions = new Map<string, number>();
      const out: IdentityEvent[] = [];
      steps.forEach((s, i) => {
        const event_id = `ev-${String(i).padStart(3, '0')}`;
        if (s.kind === 'obs') {
          const u = `id-${s.id}`;
          const version = (versions.get(u) ?? 0) + 1;
          versions.set(u, version);
          out.push({
            type: 'identity.observed', event_id, time: T0 + i, identity_uuid: u, version,
            observation: {
              sessions: [], ttp: [], payload_hashes: s.extra ? ['tool-x'] : [], c2_endpoints: ['c2.shared'], asn: null, tools: [], ja3: null,
              hassh: null, kd_simhash: null,
            },
          });
        } else if (s.kind === 'retire') out.push({ type: 'identity.retired', event_id, time: T0 + i, identity_uuid: `id-${s.id}` });
        else if (s.a !== s.b) {
          out.push({
            type: s.kind === 'cannot' ? 'analyst.cannot_link' : 'analyst.must_link', event_id, time: T0 + s.at,
            identity_uuids: [`id-${s.a}`, `id-${s.b}`], author: 'kim', reason: 'test',
          });
        }
      });
      return out;
    });
    fc.assert(
      fc.property(streamArb, sizesArb, (events, sizes) => {
        const engine = createEngine({ profile: REFERENCE_PROFILE });
        runBatches(engine, cut(events, sizes), (prefix) => {
          const oracle = constrainedKruskal(oracleAfter(prefix), REFERENCE_PROFILE);
          assert.deepEqual(enginePartition(engine), oracle.partition);
          assert.deepEqual(engineForest(engine), oracle.forest);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps every must-link and pin in force together and every cannot-link in force apart', () => {
    fc.assert(
      fc.property(overrideStreamArb(), sizesArb, (events, sizes) => {
        const engine = createEngine();
        runBatches(engine, cut(events, sizes), (prefix) => {
          const campaign = new Map(engine.membership().map((m) => [m.identity_uuid, m.campaign_uuid]));
          const state = oracleAfter(prefix);
          for (const [a, b] of state.hard) assert.equal(campaign.get(a), campaign.get(b), `must-link ${a} ${b}`);
          for (const [a, b] of state.cannot) assert.notEqual(campaign.get(a), campaign.get(b), `cannot-link ${a} ${b}`);
        });
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});

describe('overrides: order and batching', () => {
  it('reaches the same final partition for any batching of the same events', () => {
    fc.assert(
      fc.property(overrideStreamArb(), sizesArb, (events, sizes) => {
        const one = createEngine();
        runBatches(one, cut(events, [1]));
        const many = createEngine();
        runBatches(many, cut(events, sizes));
        const all = createEngine();
        runBatches(all, [events]);
        assert.deepEqual(enginePartition(many), enginePartition(one));
        assert.deepEqual(enginePartition(all), enginePartition(one));
        assert.deepEqual(losersOf(many), losersOf(one));
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('does not depend on the order conflicting overrides arrive in, within a batch or across batches', () => {
    fc.assert(
      fc.property(overrideStreamArb(), fc.integer(), sizesArb, (events, seed, sizes) => {
        // Identity events first, then every must-link, cannot-link and pin (no revokes: a revoke
        // needs its target before it) in two different orders and batchings.
        const identity = events.filter((e) => !isAnalystEvent(e));
        const overrides = events.filter((e) => isAnalystEvent(e) && e.type !== 'analyst.revoke');
        const a = createEngine();
        runBatches(a, [identity, overrides]);
        const b = createEngine();
        runBatches(b, cut([...identity, ...shuffle(overrides, seed)], sizes));
        assert.deepEqual(enginePartition(b), enginePartition(a));
        assert.deepEqual(losersOf(b), losersOf(a));
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});

describe('overrides: determinism, redelivery, snapshots', () => {
  it('emits a byte-identical log for the same events and batching', () => {
    fc.assert(
      fc.property(overrideStreamArb(), sizesArb, (events, sizes) => {
        const batches = cut(events, sizes);
        assert.equal(JSON.stringify(runBatches(createEngine(), batches)), JSON.stringify(runBatches(createEngine(), batches)));
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });

  it('emits nothing for a redelivery of everything', () => {
    fc.assert(
      fc.property(overrideStreamArb(), sizesArb, (events, sizes) => {
        const engine = createEngine();
        runBatches(engine, cut(events, sizes));
        const again = engine.applyBatch(events.map((event, j) => ({ position: `r${j}`, event })), { from: 'r', to: 'r' });
        assert.deepEqual(again.events, []);
        assert.deepEqual(again.rejections, []);
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });

  it('continues identically from a snapshot taken between any two batches, overrides and cuts included', () => {
    for (const profile of [DEFAULT_PROFILE, REFERENCE_PROFILE, TINY]) {
      fc.assert(
        fc.property(overrideStreamArb(), sizesArb, fc.nat(), (events, sizes, at) => {
          const batches = cut(events, sizes);
          const k = at % (batches.length + 1);
          const straight = createEngine({ profile });
          const straightLog = runBatches(straight, batches);
          const first = createEngine({ profile });
          const head = runBatches(first, batches.slice(0, k));
          const resumed = restoreEngine(JSON.parse(JSON.stringify(first.snapshot())), { profile });
          const tail = runBatches(resumed, batches.slice(k), undefined, k);
          assert.equal(JSON.stringify([...head, ...tail]), JSON.stringify(straightLog));
          assert.deepEqual(engineForest(resumed), engineForest(straight));
        }),
        { numRuns: Math.ceil(RUNS / 4) },
      );
    }
  });

  it('keeps invariant 1 with cuts: same component iff same live campaign', () => {
    fc.assert(
      fc.property(overrideStreamArb(), sizesArb, (events: IdentityEvent[], sizes) => {
        const engine = createEngine();
        runBatches(engine, cut(events, sizes), () => {
          const byCampaign = new Map<string, string[]>();
          for (const m of engine.membership()) byCampaign.set(m.campaign_uuid, [...(byCampaign.get(m.campaign_uuid) ?? []), m.identity_uuid]);
          for (const members of byCampaign.values()) assert.deepEqual(members.sort(), [...engine.graph.membersOf(members[0])].sort());
        });
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });
});
