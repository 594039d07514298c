/**
 * Identical-infrastructure classes (src/domain/infra-classes.ts): the engine stores no floor edge
 * between two non-hub members of a class, so every way the hub can change must bring the new
 * hub's edges in. Each case compares the partition and the spanning forest with the O(n²)
 * oracle after every batch, under both profiles.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine, type CampaignEngine } from '../../src/domain/engine.ts';
import type { IdentityEvent } from '../../src/domain/identity-events.ts';
import { DEFAULT_PROFILE, REFERENCE_PROFILE, type ScoringProfile } from '../../src/domain/profile.ts';
import { bruteForceForest, bruteForcePartition, canonicalPartition, engineForest, featuresAfter } from '../support/brute-force.ts';
import { merged, observed, retired } from '../support/builders.ts';

function check(profile: ScoringProfile, batches: IdentityEvent[][]): CampaignEngine {
  const engine = createEngine({ profile });
  const prefix: IdentityEvent[] = [];
  batches.forEach((batch, b) => {
    engine.applyBatch(batch.map((event, i) => ({ position: `${b}:${i}`, event })), { from: `b${b}`, to: `b${b + 1}` });
    prefix.push(...batch);
    const nodes = featuresAfter(prefix);
    const partition = canonicalPartition(engine.membership().map((m) => [m.identity_uuid, m.campaign_uuid] as const));
    assert.deepEqual(partition, bruteForcePartition(nodes, profile), `partition after batch ${b}`);
    assert.deepEqual(engineForest(engine), bruteForceForest(nodes, profile), `forest after batch ${b}`);
  });
  return engine;
}

// A botnet on one C2: identical infrastructure, nothing else in common.
const bot = (id: string, extra: string[] = []) => observed(id, { c2_endpoints: ['c2.botnet.example', ...extra] });

for (const profile of [DEFAULT_PROFILE, REFERENCE_PROFILE]) {
  describe(`identical-infrastructure classes (${profile.name})`, () => {
    it('keeps the class one campaign when its hub retires', () => {
      const e = check(profile, [[bot('k-a'), bot('k-b'), bot('k-c'), bot('k-d')], [retired('k-a')]]);
      assert.equal(new Set(e.membership().map((m) => m.campaign_uuid)).size, 1);
    });

    it('keeps the class one campaign when its hub takes another C2 and leaves the class', () => {
      check(profile, [[bot('h-a'), bot('h-b'), bot('h-c'), bot('h-d')], [bot('h-a', ['c2.other.example'])]]);
    });

    it('moves the hub to a newcomer with a smaller uuid, then loses the old hub', () => {
      check(profile, [[bot('n-b'), bot('n-c'), bot('n-d')], [bot('n-a')], [retired('n-b')], [retired('n-a')]]);
    });

    it('follows an upstream merge of the hub into another identity and its undoing', () => {
      check(profile, [[bot('m-a'), bot('m-b'), bot('m-c'), observed('m-z', { payload_hashes: ['p-unrelated'] })], [merged('m-z', 'm-a')]]);
    });

    it('splits the class apart when every member but two takes its own C2', () => {
      check(profile, [
        [bot('s-a'), bot('s-b'), bot('s-c'), bot('s-d'), bot('s-e')],
        [bot('s-b', ['c2.b.example']), bot('s-c', ['c2.c.example'])],
        [bot('s-a', ['c2.a.example'])],
      ]);
    });
  });
}
