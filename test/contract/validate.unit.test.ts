/**
 * The stateless input contract (docs/SCHEMAS.md): every rejection with an example, the happy
 * paths, and property tests (valid events round-trip; single corruptions are rejected, never
 * thrown).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { RejectCode } from '../../src/domain/engine-api.ts';
import type { IdentityEvent, IdentityObserved, TtpEntry } from '../../src/domain/identity-events.ts';
import { PHASES, TACTIC_TO_PHASE, type Phase } from '../../src/domain/phases.ts';
import {
  LIMITS, identityEventToWire, parseNdjsonLine, simhashToHex, validateIdentityEvent, type ValidationResult,
} from '../../src/domain/validate.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const T0 = 1767242381; // 2026-01-01T04:39:41Z

/** The example of the issue, verbatim apart from the elided payload hash. */
const ISSUE_LINE = '{"type":"identity.observed","event_id":"e1","identity_uuid":"i1","version":1,"time":"2026-01-01T04:39:41Z",' +
  '"observation":{"sessions":[{"start":"2026-01-01T04:39:41Z","end":"2026-01-01T04:39:46Z","decky":"decky-05"}],' +
  '"ttp":[{"decky":"decky-05","phase":"exploitation","start":"2026-01-01T04:39:41Z","end":"2026-01-01T04:39:46Z"},' +
  '{"decky":"decky-05","tactic":"TA0011","start":"2026-01-01T05:00:00Z"}],' +
  '"payload_hashes":["ab12…"],"c2_endpoints":["c2.example"],"asn":14061,"tools":[],' +
  '"ja3":null,"hassh":null,"kd_simhash":"0123456789abcdef"}}';

const observed = (): Json => JSON.parse(ISSUE_LINE);
const merged = (): Json => ({ type: 'identity.merged', event_id: 'e2', winner_uuid: 'i1', loser_uuid: 'i2', time: '2026-01-01T05:00:00Z' });
const unmerged = (): Json => ({
  type: 'identity.unmerged', event_id: 'e3', resurrected_uuid: 'i2', former_winner_uuid: 'i1', time: '2026-01-01T06:00:00Z',
});
const retired = (): Json => ({ type: 'identity.retired', event_id: 'e4', identity_uuid: 'i3', time: '2026-01-02T00:00:00Z' });

const with_ = (base: Json, edit: (e: Json) => void): Json => {
  const e = structuredClone(base);
  edit(e);
  return e;
};

function rejects(raw: unknown, code: RejectCode, reason?: string | RegExp, eventId: string | null = 'e1'): void {
  const r = validateIdentityEvent(raw);
  if (r.ok) assert.fail(`expected ${code}, got ok`);
  assert.equal(r.code, code, r.reason);
  if (typeof reason === 'string') assert.equal(r.reason, reason);
  else if (reason) assert.match(r.reason, reason);
  assert.equal(r.event_id, eventId);
}

function accepts(raw: unknown): Extract<ValidationResult, { ok: true }> {
  const r = validateIdentityEvent(raw);
  if (!r.ok) assert.fail(`${r.code}: ${r.reason}`);
  return r;
}

const obs = (r: Extract<ValidationResult, { ok: true }>): IdentityObserved => {
  assert.equal(r.event.type, 'identity.observed');
  return r.event as IdentityObserved;
};

describe('happy paths', () => {
  it('the issue example', () => {
    const r = parseNdjsonLine(ISSUE_LINE);
    if (!r.ok) assert.fail(r.reason);
    assert.equal(r.unmappedTactics, 0);
    assert.deepStrictEqual(r.event, {
      type: 'identity.observed', event_id: 'e1', time: T0, identity_uuid: 'i1', version: 1,
      observation: {
        sessions: [{ start: T0, end: T0 + 5, decky: 'decky-05' }],
        ttp: [
          { decky: 'decky-05', phase: 'exploitation', start: T0, end: T0 + 5 },
          { decky: 'decky-05', phase: 'command_and_control', start: 1767243600, end: 1767243600 },
        ],
        payload_hashes: ['ab12…'], c2_endpoints: ['c2.example'], asn: 14061, tools: [], ja3: null, hassh: null,
        kd_simhash: 0x0123456789abcdefn,
      },
    });
  });

  it('the other three event types', () => {
    assert.deepStrictEqual(accepts(merged()), {
      ok: true, unmappedTactics: 0,
      event: { type: 'identity.merged', event_id: 'e2', time: 1767243600, winner_uuid: 'i1', loser_uuid: 'i2' },
    });
    assert.deepStrictEqual(accepts(unmerged()).event, {
      type: 'identity.unmerged', event_id: 'e3', time: 1767247200, resurrected_uuid: 'i2', former_winner_uuid: 'i1',
    });
    assert.deepStrictEqual(accepts(retired()).event, {
      type: 'identity.retired', event_id: 'e4', time: 1767312000, identity_uuid: 'i3',
    });
  });

  it('every ATT&CK tactic of REFERENCE §1.5 maps to its phase', () => {
    for (const [tactic, phase] of Object.entries(TACTIC_TO_PHASE)) {
      const r = accepts(with_(observed(), (e) => { e.observation.ttp = [{ decky: 'd', tactic, start: '2026-01-01T05:00:00Z' }]; }));
      assert.equal(obs(r).observation.ttp[0].phase, phase, tactic);
    }
  });

  it('an unmapped tactic is dropped and counted, not rejected', () => {
    const r = accepts(with_(observed(), (e) => {
      e.observation.ttp.push(
        { decky: 'd', tactic: 'TA9999', start: '2026-01-01T05:00:00Z' },
        { decky: 'd', tactic: 'T1059', start: '2026-01-01T05:00:00Z' },
      );
    }));
    assert.equal(r.unmappedTactics, 2);
    assert.equal(obs(r).observation.ttp.length, 2);
  });

  it('phase and tactic agreeing are accepted; an explicit phase with an unmapped tactic keeps the phase', () => {
    const r = accepts(with_(observed(), (e) => {
      e.observation.ttp = [
        { decky: 'd', phase: 'discovery', tactic: 'TA0007', start: '2026-01-01T05:00:00Z' },
        { decky: 'd', phase: 'discovery', tactic: 'TA0102', start: '2026-01-01T05:00:00Z' },
        { decky: 'd', phase: 'pivoting', tactic: 'TA9999', start: '2026-01-01T05:00:00Z' },
      ];
    }));
    assert.deepStrictEqual(obs(r).observation.ttp.map((t) => t.phase), ['discovery', 'discovery', 'pivoting']);
    assert.equal(r.unmappedTactics, 0);
  });

  it('a ttp end defaults to start (missing or null)', () => {
    const r = accepts(with_(observed(), (e) => {
      e.observation.ttp = [
        { decky: 'd', phase: 'impact', start: '2026-01-01T05:00:00Z' },
        { decky: 'd', phase: 'impact', start: '2026-01-01T05:00:00Z', end: null },
      ];
    }));
    for (const t of obs(r).observation.ttp) assert.equal(t.end, t.start);
  });

  it('offsets and fractions are converted to epoch seconds', () => {
    const r = accepts(with_(observed(), (e) => {
      e.time = '2026-01-01T06:39:41+02:00';
      e.observation.sessions = [{ start: '2026-01-01T04:39:41.250Z', end: '2026-01-01T00:09:46.5-04:30', decky: 'd' }];
    }));
    assert.equal(r.event.time, T0);
    assert.deepStrictEqual(obs(r).observation.sessions[0], { start: T0 + 0.25, end: T0 + 5.5, decky: 'd' });
  });

  it('every observation field is optional: missing lists are empty, missing scalars null', () => {
    const r = accepts({ type: 'identity.observed', event_id: 'e1', identity_uuid: 'i1', version: 7, time: '2026-01-01T04:39:41Z', observation: {} });
    assert.deepStrictEqual(obs(r).observation, {
      sessions: [], ttp: [], payload_hashes: [], c2_endpoints: [], asn: null, tools: [], ja3: null, hassh: null, kd_simhash: null,
    });
    const n = accepts({
      type: 'identity.observed', event_id: 'e1', identity_uuid: 'i1', version: 7, time: '2026-01-01T04:39:41Z',
      observation: { sessions: null, ttp: null, payload_hashes: null, tools: null, asn: null },
    });
    assert.deepStrictEqual(obs(n).observation.sessions, []);
  });

  it('unknown extra fields are ignored, at every level, and do not reach the domain event', () => {
    const r = accepts(with_(observed(), (e) => {
      e.extra = 1;
      e.fleet = 'fleet-a'; // (`domain` is a field since v3: test/domain/domains.unit.test.ts)
      e.observation.future = [1, 2];
      e.observation.sessions[0].ip = '10.0.0.1';
      e.observation.ttp[0].technique = 'T1059';
    }));
    assert.deepStrictEqual(r, accepts(observed()));
  });

  it('SimHash: upper or lower case hex, all 64 bits', () => {
    const r = accepts(with_(observed(), (e) => { e.observation.kd_simhash = 'FFFFFFFFFFFFFFFF'; }));
    assert.equal(obs(r).observation.kd_simhash, 2n ** 64n - 1n);
    const z = accepts(with_(observed(), (e) => { e.observation.kd_simhash = '0000000000000000'; }));
    assert.equal(obs(z).observation.kd_simhash, 0n);
    assert.equal(simhashToHex(0x0123456789abcdefn), '0123456789abcdef');
  });

  it('boundaries: times in 1990-2100, a session of exactly 30 days, 10,000 entries, a line of exactly 1 MiB', () => {
    accepts(with_(observed(), (e) => { e.time = '1990-01-01T00:00:00Z'; }));
    accepts(with_(observed(), (e) => { e.time = '2100-12-31T23:59:59.999Z'; }));
    accepts(with_(observed(), (e) => { e.observation.sessions = [{ start: '2026-01-01T00:00:00Z', end: '2026-01-31T00:00:00Z', decky: 'd' }]; }));
    accepts(with_(observed(), (e) => { e.observation.payload_hashes = Array.from({ length: 10_000 }, (_, i) => `h${i}`); }));
    const line = JSON.stringify(retired());
    const padded = line.slice(0, -1) + ',"pad":"' + 'x'.repeat(LIMITS.maxLineBytes - line.length - 9) + '"}';
    assert.equal(Buffer.byteLength(padded), LIMITS.maxLineBytes);
    assert.equal(parseNdjsonLine(padded).ok, true);
    assert.equal(parseNdjsonLine(line + '\r').ok, true, 'a trailing CR is tolerated');
  });

  it('the domain event shares nothing mutable with the input', () => {
    const raw = observed();
    const r = accepts(raw);
    raw.observation.payload_hashes.push('mutated');
    raw.observation.sessions[0].decky = 'mutated';
    assert.deepStrictEqual(obs(r).observation.payload_hashes, ['ab12…']);
    assert.equal(obs(r).observation.sessions[0].decky, 'decky-05');
  });
});

describe('rejections (one example each)', () => {
  it('not JSON, or not an object', () => {
    const j = parseNdjsonLine('{"type":"identity.retired",');
    assert.equal(!j.ok && j.code, 'invalid_json');
    assert.equal(!j.ok && j.event_id, null);
    assert.equal(!parseNdjsonLine('').ok && (parseNdjsonLine('') as { code: string }).code, 'invalid_json');
    for (const v of ['[1]', '"x"', '42', 'null']) {
      const r = parseNdjsonLine(v);
      assert.equal(!r.ok && r.code, 'schema', v);
    }
    rejects(undefined, 'schema', 'event must be a JSON object, got undefined', null);
  });

  it('a line over 1 MiB (counted in UTF-8 bytes)', () => {
    const r = parseNdjsonLine('x'.repeat(LIMITS.maxLineBytes + 1));
    assert.deepStrictEqual(r, { ok: false, code: 'line_too_long', reason: 'line is longer than 1048576 bytes', event_id: null });
    // 400k three-byte characters: fewer code units than the limit, more bytes.
    const wide = JSON.stringify({ ...retired(), pad: '€'.repeat(400_000) });
    assert.ok(wide.length < LIMITS.maxLineBytes && Buffer.byteLength(wide) > LIMITS.maxLineBytes);
    assert.equal(!parseNdjsonLine(wide).ok && (parseNdjsonLine(wide) as { code: string }).code, 'line_too_long');
    // a custom limit
    assert.equal((parseNdjsonLine(JSON.stringify(retired()), 10) as { code: string }).code, 'line_too_long');
  });

  it('missing or mistyped type; unknown type', () => {
    rejects(with_(observed(), (e) => { delete e.type; }), 'schema', 'type is required');
    rejects(with_(observed(), (e) => { e.type = 5; }), 'schema', 'type must be a string, got number 5');
    rejects(with_(observed(), (e) => { e.type = 'identity.deleted'; }), 'unknown_type', /^type "identity.deleted" is not one of/);
    rejects(with_(observed(), (e) => { e.type = ''; }), 'unknown_type');
  });

  it('missing, mistyped or empty event_id', () => {
    rejects(with_(observed(), (e) => { delete e.event_id; }), 'schema', 'event_id is required', null);
    rejects(with_(observed(), (e) => { e.event_id = 17; }), 'schema', 'event_id must be a string, got number 17', null);
    rejects(with_(observed(), (e) => { e.event_id = ''; }), 'bad_value', 'event_id must not be empty', null);
  });

  it('missing, mistyped or impossible time', () => {
    rejects(with_(observed(), (e) => { delete e.time; }), 'schema', 'time is required');
    rejects(with_(observed(), (e) => { e.time = 1767242381; }), 'schema', /^time must be an ISO-8601 time string, got number/);
    for (const t of ['2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-01-01T04:39:41', 'yesterday', '2026-01-01']) {
      rejects(with_(observed(), (e) => { e.time = t; }), 'bad_time', `time must be an ISO-8601 time with a timezone (Z or ±HH:MM), got "${t}"`);
    }
  });

  it('a time outside 1990-2100', () => {
    rejects(with_(observed(), (e) => { e.time = '1989-12-31T23:59:59Z'; }), 'bad_time', 'time is outside 1990-2100, got "1989-12-31T23:59:59Z"');
    rejects(with_(observed(), (e) => { e.time = '2101-01-01T00:00:00Z'; }), 'bad_time');
    rejects(with_(observed(), (e) => { e.time = '2100-12-31T23:00:00-01:00'; }), 'bad_time');
    rejects(with_(observed(), (e) => { e.observation.sessions[0].start = '1970-01-01T00:00:00Z'; }), 'bad_time', /^observation\.sessions\[0\]\.start is outside/);
    rejects(with_(observed(), (e) => { e.observation.ttp[1].start = '2150-01-01T00:00:00Z'; }), 'bad_time', /^observation\.ttp\[1\]\.start is outside/);
  });

  it('identity.observed: identity_uuid, version, observation', () => {
    rejects(with_(observed(), (e) => { delete e.identity_uuid; }), 'schema', 'identity_uuid is required');
    rejects(with_(observed(), (e) => { e.identity_uuid = ''; }), 'bad_value', 'identity_uuid must not be empty');
    rejects(with_(observed(), (e) => { e.identity_uuid = null; }), 'schema', 'identity_uuid must be a string, got null null');
    rejects(with_(observed(), (e) => { delete e.version; }), 'schema', 'version is required');
    rejects(with_(observed(), (e) => { e.version = '1'; }), 'schema', 'version must be an integer, got string "1"');
    rejects(with_(observed(), (e) => { e.version = 0; }), 'bad_value', 'version must be an integer >= 1, got 0');
    rejects(with_(observed(), (e) => { e.version = 1.5; }), 'bad_value');
    rejects(with_(observed(), (e) => { e.version = -3; }), 'bad_value');
    rejects(with_(observed(), (e) => { e.version = 2 ** 53; }), 'bad_value');
    rejects(with_(observed(), (e) => { delete e.observation; }), 'schema', 'observation is required');
    rejects(with_(observed(), (e) => { e.observation = null; }), 'schema', 'observation must be an object, got null null');
    rejects(with_(observed(), (e) => { e.observation = []; }), 'schema', 'observation must be an object, got array []');
  });

  it('identity.merged / unmerged / retired: their uuids', () => {
    rejects(with_(merged(), (e) => { delete e.loser_uuid; }), 'schema', 'loser_uuid is required', 'e2');
    rejects(with_(merged(), (e) => { e.winner_uuid = ''; }), 'bad_value', 'winner_uuid must not be empty', 'e2');
    rejects(with_(merged(), (e) => { e.winner_uuid = ['i1']; }), 'schema', 'winner_uuid must be a string, got array ["i1"]', 'e2');
    rejects(with_(merged(), (e) => { e.loser_uuid = 'i1'; }), 'merge_cycle', 'winner_uuid and loser_uuid are the same: "i1"', 'e2');
    rejects(with_(unmerged(), (e) => { delete e.resurrected_uuid; }), 'schema', 'resurrected_uuid is required', 'e3');
    rejects(with_(unmerged(), (e) => { e.former_winner_uuid = 3; }), 'schema', 'former_winner_uuid must be a string, got number 3', 'e3');
    rejects(with_(unmerged(), (e) => { e.former_winner_uuid = 'i2'; }), 'bad_value', /are the same/, 'e3');
    rejects(with_(retired(), (e) => { delete e.identity_uuid; }), 'schema', 'identity_uuid is required', 'e4');
    rejects(with_(retired(), (e) => { e.identity_uuid = ''; }), 'bad_value', 'identity_uuid must not be empty', 'e4');
  });

  it('a list over 10,000 entries', () => {
    const many = <T>(f: (i: number) => T): T[] => Array.from({ length: 10_001 }, (_, i) => f(i));
    rejects(with_(observed(), (e) => { e.observation.payload_hashes = many((i) => `h${i}`); }), 'too_many_entries',
      'observation.payload_hashes has 10001 entries, more than 10000');
    rejects(with_(observed(), (e) => { e.observation.sessions = many(() => e.observation.sessions[0]); }), 'too_many_entries', /^observation\.sessions has/);
    rejects(with_(observed(), (e) => { e.observation.ttp = many(() => e.observation.ttp[0]); }), 'too_many_entries', /^observation\.ttp has/);
    rejects(with_(observed(), (e) => { e.observation.c2_endpoints = many((i) => `c${i}`); }), 'too_many_entries');
    rejects(with_(observed(), (e) => { e.observation.tools = many((i) => `t${i}`); }), 'too_many_entries');
  });

  it('end before start', () => {
    const sessions = [0, 1, 2, 3].map(() => ({ start: '2026-01-01T04:39:41Z', end: '2026-01-01T04:39:46Z', decky: 'd' }));
    sessions[3].end = '2026-01-01T04:39:40.999Z';
    rejects(with_(observed(), (e) => { e.observation.sessions = sessions; }), 'bad_time', 'observation.sessions[3].end is before start');
    rejects(with_(observed(), (e) => { e.observation.ttp[0].end = '2026-01-01T06:39:40+02:00'; }), 'bad_time', 'observation.ttp[0].end is before start');
  });

  it('a session over 30 days', () => {
    rejects(with_(observed(), (e) => {
      e.observation.sessions[0] = { start: '2026-01-01T00:00:00Z', end: '2026-01-31T00:00:00.001Z', decky: 'd' };
    }), 'bad_time', 'observation.sessions[0] lasts more than 30 days');
  });

  it('a SimHash that is not 16 hex digits', () => {
    rejects(with_(observed(), (e) => { e.observation.kd_simhash = 'xyz'; }), 'bad_value', 'observation.kd_simhash must be 16 hex digits, got "xyz"');
    for (const h of ['0123456789abcdeg', '0123456789abcdef0', '0123456789abcde', '0x23456789abcdef', ' 123456789abcdef', '']) {
      rejects(with_(observed(), (e) => { e.observation.kd_simhash = h; }), 'bad_value', /^observation\.kd_simhash must be 16 hex digits/);
    }
    rejects(with_(observed(), (e) => { e.observation.kd_simhash = 1234; }), 'schema', /^observation\.kd_simhash must be a 16-hex-digit string, got number/);
  });

  it('list members of the wrong type, with their path', () => {
    rejects(with_(observed(), (e) => { e.observation.payload_hashes = ['ab', 5]; }), 'schema', 'observation.payload_hashes[1] must be a string, got number 5');
    rejects(with_(observed(), (e) => { e.observation.c2_endpoints = [null]; }), 'schema', 'observation.c2_endpoints[0] must be a string, got null null');
    rejects(with_(observed(), (e) => { e.observation.tools = [{}]; }), 'schema', 'observation.tools[0] must be a string, got object {}');
    rejects(with_(observed(), (e) => { e.observation.tools = ['']; }), 'bad_value', 'observation.tools[0] must not be empty');
    rejects(with_(observed(), (e) => { e.observation.payload_hashes = 'ab12'; }), 'schema', 'observation.payload_hashes must be an array, got string "ab12"');
    rejects(with_(observed(), (e) => { e.observation.sessions = [42]; }), 'schema', 'observation.sessions[0] must be an object, got number 42');
    rejects(with_(observed(), (e) => { e.observation.ttp = [[]]; }), 'schema', 'observation.ttp[0] must be an object, got array []');
  });

  it('sessions and ttp entries: required members', () => {
    rejects(with_(observed(), (e) => { delete e.observation.sessions[0].decky; }), 'schema', 'observation.sessions[0].decky is required');
    rejects(with_(observed(), (e) => { e.observation.sessions[0].decky = ''; }), 'bad_value', 'observation.sessions[0].decky must not be empty');
    rejects(with_(observed(), (e) => { delete e.observation.sessions[0].end; }), 'schema', 'observation.sessions[0].end is required');
    rejects(with_(observed(), (e) => { e.observation.sessions[0].start = 'soon'; }), 'bad_time', /^observation\.sessions\[0\]\.start must be an ISO-8601 time/);
    rejects(with_(observed(), (e) => { delete e.observation.ttp[1].start; }), 'schema', 'observation.ttp[1].start is required');
    rejects(with_(observed(), (e) => { delete e.observation.ttp[1].decky; }), 'schema', 'observation.ttp[1].decky is required');
    rejects(with_(observed(), (e) => { delete e.observation.ttp[1].tactic; }), 'schema', 'observation.ttp[1] needs a phase or a tactic');
    rejects(with_(observed(), (e) => { e.observation.ttp[1].tactic = 11; }), 'schema', 'observation.ttp[1].tactic must be a string, got number 11');
    rejects(with_(observed(), (e) => { e.observation.ttp[0].phase = 7; }), 'schema', 'observation.ttp[0].phase must be a string, got number 7');
  });

  it('an unknown phase, or phase and tactic disagreeing', () => {
    rejects(with_(observed(), (e) => { e.observation.ttp[0].phase = 'Exploitation'; }), 'bad_value', 'observation.ttp[0].phase is not a UKC phase, got "Exploitation"');
    rejects(with_(observed(), (e) => { e.observation.ttp[1].phase = 'persistence'; }), 'bad_value',
      'observation.ttp[1].phase "persistence" disagrees with tactic "TA0011" (maps to "command_and_control")');
  });

  it('other impossible values: asn, ja3, hassh', () => {
    rejects(with_(observed(), (e) => { e.observation.asn = '14061'; }), 'schema', 'observation.asn must be an integer, got string "14061"');
    rejects(with_(observed(), (e) => { e.observation.asn = -1; }), 'bad_value', 'observation.asn must be an integer in 0..4294967295, got -1');
    rejects(with_(observed(), (e) => { e.observation.asn = 2 ** 32; }), 'bad_value');
    rejects(with_(observed(), (e) => { e.observation.asn = 1.5; }), 'bad_value');
    rejects(with_(observed(), (e) => { e.observation.ja3 = 5; }), 'schema', 'observation.ja3 must be a string, got number 5');
    rejects(with_(observed(), (e) => { e.observation.hassh = ''; }), 'bad_value', 'observation.hassh must not be empty');
  });

  it('values that JSON cannot carry are reported, not thrown', () => {
    rejects(with_(observed(), (e) => { e.version = 10n; }), 'schema', 'version must be an integer, got bigint 10n');
    rejects(with_(observed(), (e) => { e.version = Number.NaN; }), 'bad_value');
    const cyclic: Json = observed();
    cyclic.observation.payload_hashes = [cyclic];
    rejects(cyclic, 'schema', /^observation\.payload_hashes\[0\] must be a string, got object/);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests.

const MIN_MS = LIMITS.minTime * 1000;
const MAX_MS = LIMITS.maxTimeExclusive * 1000 - 1;
const DAY_MS = 86_400_000;

/** phase → the first ATT&CK tactic mapping to it (REFERENCE §1.5's inverse map). */
const INVERSE: Partial<Record<Phase, string>> = {};
for (const [tactic, phase] of Object.entries(TACTIC_TO_PHASE)) INVERSE[phase] ??= tactic;

/** How one time is written on the wire: timezone offset in minutes and fraction style. */
interface TimeStyle { readonly offset: number; readonly zulu: boolean; readonly frac: 0 | 1 | 2 }
const timeStyle: fc.Arbitrary<TimeStyle> = fc.record({
  offset: fc.oneof(fc.constant(0), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 })),
  zulu: fc.boolean(),
  frac: fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1 | 2>,
});

function renderTime(ms: number, st: TimeStyle): string {
  const local = new Date(ms + st.offset * 60_000).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const secs = local.slice(0, 19);
  let frac = local.slice(19, 23); // ".sss"
  if (st.frac === 0) frac = frac === '.000' ? '' : frac.replace(/0+$/, '');
  else if (st.frac === 2) frac += '000';
  const tz = st.offset === 0 && st.zulu
    ? 'Z'
    : `${st.offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(st.offset) / 60)).padStart(2, '0')}:${String(Math.abs(st.offset) % 60).padStart(2, '0')}`;
  return secs + frac + tz;
}

const id = fc.string({ minLength: 1, maxLength: 10 });
const timeMs = fc.integer({ min: MIN_MS, max: MAX_MS - 31 * DAY_MS });
const stamp = (ms: number, st: TimeStyle): { ms: number; wire: string } => ({ ms, wire: renderTime(ms, st) });
const timeArb = fc.tuple(timeMs, timeStyle).map(([ms, st]) => stamp(ms, st));
const spanArb = (maxMs: number) => fc.tuple(timeMs, fc.integer({ min: 0, max: maxMs }), timeStyle, timeStyle)
  .map(([s, d, a, b]) => ({ start: stamp(s, a), end: stamp(s + d, b) }));

const ttpArb = fc.record({
  decky: id,
  phase: fc.constantFrom(...PHASES),
  span: spanArb(7 * DAY_MS),
  how: fc.constantFrom('phase', 'tactic', 'both'),
  omitEnd: fc.boolean(),
}).map(({ decky, phase, span, how, omitEnd }) => {
  const tactic = INVERSE[phase];
  const mode = tactic === undefined ? 'phase' : how;
  const wire: Json = { decky, start: span.start.wire };
  if (mode !== 'tactic') wire.phase = phase;
  if (mode !== 'phase') wire.tactic = tactic;
  const end = omitEnd ? span.start : span.end;
  if (!omitEnd) wire.end = span.end.wire;
  const entry: TtpEntry = { decky, phase, start: span.start.ms / 1000, end: end.ms / 1000 };
  return { wire, entry };
});

const listOf = <T>(a: fc.Arbitrary<T>) => fc.array(a, { maxLength: 4 });
/** Optional wire value: present, null or missing. */
const presence = fc.constantFrom('present', 'null', 'missing');

interface Case { readonly wire: Json; readonly event: IdentityEvent; readonly unmapped: number }

const observedArb: fc.Arbitrary<Case> = fc.record({
  event_id: id, identity_uuid: id, version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), time: timeArb,
  sessions: listOf(fc.record({ decky: id, span: spanArb(30 * DAY_MS) })),
  ttp: listOf(ttpArb),
  unmapped: listOf(fc.record({ decky: id, tactic: fc.constantFrom('TA9999', 'T1059', 'ta0011', ''), time: timeArb })),
  payload_hashes: listOf(id), c2_endpoints: listOf(id), tools: listOf(id),
  asn: fc.option(fc.integer({ min: 0, max: 4_294_967_295 })),
  ja3: fc.option(id), hassh: fc.option(id),
  kd: fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
  upper: fc.boolean(),
  listPresence: presence,
  extra: fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })),
}).map((g): Case => {
  const observation: Json = {};
  const emptyList = (key: string, xs: readonly unknown[]): void => {
    if (xs.length > 0) observation[key] = xs;
    else if (g.listPresence === 'present') observation[key] = [];
    else if (g.listPresence === 'null') observation[key] = null;
  };
  const optScalar = (key: string, v: unknown): void => {
    if (v !== null) observation[key] = v;
    else if (g.listPresence !== 'missing') observation[key] = null;
  };
  emptyList('sessions', g.sessions.map((s) => ({ start: s.span.start.wire, end: s.span.end.wire, decky: s.decky })));
  // Unmapped tactics are interleaved after the mapped entries; they are dropped.
  emptyList('ttp', [...g.ttp.map((t) => t.wire), ...g.unmapped.map((u) => ({ decky: u.decky, tactic: u.tactic, start: u.time.wire }))]);
  emptyList('payload_hashes', g.payload_hashes);
  emptyList('c2_endpoints', g.c2_endpoints);
  emptyList('tools', g.tools);
  optScalar('asn', g.asn);
  optScalar('ja3', g.ja3);
  optScalar('hassh', g.hassh);
  const hex = g.kd === null ? null : simhashToHex(g.kd);
  optScalar('kd_simhash', hex === null ? null : g.upper ? hex.toUpperCase() : hex);
  const wire: Json = {
    ...(g.extra ?? {}),
    type: 'identity.observed', event_id: g.event_id, identity_uuid: g.identity_uuid, version: g.version,
    time: g.time.wire, observation,
  };
  const event: IdentityObserved = {
    type: 'identity.observed', event_id: g.event_id, time: g.time.ms / 1000, identity_uuid: g.identity_uuid, version: g.version,
    observation: {
      sessions: g.sessions.map((s) => ({ start: s.span.start.ms / 1000, end: s.span.end.ms / 1000, decky: s.decky })),
      ttp: g.ttp.map((t) => t.entry),
      payload_hashes: g.payload_hashes, c2_endpoints: g.c2_endpoints, asn: g.asn, tools: g.tools,
      ja3: g.ja3, hassh: g.hassh, kd_simhash: g.kd,
    },
  };
  return { wire, event, unmapped: g.unmapped.length };
});

const twoIds = fc.tuple(id, id).filter(([a, b]) => a !== b);
const otherArb: fc.Arbitrary<Case> = fc.oneof(
  fc.tuple(id, timeArb, twoIds).map(([event_id, t, [a, b]]): Case => ({
    wire: { type: 'identity.merged', event_id, time: t.wire, winner_uuid: a, loser_uuid: b },
    event: { type: 'identity.merged', event_id, time: t.ms / 1000, winner_uuid: a, loser_uuid: b },
    unmapped: 0,
  })),
  fc.tuple(id, timeArb, twoIds).map(([event_id, t, [a, b]]): Case => ({
    wire: { type: 'identity.unmerged', event_id, time: t.wire, resurrected_uuid: a, former_winner_uuid: b },
    event: { type: 'identity.unmerged', event_id, time: t.ms / 1000, resurrected_uuid: a, former_winner_uuid: b },
    unmapped: 0,
  })),
  fc.tuple(id, timeArb, id).map(([event_id, t, u]): Case => ({
    wire: { type: 'identity.retired', event_id, time: t.wire, identity_uuid: u },
    event: { type: 'identity.retired', event_id, time: t.ms / 1000, identity_uuid: u },
    unmapped: 0,
  })),
);
const analystBase = fc.record({ event_id: id, t: timeArb, author: id, reason: id });
const analystArb: fc.Arbitrary<Case> = fc.oneof(
  fc.tuple(analystBase, twoIds, fc.constantFrom('analyst.must_link' as const, 'analyst.cannot_link' as const)).map(([b, [x, y], type]): Case => ({
    wire: { type, event_id: b.event_id, time: b.t.wire, identity_uuids: [x, y], author: b.author, reason: b.reason },
    event: { type, event_id: b.event_id, time: b.t.ms / 1000, identity_uuids: [x, y], author: b.author, reason: b.reason },
    unmapped: 0,
  })),
  fc.tuple(analystBase, twoIds).map(([b, [x, y]]): Case => ({
    wire: { type: 'analyst.pin', event_id: b.event_id, time: b.t.wire, identity_uuid: x, anchor_uuid: y, author: b.author, reason: b.reason },
    event: { type: 'analyst.pin', event_id: b.event_id, time: b.t.ms / 1000, identity_uuid: x, anchor_uuid: y, author: b.author, reason: b.reason },
    unmapped: 0,
  })),
  fc.tuple(analystBase, id, id, listOf(id), fc.option(fc.string({ maxLength: 20 }))).map(([b, c, name, tags, notes]): Case => ({
    wire: { type: 'analyst.label', event_id: b.event_id, time: b.t.wire, campaign_uuid: c, name, tags, notes, author: b.author, reason: b.reason },
    event: {
      type: 'analyst.label', event_id: b.event_id, time: b.t.ms / 1000, campaign_uuid: c, name, tags, notes, author: b.author, reason: b.reason,
    },
    unmapped: 0,
  })),
  fc.tuple(analystBase, id).filter(([b, target]) => b.event_id !== target).map(([b, target]): Case => ({
    wire: { type: 'analyst.revoke', event_id: b.event_id, time: b.t.wire, override_event_id: target, author: b.author, reason: b.reason },
    event: { type: 'analyst.revoke', event_id: b.event_id, time: b.t.ms / 1000, override_event_id: target, author: b.author, reason: b.reason },
    unmapped: 0,
  })),
);
const caseArb = fc.oneof({ arbitrary: observedArb, weight: 3 }, { arbitrary: otherArb, weight: 1 }, { arbitrary: analystArb, weight: 1 });

describe('analyst overrides', () => {
  /** The example of the issue, verbatim. */
  const ISSUE_OVERRIDE = '{"type":"analyst.cannot_link","event_id":"ov-1","time":"2026-02-01T00:00:00Z","identity_uuids":["a","b"],' +
    '"author":"kim","reason":"different tooling"}';
  const base = { event_id: 'ov-1', time: '2026-02-01T00:00:00Z', author: 'kim', reason: 'different tooling' };

  it('the issue example is a cannot-link of a and b', () => {
    const r = parseNdjsonLine(ISSUE_OVERRIDE);
    if (!r.ok) assert.fail(r.reason);
    assert.deepStrictEqual(r.event, {
      type: 'analyst.cannot_link', event_id: 'ov-1', time: 1769904000, identity_uuids: ['a', 'b'], author: 'kim', reason: 'different tooling',
    });
  });

  it('must-link, pin, label and revoke are accepted; a label\'s tags default to none and its notes to null', () => {
    assert.deepStrictEqual(accepts({ ...base, type: 'analyst.must_link', identity_uuids: ['b', 'a'] }).event, {
      type: 'analyst.must_link', event_id: 'ov-1', time: 1769904000, identity_uuids: ['b', 'a'], author: 'kim', reason: 'different tooling',
    });
    assert.deepStrictEqual(accepts({ ...base, type: 'analyst.pin', identity_uuid: 'x', anchor_uuid: 'y' }).event, {
      type: 'analyst.pin', event_id: 'ov-1', time: 1769904000, identity_uuid: 'x', anchor_uuid: 'y', author: 'kim', reason: 'different tooling',
    });
    assert.deepStrictEqual(accepts({ ...base, type: 'analyst.label', campaign_uuid: 'c1', name: 'Op Kettle' }).event, {
      type: 'analyst.label', event_id: 'ov-1', time: 1769904000, campaign_uuid: 'c1', name: 'Op Kettle', tags: [], notes: null,
      author: 'kim', reason: 'different tooling',
    });
    assert.deepStrictEqual(accepts({ ...base, type: 'analyst.revoke', override_event_id: 'ov-0' }).event, {
      type: 'analyst.revoke', event_id: 'ov-1', time: 1769904000, override_event_id: 'ov-0', author: 'kim', reason: 'different tooling',
    });
  });

  it('carry their domain like every identity event', () => {
    const r = accepts({ ...base, type: 'analyst.revoke', override_event_id: 'ov-0', domain: 'fleet-a' });
    assert.equal(r.event.domain, 'fleet-a');
  });

  it('an override without author or reason is refused: it could not be reviewed', () => {
    rejects({ ...base, type: 'analyst.must_link', identity_uuids: ['a', 'b'], author: undefined }, 'schema', 'author is required', 'ov-1');
    rejects({ ...base, type: 'analyst.must_link', identity_uuids: ['a', 'b'], reason: '' }, 'bad_value', 'reason must not be empty', 'ov-1');
  });

  it('identity_uuids must be exactly two distinct identities', () => {
    const link = (ids: unknown) => ({ ...base, type: 'analyst.cannot_link', identity_uuids: ids });
    rejects(link(['a']), 'bad_value', 'identity_uuids must hold exactly 2 identities, got 1', 'ov-1');
    rejects(link(['a', 'b', 'c']), 'bad_value', /exactly 2/, 'ov-1');
    rejects(link(['a', 'a']), 'bad_value', 'identity_uuids must be two distinct identities, got "a" twice', 'ov-1');
    rejects(link('a,b'), 'schema', /identity_uuids must be an array/, 'ov-1');
    rejects(link(['a', 7]), 'schema', /identity_uuids\[1\] must be a string/, 'ov-1');
  });

  it('a pin to itself, a revoke of itself, a label without a name are refused', () => {
    rejects({ ...base, type: 'analyst.pin', identity_uuid: 'x', anchor_uuid: 'x' }, 'bad_value', /are the same/, 'ov-1');
    rejects({ ...base, type: 'analyst.revoke', override_event_id: 'ov-1' }, 'bad_value', /cannot revoke itself/, 'ov-1');
    rejects({ ...base, type: 'analyst.label', campaign_uuid: 'c1' }, 'schema', 'name is required', 'ov-1');
    rejects({ ...base, type: 'analyst.label', campaign_uuid: 'c1', name: 'n', tags: ['ok', ''] }, 'bad_value', 'tags[1] must not be empty', 'ov-1');
  });

  it('an unknown analyst type is unknown_type and names the known ones', () => {
    rejects({ ...base, type: 'analyst.merge' }, 'unknown_type', /"analyst\.revoke"/, 'ov-1');
  });
});

describe('properties', () => {
  it('any valid event round-trips: JSON → validator → the same domain event', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const r = parseNdjsonLine(JSON.stringify(c.wire));
      if (!r.ok) throw new Error(`${r.code}: ${r.reason}`);
      assert.deepStrictEqual(r, { ok: true, event: c.event, unmappedTactics: c.unmapped });
    }), { numRuns: 1000 });
  });

  it('identityEventToWire is the inverse of the validator', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const wire = identityEventToWire(c.event);
      const r = parseNdjsonLine(JSON.stringify(wire));
      if (!r.ok) throw new Error(`${r.code}: ${r.reason}`);
      assert.deepStrictEqual(r.event, c.event);
      assert.equal(r.unmappedTactics, 0);
    }), { numRuns: 500 });
  });

  /** Required fields of an event (paths) and values that are always wrong for them. */
  function requiredPaths(wire: Json): { path: (string | number)[]; bad: unknown[] }[] {
    const ID_BAD = [undefined, null, 42, true, '', {}, ['x']];
    const TIME_BAD = [undefined, null, 1767242381, '', 'not a time', '2026-02-30T00:00:00Z', '2026-01-01T04:39:41', '1989-12-31T23:59:59Z', '2101-01-01T00:00:00Z', {}];
    const out: { path: (string | number)[]; bad: unknown[] }[] = [
      { path: ['type'], bad: [undefined, null, 42, '', 'identity.bogus', 'IDENTITY.OBSERVED', {}] },
      { path: ['event_id'], bad: ID_BAD },
      { path: ['time'], bad: TIME_BAD },
    ];
    switch (wire.type) {
      case 'identity.observed': {
        out.push(
          { path: ['identity_uuid'], bad: ID_BAD },
          { path: ['version'], bad: [undefined, null, '1', 0, -1, 1.5, Number.NaN, 2 ** 53, true, {}] },
          { path: ['observation'], bad: [undefined, null, 42, 'x', [], true] },
        );
        const o = wire.observation as Json;
        (o.sessions ?? []).forEach((_: unknown, i: number) => {
          out.push(
            { path: ['observation', 'sessions', i, 'start'], bad: TIME_BAD },
            { path: ['observation', 'sessions', i, 'end'], bad: TIME_BAD },
            { path: ['observation', 'sessions', i, 'decky'], bad: ID_BAD },
          );
        });
        (o.ttp ?? []).forEach((_: unknown, i: number) => {
          out.push(
            { path: ['observation', 'ttp', i, 'start'], bad: TIME_BAD },
            { path: ['observation', 'ttp', i, 'decky'], bad: ID_BAD },
          );
        });
        break;
      }
      case 'identity.merged':
        out.push({ path: ['winner_uuid'], bad: ID_BAD }, { path: ['loser_uuid'], bad: ID_BAD });
        break;
      case 'identity.unmerged':
        out.push({ path: ['resurrected_uuid'], bad: ID_BAD }, { path: ['former_winner_uuid'], bad: ID_BAD });
        break;
      case 'analyst.must_link':
      case 'analyst.cannot_link':
        out.push(
          { path: ['author'], bad: ID_BAD }, { path: ['reason'], bad: ID_BAD },
          { path: ['identity_uuids'], bad: [undefined, null, 'a', [], ['a'], ['a', 'b', 'c'], ['a', 'a'], {}] },
          { path: ['identity_uuids', 0], bad: [null, 42, '', {}] },
        );
        break;
      case 'analyst.pin':
        out.push({ path: ['author'], bad: ID_BAD }, { path: ['identity_uuid'], bad: ID_BAD }, { path: ['anchor_uuid'], bad: ID_BAD });
        break;
      case 'analyst.label':
        out.push(
          { path: ['reason'], bad: ID_BAD }, { path: ['campaign_uuid'], bad: ID_BAD }, { path: ['name'], bad: ID_BAD },
          { path: ['tags'], bad: ['x', 42, [''], [1], {}] }, { path: ['notes'], bad: [42, true, [], {}] },
        );
        break;
      case 'analyst.revoke':
        out.push({ path: ['author'], bad: ID_BAD }, { path: ['override_event_id'], bad: ID_BAD });
        break;
      default:
        out.push({ path: ['identity_uuid'], bad: ID_BAD });
    }
    return out;
  }

  it('any single corruption of a required field is rejected, never thrown', () => {
    fc.assert(fc.property(caseArb, fc.nat(), fc.nat(), (c, pi, bi) => {
      const paths = requiredPaths(c.wire);
      const { path, bad } = paths[pi % paths.length];
      const value = bad[bi % bad.length];
      const wire = structuredClone(c.wire);
      let node: Json = wire;
      for (const k of path.slice(0, -1)) node = node[k as string];
      const last = path[path.length - 1] as string;
      if (value === undefined) delete node[last];
      else node[last] = value;
      const r = validateIdentityEvent(wire);
      assert.equal(r.ok, false, `${path.join('.')} = ${String(value)} was accepted`);
      const viaJson = parseNdjsonLine(JSON.stringify(wire));
      assert.equal(viaJson.ok, false);
    }), { numRuns: 2000 });
  });

  it('arbitrary JSON values never make the validator throw', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const r = validateIdentityEvent(v);
      assert.equal(typeof r.ok, 'boolean');
    }), { numRuns: 1000 });
    fc.assert(fc.property(fc.string(), (s) => {
      assert.equal(typeof parseNdjsonLine(s).ok, 'boolean');
    }), { numRuns: 1000 });
  });
});

describe('lone UTF-16 surrogates', () => {
  it('an id with a lone surrogate is bad_encoding: "\\ud800" and "\\ud801" would both be stored as U+FFFD', () => {
    rejects(with_(observed(), (e) => { e.identity_uuid = 'idp-\ud800'; }), 'bad_encoding', /identity_uuid holds a lone UTF-16 surrogate/);
    rejects(with_(merged(), (e) => { e.loser_uuid = '\udc00x'; }), 'bad_encoding', /loser_uuid/, 'e2');
  });
  it('a token with a lone surrogate is bad_encoding', () => {
    rejects(with_(observed(), (e) => { e.observation.c2_endpoints = ['c2.\udbff.example']; }), 'bad_encoding', /c2_endpoints\[0\]/);
  });
  it('a surrogate pair (an emoji) is ordinary Unicode and accepted', () => {
    assert.equal(obs(accepts(with_(observed(), (e) => { e.identity_uuid = 'idp-\ud83d\ude00'; }))).identity_uuid, 'idp-😀');
  });
});
