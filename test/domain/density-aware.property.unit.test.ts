/**
 * Density-aware profiles (default@2: token rarity, handoff base rate) against the oracle. A
 * pair's score now depends on counts over the whole graph, so the engine must re-score exactly
 * the pairs whose counts moved; the oracle recomputes every count from the batch's end state.
 * A test profile with tiny caps puts every regime (full weight, decaying, past the cap, counts
 * crossing the caps both ways) inside streams of a dozen identities.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CampaignEngine, createEngine, restoreEngine } from '../../src/domain/engine.ts';
import type { IdentityEvent } from '../../src/domain/identity-events.ts';
import { DEFAULT_V2_PROFILE, type ScoringProfile } from '../../src/domain/profile.ts';
import { Reconciler } from '../../src/domain/reconciler.ts';
import { bruteForceForest, bruteForcePartition, canonicalPartition, engineForest, featuresAfter } from '../support/brute-force.ts';
import { cut, runBatches, streamArb } from '../support/streams.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1500);
Reconciler.verify = true;
// every weight the compact path computes is checked against scorePair (with the counts)
CampaignEngine.verifyCompactScores = true;

const TINY: ScoringProfile = Object.freeze({
  ...DEFAULT_V2_PROFILE,
  name: 'default@2-tiny-caps',
  rarity: Object.freeze({ full: 2, halvings: 2 }),
  handoffBaseRate: Object.freeze({ cap: 2 }),
});
const REFERENCE_RULE_TINY: ScoringProfile = Object.freeze({ ...TINY, name: 'reference-rule-tiny-caps', handoffRule: 'reference' });

const run = runBatches;

const partitionOf = (e: CampaignEngine) => canonicalPartition(e.membership().map((m) => [m.identity_uuid, m.campaign_uuid] as const));

for (const profile of [TINY, REFERENCE_RULE_TINY, DEFAULT_V2_PROFILE]) {
  describe(`density-aware scoring against the oracle (${profile.name})`, () => {
    it('equals the O(n²) partition and Kruskal forest on the batch’s end-state counts, after every batch', () => {
      fc.assert(
        fc.property(streamArb(), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }), (events, sizes) => {
          const engine = createEngine({ profile });
          run(engine, cut(events, sizes), (prefix) => {
            const nodes = featuresAfter(prefix);
            assert.deepEqual(partitionOf(engine), bruteForcePartition(nodes, profile));
            assert.deepEqual(engineForest(engine), bruteForceForest(nodes, profile));
          });
        }),
        { numRuns: RUNS },
      );
    });

    it('reaches the same partition for any batching, and continues identically from a snapshot', () => {
      fc.assert(
        fc.property(streamArb(), fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }), fc.nat(), (events, sizes, at) => {
          const one = createEngine({ profile });
          run(one, [events]);
          const batches = cut(events, sizes);
          const many = createEngine({ profile });
          const straight = run(many, batches);
          assert.deepEqual(partitionOf(many), partitionOf(one));
          const k = at % (batches.length + 1);
          const first = createEngine({ profile });
          const head = run(first, batches.slice(0, k));
          const resumed = restoreEngine(JSON.parse(JSON.stringify(first.snapshot())), { profile });
          const tail = runBatches(resumed, batches.slice(k), undefined, k);
          assert.equal(JSON.stringify([...head, ...tail]), JSON.stringify(straight));
        }),
        { numRuns: Math.ceil(RUNS / 3) },
      );
    });
  });
}
