import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cohortScore, handoffScore, keystrokeScore, scorePair, sharedInfraScore, temporalScore, isEdge } from '../../src/domain/edges.ts';
import { addObservation, buildFeatures, emptyEvidence, type Features } from '../../src/domain/features.ts';
import type { Observation } from '../../src/domain/identity-events.ts';
import { REFERENCE_PROFILE } from '../../src/domain/profile.ts';
import { obs, session, ttp } from '../support/builders.ts';

const P = REFERENCE_PROFILE;
const W = P.handoffWindowSeconds;
const T0 = 1_767_225_600;

function feat(uuid: string, ...observations: Partial<Observation>[]): Features {
  const ev = emptyEvidence();
  for (const o of observations) addObservation(ev, obs(o));
  return buildFeatures(uuid, [ev]);
}

const shift = (o: Partial<Observation>, d: number): Partial<Observation> => ({
  ...o,
  sessions: (o.sessions ?? []).map((s) => ({ ...s, start: s.start + d, end: s.end + d })),
  ttp: (o.ttp ?? []).map((t) => ({ ...t, start: t.start + d, end: t.end + d })),
});

describe('edge families (REFERENCE §3.7)', () => {
  it('scores 0 for two empty feature records', () => {
    const s = scorePair(feat('a'), feat('b'), P);
    assert.equal(s.weight, 0);
  });

  describe('phase handoff', () => {
    const out = { ttp: [ttp('d1', 'command_and_control', T0, T0 + 100)] };
    it('fires when an OUT phase ends and an IN phase starts on the same decky within 24 h', () => {
      const inn = { ttp: [ttp('d1', 'discovery', T0 + 200)] };
      assert.equal(handoffScore(feat('a', out), feat('b', inn), W), 1);
      assert.ok(isEdge(scorePair(feat('a', out), feat('b', inn), P), P));
    });
    it('is 0 with no shared decky', () => {
      assert.equal(handoffScore(feat('a', out), feat('b', { ttp: [ttp('d2', 'discovery', T0 + 200)] }), W), 0);
    });
    it('is 0 when a phase is not in the OUT or IN set', () => {
      assert.equal(handoffScore(feat('a', { ttp: [ttp('d1', 'exploitation', T0)] }), feat('b', { ttp: [ttp('d1', 'discovery', T0 + 200)] }), W), 0);
      assert.equal(handoffScore(feat('a', out), feat('b', { ttp: [ttp('d1', 'collection', T0 + 200)] }), W), 0);
    });
    it('accepts a gap of exactly the window and rejects one second more', () => {
      assert.equal(handoffScore(feat('a', out), feat('b', { ttp: [ttp('d1', 'lateral_movement', T0 + 100 + W)] }), W), 1);
      assert.equal(handoffScore(feat('a', out), feat('b', { ttp: [ttp('d1', 'lateral_movement', T0 + 101 + W)] }), W), 0);
    });
    it('is 0 for a negative gap (the incoming phase starts before the outgoing one ends)', () => {
      assert.equal(handoffScore(feat('a', out), feat('b', { ttp: [ttp('d1', 'discovery', T0 + 99)] }), W), 0);
    });
    it('is symmetric under swapping the arguments', () => {
      const b = feat('b', { ttp: [ttp('d1', 'discovery', T0 + 200)] });
      assert.equal(handoffScore(b, feat('a', out), W), 1);
      assert.deepEqual(scorePair(b, feat('a', out), P), scorePair(feat('a', out), b, P));
    });
    it('uses the earliest (start, phase) entry as first phase and the latest (end, phase) as last, whatever the arrival order', () => {
      const entries = [ttp('d1', 'discovery', T0 + 10, T0 + 20), ttp('d1', 'command_and_control', T0 + 10, T0 + 20), ttp('d1', 'persistence', T0 + 5, T0 + 20)];
      const f1 = feat('a', { ttp: entries });
      const f2 = feat('a', { ttp: [...entries].reverse() });
      assert.deepEqual([...f1.first], [...f2.first]);
      assert.deepEqual([...f1.last], [...f2.last]);
      assert.equal(f1.first.get('d1')!.phase, 'persistence');
      assert.equal(f1.last.get('d1')!.phase, 'persistence'); // ties on end 20: largest name wins
    });
  });

  describe('shared infrastructure', () => {
    it('is the Jaccard of payload ∪ C2 strings', () => {
      assert.equal(sharedInfraScore(feat('a', { payload_hashes: ['p'], c2_endpoints: ['c'] }), feat('b', { payload_hashes: ['p'], c2_endpoints: ['c'] })), 1);
      assert.equal(sharedInfraScore(feat('a', { payload_hashes: ['p'] }), feat('b', { payload_hashes: ['p'], c2_endpoints: ['c'] })), 0.5);
      assert.equal(sharedInfraScore(feat('a', { payload_hashes: ['p'] }), feat('b', { c2_endpoints: ['q'] })), 0);
    });
    it('does not tag payloads and C2 apart (a payload string equal to a C2 string is shared)', () => {
      assert.equal(sharedInfraScore(feat('a', { payload_hashes: ['x'] }), feat('b', { c2_endpoints: ['x'] })), 1);
    });
    it('is 0 when both sets are empty', () => {
      assert.equal(sharedInfraScore(feat('a'), feat('b')), 0);
    });
  });

  describe('temporal overlap (symmetric)', () => {
    it('is 1 for identical windows, 0.5 for half overlap, 0 for disjoint or one side empty', () => {
      const w = { sessions: [session(T0, T0 + 100)] };
      assert.equal(temporalScore(feat('a', w), feat('b', w)), 1);
      assert.equal(temporalScore(feat('a', w), feat('b', { sessions: [session(T0 + 50, T0 + 150)] })), 0.5);
      assert.equal(temporalScore(feat('a', w), feat('b', { sessions: [session(T0 + 100, T0 + 200)] })), 0);
      assert.equal(temporalScore(feat('a', w), feat('b')), 0);
    });
    it('normalises by the smaller total, so it is symmetric', () => {
      const a = feat('a', { sessions: [session(T0, T0 + 100)] });
      const b = feat('b', { sessions: [session(T0, T0 + 1000)] });
      assert.equal(temporalScore(a, b), 1);
      assert.equal(temporalScore(b, a), 1);
    });
    it('is 0 when a total is 0 (zero-length sessions add nothing)', () => {
      assert.equal(temporalScore(feat('a', { sessions: [session(T0, T0)] }), feat('b', { sessions: [session(T0 - 5, T0 + 5)] })), 0);
    });
  });

  describe('cohort', () => {
    it('is 1 for the same ASN alone and 0 for different ASNs', () => {
      assert.equal(cohortScore(feat('a', { asn: 1 }), feat('b', { asn: 1 })), 1);
      assert.equal(cohortScore(feat('a', { asn: 1 }), feat('b', { asn: 2 })), 0);
    });
    it('keeps ASN, tool and decky namespaces apart', () => {
      assert.equal(cohortScore(feat('a', { tools: ['decky-01'] }), feat('b', { sessions: [session(T0, T0 + 1, 'decky-01')] })), 0);
    });
    it('counts ASN 0 as an ASN', () => {
      assert.equal(cohortScore(feat('a', { asn: 0 }), feat('b', { asn: 0 })), 1);
    });
    it('decky overlap plus different ASNs stays below the threshold', () => {
      const a = feat('a', { asn: 1, sessions: [session(T0, T0 + 1, 'd1')] });
      const b = feat('b', { asn: 2, sessions: [session(T0 + 5000, T0 + 5001, 'd1')] });
      assert.ok(!isEdge(scorePair(a, b, P), P));
    });
  });

  describe('keystroke', () => {
    const k = 0x0123456789abcdefn;
    it('is 0 when one side is missing', () => {
      assert.equal(keystrokeScore(feat('a', { kd_simhash: k }), feat('b'), 8), 0);
    });
    it('is 1 − d/8: d = 4 gives 0.5, d = 8 gives 0', () => {
      assert.equal(keystrokeScore(feat('a', { kd_simhash: k }), feat('b', { kd_simhash: k ^ 0xfn }), 8), 0.5);
      assert.equal(keystrokeScore(feat('a', { kd_simhash: k }), feat('b', { kd_simhash: k ^ 0xffn }), 8), 0);
    });
    it('identical centroids alone stay below the threshold; with identical windows they reach it exactly', () => {
      const a = feat('a', { kd_simhash: k });
      assert.ok(!isEdge(scorePair(a, feat('b', { kd_simhash: k }), P), P));
      const w = { kd_simhash: k, sessions: [session(T0, T0 + 60, 'd1')] };
      const w2 = { kd_simhash: k, sessions: [session(T0, T0 + 60, 'd2')] };
      const s = scorePair(feat('a', w), feat('b', w2), P);
      assert.equal(s.weight, 1.0); // 0.4 + 0.6 is exactly 1.0 in IEEE-754
      assert.ok(isEdge(s, P));
    });
    it('one bit apart still forms an edge with full temporal overlap and an identical cohort', () => {
      const a = feat('a', { kd_simhash: k, asn: 7, sessions: [session(T0, T0 + 60, 'd1')] });
      const b = feat('b', { kd_simhash: k ^ (1n << 63n), asn: 7, sessions: [session(T0, T0 + 60, 'd1')] });
      const s = scorePair(a, b, P);
      assert.equal(s.keystroke, 1 - 1 / 8);
      assert.ok(isEdge(s, P));
    });
    it('the centroid is the strict bitwise majority of the session hashes (ties give 0)', () => {
      const f = feat('a', { kd_simhash: 0b0011n }, { kd_simhash: 0b0101n }, { kd_simhash: 0b0110n });
      assert.equal(f.kd, 0b0111n);
      assert.equal(feat('a', { kd_simhash: 0b01n }, { kd_simhash: 0b10n }).kd, 0n);
    });
  });

  it('sums families left to right: handoff, infra, temporal, cohort, keystroke', () => {
    const a = feat('a', { payload_hashes: ['p', 'q'], asn: 1, sessions: [session(T0, T0 + 10, 'd1')] });
    const b = feat('b', { payload_hashes: ['p'], asn: 1, sessions: [session(T0, T0 + 10, 'd1')] });
    const s = scorePair(a, b, P);
    assert.equal(s.weight, 1.0 * 0 + 1.0 * 0.5 + 0.4 * 1 + 0.1 * 1 + 0.6 * 0);
  });

  it('is invariant under shifting every time of both identities by 90 days (F7)', () => {
    const d = 90 * 86_400;
    const ao = { ttp: [ttp('d1', 'persistence', T0, T0 + 30)], sessions: [session(T0, T0 + 30, 'd1')] };
    const bo = { ttp: [ttp('d1', 'lateral_movement', T0 + 3600)], sessions: [session(T0 + 10, T0 + 3600, 'd1')] };
    const s0 = scorePair(feat('a', ao), feat('b', bo), P);
    const s1 = scorePair(feat('a', shift(ao, d)), feat('b', shift(bo, d)), P);
    assert.equal(s1.handoff, s0.handoff);
    assert.ok(Math.abs(s1.temporal - s0.temporal) < 1e-12);
    assert.ok(Math.abs(s1.weight - s0.weight) < 1e-12);
  });
});

describe('the foothold handoff rule (default profile)', () => {
  const DEFAULT = { ...P, handoffRule: 'foothold' as const };
  const broker = feat('broker', { ttp: [ttp('d7', 'exploitation', T0 - 600, T0 - 590), ttp('d7', 'command_and_control', T0, T0 + 60)] });
  it('keeps a handoff to an identity that never gained access by itself', () => {
    const postex = feat('postex', { ttp: [ttp('d7', 'discovery', T0 + 3600), ttp('d2', 'lateral_movement', T0 + 4000)] });
    assert.equal(handoffScore(broker, postex, W, 'foothold'), 1);
    assert.ok(isEdge(scorePair(broker, postex, DEFAULT), DEFAULT));
  });
  it('ignores a "handoff" to a self-sufficient operator that delivers or exploits on its own', () => {
    const other = feat('other', { ttp: [ttp('d3', 'delivery', T0 - 7200), ttp('d7', 'discovery', T0 + 3600)] });
    assert.equal(handoffScore(broker, other, W, 'reference'), 1);
    assert.equal(handoffScore(broker, other, W, 'foothold'), 0);
    assert.ok(!isEdge(scorePair(broker, other, DEFAULT), DEFAULT));
  });
  it('judges the incoming side only: the outgoing operator is expected to have broken in', () => {
    const postex = feat('postex', { ttp: [ttp('d7', 'discovery', T0 + 3600)] });
    assert.equal(handoffScore(postex, broker, W, 'foothold'), 1);
  });
  it('counts initial access anywhere, even after the handoff', () => {
    const later = feat('later', { ttp: [ttp('d7', 'lateral_movement', T0 + 3600), ttp('d9', 'exploitation', T0 + 86_400 * 5)] });
    assert.equal(handoffScore(broker, later, W, 'foothold'), 0);
  });
});
