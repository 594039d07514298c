/** A posted override body + the receiver's stamps → the override event the engine will read, or the validator's refusal. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { overrideRequest } from '../../src/domain/override-request.ts';
import { parseIso } from '../../src/domain/time.ts';

const STAMP = { event_id: 'ov-7', time: '2026-02-01T00:00:00.250Z' };
const body = (o: Record<string, unknown>) => JSON.stringify({ author: 'kim', reason: 'r', ...o });

describe('overrideRequest', () => {
  it('gives the override with the stamps the receiver assigned, for every override type', () => {
    const bodies = [
      body({ type: 'analyst.must_link', identity_uuids: ['a', 'b'] }),
      body({ type: 'analyst.cannot_link', identity_uuids: ['a', 'b'], domain: 'fleet-b' }),
      body({ type: 'analyst.pin', identity_uuid: 'x', anchor_uuid: 'a' }),
      body({ type: 'analyst.label', campaign_uuid: 'c1', name: 'Kettle', tags: ['apt'] }),
      body({ type: 'analyst.revoke', override_event_id: 'ov-1' }),
    ];
    for (const text of bodies) {
      const r = overrideRequest(text, STAMP);
      assert.ok(r.ok, text);
      assert.equal(r.event.type, JSON.parse(text).type);
      assert.equal(r.event.event_id, 'ov-7');
      assert.equal(r.event.time, parseIso(STAMP.time));
    }
    const inDomain = overrideRequest(bodies[1], STAMP);
    assert.ok(inDomain.ok && inDomain.event.domain === 'fleet-b');
  });

  it('refuses a body that brings its own event_id or time: both are the receiver\'s', () => {
    for (const own of [{ event_id: 'mine' }, { time: '2030-01-01T00:00:00Z' }, { event_id: null }]) {
      const r = overrideRequest(body({ type: 'analyst.must_link', identity_uuids: ['a', 'b'], ...own }), STAMP);
      assert.ok(!r.ok);
      assert.equal(r.code, 'bad_value');
      assert.match(r.reason, /assigned by the server/);
    }
  });

  it('refuses identity events and unknown types: only overrides are posted', () => {
    for (const type of ['identity.observed', 'identity.retired', 'analyst.merge', 42, undefined]) {
      const r = overrideRequest(body({ type, identity_uuid: 'a' }), STAMP);
      assert.ok(!r.ok, String(type));
      assert.equal(r.code, 'unknown_type');
    }
  });

  it("passes the validator's refusals on with their codes", () => {
    const cases: Array<[string, string]> = [
      ['{', 'invalid_json'],
      ['"analyst.pin"', 'schema'],
      [body({ type: 'analyst.pin', identity_uuid: 'a', anchor_uuid: 'a' }), 'bad_value'],
      [body({ type: 'analyst.cannot_link', identity_uuids: ['a', 'b'], domain: 'Fleet/B' }), 'bad_value'],
      [JSON.stringify({ type: 'analyst.revoke', override_event_id: 'ov-1', author: 'kim' }), 'schema'],
    ];
    for (const [text, code] of cases) {
      const r = overrideRequest(text, STAMP);
      assert.ok(!r.ok, text);
      assert.equal(r.code, code, `${text}: ${r.reason}`);
    }
  });
});
