/**
 * The engine's fast paths must be exact replacements: the compact pair scorer and the bound
 * against `scorePair`, the off-heap event-id set against a `Set`, the JS UUIDv5 against the
 * `uuid` package, the byte-level ISO formatter against `formatIso`, and `status()` (kept in
 * counters) against a recount from `membership()`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { v5 as uuidv5 } from 'uuid';
import { fastIso } from '../../src/domain/time.ts';
import { CompactScorer, CS_STRIDE, keystrokeFromHalves } from '../../src/domain/compact-scorer.ts';
import { scorePair, sharedInfraScore } from '../../src/domain/edges.ts';
import { createEngine } from '../../src/domain/engine.ts';
import { EventIdSet } from '../../src/domain/event-id-set.ts';
import { addObservation, emptyEvidence } from '../../src/domain/features.ts';
import { CAMPAIGN_STREAM_NAMESPACE, campaignId, eventId } from '../../src/domain/ids.ts';
import type { Observation } from '../../src/domain/identity-events.ts';
import { DEFAULT_PROFILE, REFERENCE_PROFILE } from '../../src/domain/profile.ts';
import { formatIso } from '../../src/domain/time.ts';
import { cut, streamArb } from '../support/streams.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1500);
/** Any code points, no lone surrogates (those have no UTF-8 form: both UUIDv5s throw on them). */
const unicode = (maxLength: number) => fc.string({ unit: 'binary', maxLength }).filter((s) => {
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
});
const T0 = 1_767_225_600;
const PHASES = ['delivery', 'exploitation', 'persistence', 'command_and_control', 'discovery', 'lateral_movement'] as const;

const observation: fc.Arbitrary<Observation> = fc.record({
  sessions: fc.array(fc.record({ s: fc.integer({ min: 0, max: 40 }), l: fc.integer({ min: 0, max: 5 }), d: fc.integer({ min: 1, max: 3 }), f: fc.constantFrom(0, 0.5) })
    .map(({ s, l, d, f }) => ({ start: T0 + s * 3600 + f, end: T0 + (s + l) * 3600, decky: `decky-${d}` })), { maxLength: 2 }),
  ttp: fc.array(fc.record({ d: fc.integer({ min: 1, max: 3 }), p: fc.constantFrom(...PHASES), s: fc.integer({ min: 0, max: 60 }), l: fc.integer({ min: 0, max: 2 }) })
    .map(({ d, p, s, l }) => ({ decky: `decky-${d}`, phase: p, start: T0 + s * 3600, end: T0 + (s + l) * 3600 })), { maxLength: 2 }),
  payload_hashes: fc.array(fc.constantFrom('hot', 'p1', 'p2'), { maxLength: 2 }),
  c2_endpoints: fc.array(fc.constantFrom('c2.a', 'c2.b'), { maxLength: 2 }),
  asn: fc.option(fc.constantFrom(64500, 64501, 4_000_000_000), { nil: null }),
  tools: fc.array(fc.constantFrom('hydra', 'nmap'), { maxLength: 2 }),
  ja3: fc.constant(null),
  hassh: fc.constant(null),
  kd_simhash: fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { nil: null }),
});

describe('engine fast paths are exact', () => {
  it('the compact scorer gives scorePair’s weight and family scores, bit for bit', () => {
    let compact = 0;
    for (const profile of [DEFAULT_PROFILE, REFERENCE_PROFILE]) {
      fc.assert(
        fc.property(fc.array(observation, { maxLength: 3 }), fc.array(observation, { maxLength: 3 }), fc.boolean(), (oa, ob, swap) => {
          const ea = emptyEvidence('id-a');
          for (const o of oa) addObservation(ea, o);
          const eb = emptyEvidence('id-b');
          for (const o of ob) addObservation(eb, o);
          const [a, b] = swap ? [eb, ea] : [ea, eb];
          const block = new Int32Array(2 * CS_STRIDE);
          const nodes = [a, b];
          const cs = new CompactScorer(profile, (x, y) => nodes[x].uuid < nodes[y].uuid);
          cs.set(block, 0, a);
          cs.set(block, 1, b);
          const shared = sharedInfraScore(a, b);
          const keystroke = a.kd !== null && b.kd !== null
            ? keystrokeFromHalves(a.kdHi | 0, a.kdLo | 0, b.kdHi | 0, b.kdLo | 0, profile.keystrokeMaxHamming) : 0;
          const w = cs.weight(block, 0, 1, shared, keystroke);
          const ref = scorePair(a, b, profile);
          if (Number.isNaN(w)) return; // not compact: the engine uses scorePair itself
          compact++;
          assert.ok(Object.is(w, ref.weight), `weight ${w} vs ${ref.weight}`);
          assert.ok(Object.is(cs.last.handoff, ref.handoff) && Object.is(cs.last.temporal, ref.temporal) && Object.is(cs.last.cohort, ref.cohort));
          assert.ok(Object.is(shared, ref.shared_infra) && Object.is(keystroke, ref.keystroke));
        }),
        { numRuns: RUNS },
      );
    }
    assert.ok(compact > RUNS / 10, `only ${compact} compact pairs were checked`);
  });

  it('the event-id set answers exactly like a Set', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 12 }), unicode(6), fc.constantFrom('ev-1', 'ev-2', '')), { maxLength: 300 }), (ids) => {
        const mine = new EventIdSet();
        const ref = new Set<string>();
        for (const id of ids) {
          assert.equal(mine.add(id), !ref.has(id));
          ref.add(id);
        }
        for (const id of ids) assert.equal(mine.has(id), true);
        assert.equal(mine.has('never-seen-\u0001'), ref.has('never-seen-\u0001'));
        assert.equal(mine.size, ref.size);
        assert.deepEqual([...mine], [...ref]);
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });

  it('UUIDv5 matches the uuid package', () => {
    assert.equal(CAMPAIGN_STREAM_NAMESPACE, uuidv5('campaign-stream', uuidv5.URL));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), unicode(20)), fc.nat(), (s, n) => {
        assert.equal(campaignId(s, n), uuidv5(`${s}#${n}`, CAMPAIGN_STREAM_NAMESPACE));
        assert.equal(eventId(n, s), uuidv5(`event:${n}:${s}`, CAMPAIGN_STREAM_NAMESPACE));
      }),
      { numRuns: RUNS },
    );
    assert.throws(() => campaignId('\ud800', 0), URIError);
  });

  it('fastIso matches formatIso', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -100, max: 253_402_300_800 }), fc.double({ min: -1e3, max: 3e11, noNaN: true })), (t) => {
        let a: string;
        let b: string;
        try { a = formatIso(t); } catch (e) { a = `error ${(e as Error).message}`; }
        try { b = fastIso(t); } catch (e) { b = `error ${(e as Error).message}`; }
        assert.equal(b, a);
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it('status() counters equal a recount from membership()', () => {
    fc.assert(
      fc.property(streamArb(), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }), (events, sizes) => {
        const engine = createEngine();
        cut(events, sizes).forEach((batch, b) => {
          engine.applyBatch(batch.map((event, i) => ({ position: `${b}:${i}`, event })), { from: `b${b}`, to: `b${b + 1}` });
          const members = engine.membership();
          const sizes = new Map<string, number>();
          for (const m of members) sizes.set(m.campaign_uuid, (sizes.get(m.campaign_uuid) ?? 0) + 1);
          const merged = [...engine.registry.campaigns.values()].filter((c) => c.mergedInto !== null).length;
          const s = engine.status();
          assert.equal(s.identities_active, members.length);
          assert.equal(s.campaigns_live, sizes.size);
          assert.equal(s.largest_campaign, Math.max(0, ...sizes.values()));
          assert.equal(s.campaigns_merged, merged);
        });
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });
});
