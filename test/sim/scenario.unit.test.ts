import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { scoreFixture, simulateFixture } from '../../src/sim/scenario.ts';
import type { IdentityClusterer } from '../../src/sim/scenario.ts';
import type { IdentityObserved } from '../../src/domain/identity-events.ts';
import { FIXTURES, fixturePath } from './helpers.ts';

/**
 * TEST STAND-IN, not the campaign engine: identities sharing any payload hash or C2 endpoint are
 * one campaign (union-find), labelled by the smallest identity uuid.
 */
const sharedInfraStandIn: IdentityClusterer = (events: IdentityObserved[]) => {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    while (parent.get(x) !== x) {
      const p = parent.get(parent.get(x) as string) as string;
      parent.set(x, p);
      x = p;
    }
    return x;
  };
  const owner = new Map<string, string>();
  for (const e of events) {
    if (!parent.has(e.identity_uuid)) parent.set(e.identity_uuid, e.identity_uuid);
    for (const key of [...e.observation.payload_hashes.map((p) => `p:${p}`), ...e.observation.c2_endpoints.map((c) => `c:${c}`)]) {
      const other = owner.get(key);
      if (other === undefined) owner.set(key, e.identity_uuid);
      else {
        const [a, b] = [find(other), find(e.identity_uuid)];
        if (a !== b) parent.set(a < b ? b : a, a < b ? a : b);
      }
    }
  }
  return new Map([...parent.keys()].map((id) => [id, `campaign:${find(id)}`]));
};

/** TEST STAND-IN: every identity its own campaign. */
const singletonStandIn: IdentityClusterer = (events) => new Map(events.map((e) => [e.identity_uuid, e.identity_uuid]));

describe('scoreFixture with a shared-infra stand-in clusterer (seed 0)', () => {
  // REFERENCE §6.4: rows, sessions, identities, predicted campaigns, truth campaigns.
  const shapes: Record<(typeof FIXTURES)[number], [number, number, number, number, number]> = {
    lone_wolf: [9, 9, 9, 9, 9],
    shared_wordlist: [2, 8, 2, 2, 2],
    vpn_hopping: [5, 15, 1, 1, 1],
    paused_campaign: [2, 10, 1, 1, 1],
    multi_operator: [2, 14, 2, 1, 1],
    noise_floor: [30, 66, 25, 24, 24],
    slow_burn: [3, 18, 1, 1, 1],
  };
  // identities in the largest campaign: multi_operator's two operators are two identities
  const largest: Record<(typeof FIXTURES)[number], number> = {
    lone_wolf: 1, shared_wordlist: 1, vpn_hopping: 1, paused_campaign: 1, multi_operator: 2, noise_floor: 2, slow_burn: 1,
  };
  for (const name of FIXTURES) {
    test(name, () => {
      const s = scoreFixture(fixturePath(name), 0, sharedInfraStandIn);
      const c = s.counts;
      assert.deepEqual([c.rows, c.sessions, c.identities, c.predicted_campaigns, c.truth_campaigns], shapes[name]);
      assert.notEqual(s.bounds, null);
      assert.deepEqual(s.breaches, []);
      assert.deepEqual(s.metrics, {
        adjusted_rand_index: 1, homogeneity: 1, completeness: 1, singleton_recall: 1, pair_precision: 1, pair_recall: 1,
        bot_singleton_recall: 1, largest_campaign: largest[name],
      });
      assert.equal(c.largest_true_campaign, largest[name]);
    });
  }
});

test('a clusterer that never joins identities breaches multi_operator completeness', () => {
  const s = scoreFixture(fixturePath('multi_operator'), 0, singletonStandIn);
  assert.equal(s.metrics.completeness, 0);
  assert.deepEqual(s.breaches.map((b) => b.metric), ['adjusted_rand_index', 'completeness']);
});

test('the clusterer receives events in emission order and must label every identity', () => {
  let seen: IdentityObserved[] = [];
  scoreFixture(fixturePath('slow_burn'), 0, (events) => {
    seen = events;
    return sharedInfraStandIn(events);
  });
  assert.deepEqual(seen, simulateFixture(fixturePath('slow_burn'), 0).emitted.events);
  assert.throws(() => scoreFixture(fixturePath('lone_wolf'), 0, () => new Map()), /gave no campaign for identity att-/);
});

test('a different seed gives a different corpus with the same shape', () => {
  const a = simulateFixture(fixturePath('noise_floor'), 0);
  const b = simulateFixture(fixturePath('noise_floor'), 42);
  assert.equal(a.rows.length, b.rows.length);
  assert.notEqual(a.rows[0].id, b.rows[0].id);
  assert.equal(scoreFixture(fixturePath('noise_floor'), 42, sharedInfraStandIn).breaches.length, 0);
});
