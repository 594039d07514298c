import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createEngine, restoreEngine, type CampaignEngine } from '../../src/domain/engine.ts';
import type { IdentityEvent } from '../../src/domain/identity-events.ts';
import { Reconciler } from '../../src/domain/reconciler.ts';
import { DEFAULT_PROFILE, REFERENCE_PROFILE } from '../../src/domain/profile.ts';
import { bruteForceForest, bruteForcePartition, canonicalPartition, engineForest, featuresAfter } from '../support/brute-force.ts';
import { cut, runBatches, streamArb } from '../support/streams.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1500);
// Every component a split touched is also reconciled by walking all its members; a difference throws.
Reconciler.verify = true;

const run = runBatches;

const enginePartition = (e: CampaignEngine) => canonicalPartition(e.membership().map((m) => [m.identity_uuid, m.campaign_uuid] as const));

describe('engine against the brute-force oracle', () => {
  it('equals the O(n²) partition after every batch, whatever the batch sizes', () => {
    fc.assert(
      fc.property(streamArb(), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }), (events, sizes) => {
        const engine = createEngine();
        run(engine, cut(events, sizes), (prefix) => {
          assert.deepEqual(enginePartition(engine), bruteForcePartition(featuresAfter(prefix)));
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('equals the O(n²) partition under the reference profile too', () => {
    fc.assert(
      fc.property(streamArb(), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }), (events, sizes) => {
        const engine = createEngine({ profile: REFERENCE_PROFILE });
        run(engine, cut(events, sizes), (prefix) => {
          assert.deepEqual(enginePartition(engine), bruteForcePartition(featuresAfter(prefix), REFERENCE_PROFILE));
        });
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('keeps the spanning forest equal to Kruskal over every edge, after every batch, both profiles', () => {
    // Evidence and confidence are defined on this forest; the engine stores fewer edges than
    // exist (hub-dominated floor edges of identical-infrastructure classes), never a different forest.
    for (const profile of [DEFAULT_PROFILE, REFERENCE_PROFILE]) {
      fc.assert(
        fc.property(streamArb(), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }), (events, sizes) => {
          const engine = createEngine({ profile });
          run(engine, cut(events, sizes), (prefix) => {
            assert.deepEqual(engineForest(engine), bruteForceForest(featuresAfter(prefix), profile));
          });
        }),
        { numRuns: Math.ceil(RUNS / 3) },
      );
    }
  });

  it('reaches the same final partition for any batching of the same events', () => {
    fc.assert(
      fc.property(streamArb(), fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }), (events, sizes) => {
        const one = createEngine();
        run(one, cut(events, [1]));
        const many = createEngine();
        run(many, cut(events, sizes));
        const all = createEngine();
        run(all, [events]);
        assert.deepEqual(enginePartition(many), enginePartition(one));
        assert.deepEqual(enginePartition(all), enginePartition(one));
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });

  it('reaches the same final partition when different identities interleave differently', () => {
    fc.assert(
      fc.property(streamArb({ identities: 10, maxEvents: 40 }), fc.integer(), (events, seed) => {
        // Keep each identity's own events in order (as Kafka keying guarantees) and shuffle across identities.
        const observedOnly = events.filter((e) => e.type === 'identity.observed');
        const byId = new Map<string, IdentityEvent[]>();
        for (const e of observedOnly) {
          const k = (e as { identity_uuid: string }).identity_uuid;
          byId.set(k, [...(byId.get(k) ?? []), e]);
        }
        const queues = [...byId.values()];
        const shuffled: IdentityEvent[] = [];
        let s = seed >>> 0;
        while (queues.some((q) => q.length)) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const live = queues.filter((q) => q.length);
          shuffled.push(live[s % live.length].shift()!);
        }
        const a = createEngine();
        run(a, cut(observedOnly, [3]));
        const b = createEngine();
        run(b, cut(shuffled, [5]));
        assert.deepEqual(enginePartition(b), enginePartition(a));
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });
});

describe('engine determinism and stability', () => {
  it('emits a byte-identical log for the same events and batching', () => {
    fc.assert(
      fc.property(streamArb(), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }), (events, sizes) => {
        const batches = cut(events, sizes);
        assert.equal(JSON.stringify(run(createEngine(), batches)), JSON.stringify(run(createEngine(), batches)));
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });

  it('emits nothing for an empty batch or a redelivery of everything (no oscillation)', () => {
    fc.assert(
      fc.property(streamArb(), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }), (events, sizes) => {
        const engine = createEngine();
        run(engine, cut(events, sizes));
        for (let i = 0; i < 3; i++) {
          assert.deepEqual(engine.applyBatch([], { from: 'x', to: 'x' }).events, []);
          const again = engine.applyBatch(events.map((event, j) => ({ position: `r${j}`, event })), { from: 'r', to: 'r' });
          assert.deepEqual(again.events, []);
          assert.equal(again.stats.applied, 0);
        }
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });

  it('continues identically from a snapshot taken between any two batches', () => {
    fc.assert(
      fc.property(streamArb(), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }), fc.nat(), (events, sizes, at) => {
        const batches = cut(events, sizes);
        const k = at % (batches.length + 1);
        const straight = run(createEngine(), batches);
        const first = createEngine();
        const head = run(first, batches.slice(0, k));
        const snap = JSON.parse(JSON.stringify(first.snapshot()));
        const resumed = restoreEngine(snap);
        const tail = runBatches(resumed, batches.slice(k), undefined, k);
        assert.equal(JSON.stringify([...head, ...tail]), JSON.stringify(straight));
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });

  it('keeps invariant 1: same component iff same live campaign, every node assigned', () => {
    fc.assert(
      fc.property(streamArb(), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }), (events, sizes) => {
        const engine = createEngine();
        run(engine, cut(events, sizes), () => {
          const byCampaign = new Map<string, string[]>();
          for (const m of engine.membership()) {
            assert.ok(m.campaign_uuid, `identity ${m.identity_uuid} has no campaign`);
            assert.equal(engine.registry.canonical(m.campaign_uuid), m.campaign_uuid);
            byCampaign.set(m.campaign_uuid, [...(byCampaign.get(m.campaign_uuid) ?? []), m.identity_uuid]);
          }
          for (const members of byCampaign.values()) {
            const comp = [...engine.graph.membersOf(members[0])].sort();
            assert.deepEqual(members.sort(), comp);
          }
        });
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });
});
