import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { generateFixture } from '../../src/sim/dsl.ts';
import { resolveIdentities } from '../../src/sim/identity-layer.ts';
import { emitIdentityEvents, isoTime, simhashHex, toWireLine } from '../../src/sim/emit.ts';
import type { IdentityObserved } from '../../src/domain/identity-events.ts';
import { fixturePath, sessionCount } from './helpers.ts';
import type { FixtureName } from './helpers.ts';

const emit = (name: FixtureName) => {
  const rows = generateFixture(fixturePath(name), 0);
  return { rows, ...emitIdentityEvents(rows, resolveIdentities(rows)) };
};

describe('identity.observed events from a corpus', () => {
  test('the wolf\'s event, domain and wire form', () => {
    const { events, lines } = emit('lone_wolf');
    const i = events.findIndex((e) => e.event_id === 'obs-sess-78df43e4-1316-7ae8-d9dc-eb3776283381');
    const start = Date.UTC(2026, 0, 1, 4, 39, 41) / 1000;
    assert.deepEqual(events[i], {
      type: 'identity.observed',
      event_id: 'obs-sess-78df43e4-1316-7ae8-d9dc-eb3776283381',
      identity_uuid: 'att-5594aa6b-342f-5d0a-3a5e-4842fab428f7',
      version: 1,
      time: start,
      observation: {
        sessions: [{ start, end: start + 1, decky: 'decky-05' }],
        ttp: [{ decky: 'decky-05', phase: 'delivery', start, end: start + 1 }],
        payload_hashes: [],
        c2_endpoints: [],
        asn: 14061,
        tools: [],
        ja3: null,
        hassh: null,
        kd_simhash: null,
      },
    } satisfies IdentityObserved);
    assert.equal(lines[i],
      '{"type":"identity.observed","event_id":"obs-sess-78df43e4-1316-7ae8-d9dc-eb3776283381",' +
      '"identity_uuid":"att-5594aa6b-342f-5d0a-3a5e-4842fab428f7","version":1,"time":"2026-01-01T04:39:41Z",' +
      '"observation":{"sessions":[{"start":"2026-01-01T04:39:41Z","end":"2026-01-01T04:39:42Z","decky":"decky-05"}],' +
      '"ttp":[{"decky":"decky-05","phase":"delivery","start":"2026-01-01T04:39:41Z","end":"2026-01-01T04:39:42Z"}],' +
      '"payload_hashes":[],"c2_endpoints":[],"asn":14061,"tools":[],"ja3":null,"hassh":null,"kd_simhash":null}}');
  });

  test('one event per session, ordered by (time, event_id), unique deterministic ids', () => {
    for (const name of ['noise_floor', 'slow_burn'] as const) {
      const { rows, events } = emit(name);
      assert.equal(events.length, sessionCount(rows));
      assert.equal(new Set(events.map((e) => e.event_id)).size, events.length);
      for (let k = 1; k < events.length; k++) {
        const [a, b] = [events[k - 1], events[k]];
        assert.ok(a.time < b.time || (a.time === b.time && a.event_id < b.event_id));
      }
      assert.deepEqual(emit(name).lines, emit(name).lines);
    }
  });

  test('versions count 1, 2, … per identity in emission order; rows of one identity share it', () => {
    const { rows, events, truth } = emit('vpn_hopping');
    const uuid = [...rows.map((r) => r.id)].sort()[0];
    assert.ok(events.every((e) => e.identity_uuid === uuid));
    assert.deepEqual(events.map((e) => e.version), Array.from({ length: 15 }, (_, i) => i + 1));
    for (const r of rows) {
      assert.deepEqual(truth.get(r.id), { identity_uuid: uuid, truth_campaign: 'vpn-hopping-001', truth_identity: r.truth.identity, truth_actor: 'hopper-a' });
    }
  });

  test('payload hash and C2 only where the session has them; ASN/JA3/HASSH from the row', () => {
    const { rows, events } = emit('multi_operator');
    const bySession = new Map(events.map((e) => [e.event_id, e]));
    for (const r of rows) {
      for (const s of r.sessions) {
        const o = (bySession.get(`obs-${s.id}`) as IdentityObserved).observation;
        assert.deepEqual(o.payload_hashes, s.payload_hash ? [s.payload_hash] : []);
        assert.deepEqual(o.c2_endpoints, ['c2.shared-op.example']);
        assert.deepEqual([o.asn, o.ja3, o.hassh], [r.asn, r.ja3, r.hassh]);
        assert.deepEqual(o.ttp, [{ decky: s.decky, phase: s.phase, start: s.start, end: s.end }]);
      }
    }
    assert.equal(events.filter((e) => e.observation.payload_hashes.length > 0).length, 4);
  });
});

describe('wire encoding', () => {
  test('times: ISO-8601 Z, milliseconds only when present', () => {
    assert.equal(isoTime(Date.UTC(2026, 0, 1) / 1000), '2026-01-01T00:00:00Z');
    assert.equal(isoTime(1.5), '1970-01-01T00:00:01.500Z');
  });
  test('kd_simhash as hex-16', () => {
    assert.equal(simhashHex(0xabcn), '0000000000000abc');
    assert.equal(simhashHex(0xffffffffffffffffn), 'ffffffffffffffff');
    const line = toWireLine({
      type: 'identity.observed', event_id: 'e1', identity_uuid: 'i1', version: 1, time: 0,
      observation: { sessions: [], ttp: [], payload_hashes: [], c2_endpoints: [], asn: null, tools: [], ja3: null, hassh: null, kd_simhash: 0x0123456789abcdefn },
    });
    assert.equal(JSON.parse(line).observation.kd_simhash, '0123456789abcdef');
  });
});
