/**
 * Clustering domains in the pure core (docs/SCALING.md): the `domain` field of the input
 * contract, domain-prefixed ids, and an engine per domain whose events carry its domain while
 * the default domain's stay byte for byte what they were.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { v5 as uuidv5 } from 'uuid';
import { domainNameProblem, domainOfName, idPrefix, sortDomains } from '../../src/domain/domains.ts';
import { createEngine, restoreEngine } from '../../src/domain/engine.ts';
import { CAMPAIGN_STREAM_NAMESPACE, campaignId, eventId } from '../../src/domain/ids.ts';
import type { IdentityEvent } from '../../src/domain/identity-events.ts';
import { identityEventToWire, parseNdjsonLine, validateIdentityEvent } from '../../src/domain/validate.ts';
import { observed, positioned } from '../support/builders.ts';
import { cut, streamArb } from '../support/streams.ts';

const wire = {
  type: 'identity.observed', event_id: 'e1', time: '2026-01-01T00:00:00Z', identity_uuid: 'i1', version: 1,
  observation: { payload_hashes: ['p'] },
};

describe('domain names', () => {
  it('lower-case letters, digits, . _ -, starting with a letter or digit, 1 to 64 characters', () => {
    for (const ok of ['a', 'fleet-a', 'tenant_42.eu-west', '0', 'x'.repeat(64)]) assert.equal(domainNameProblem(ok), null, ok);
    for (const bad of ['', 'Fleet', 'a/b', '.hidden', '..', '-a', '_a', 'a b', 'é', 'x'.repeat(65), 'a\u0000']) {
      assert.notEqual(domainNameProblem(bad), null, JSON.stringify(bad));
    }
  });
  it('"default" names the default domain; listings put it first, the others in name order', () => {
    assert.equal(domainOfName('default'), null);
    assert.equal(domainOfName('fleet-a'), 'fleet-a');
    assert.deepEqual(sortDomains(['b', null, 'a', 'b']), [null, 'a', 'b']);
    assert.deepEqual(sortDomains(['b', 'a']), ['a', 'b']);
  });
});

describe('the input contract: an optional top-level domain', () => {
  it('absent, null or "default": the event of before domains (no domain key at all)', () => {
    const plain = validateIdentityEvent(wire);
    for (const domain of [undefined, null, 'default']) {
      const r = validateIdentityEvent({ ...wire, domain });
      assert.deepStrictEqual(r, plain);
      assert.ok(r.ok && !('domain' in r.event));
    }
  });
  it('a domain name is carried by the event (last), every event type', () => {
    const r = validateIdentityEvent({ ...wire, domain: 'fleet-a' });
    assert.ok(r.ok);
    assert.equal(r.event.domain, 'fleet-a');
    assert.equal(Object.keys(r.event).at(-1), 'domain');
    for (const w of [
      { type: 'identity.merged', event_id: 'm', time: wire.time, winner_uuid: 'a', loser_uuid: 'b' },
      { type: 'identity.unmerged', event_id: 'u', time: wire.time, resurrected_uuid: 'a', former_winner_uuid: 'b' },
      { type: 'identity.retired', event_id: 'r', time: wire.time, identity_uuid: 'a' },
    ]) {
      const x = validateIdentityEvent({ ...w, domain: 'fleet-a' });
      assert.ok(x.ok && x.event.domain === 'fleet-a', w.type);
    }
  });
  it('a bad domain is a rejection naming the field, with the event id', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [7, 'schema', /^domain must be a string, got number 7$/],
      ['', 'bad_value', /^domain must not be empty/],
      ['Fleet A', 'bad_value', /^domain must be lower-case letters/],
      ['x'.repeat(65), 'bad_value', /^domain must be at most 64 characters, got 65/],
    ];
    for (const [domain, code, reason] of cases) {
      const r = validateIdentityEvent({ ...wire, domain });
      assert.ok(!r.ok);
      assert.equal(r.code, code);
      assert.match(r.reason, reason);
      assert.equal(r.event_id, 'e1');
      assert.ok(!('domain' in r), 'a bad domain is nobody\'s: the refusal stays in the default domain');
    }
  });
  it('a refusal of an event with a valid domain belongs to that domain', () => {
    const r = parseNdjsonLine(JSON.stringify({ ...wire, time: 'noon', domain: 'fleet-a' }));
    assert.ok(!r.ok);
    assert.equal(r.code, 'bad_time');
    assert.equal(r.domain, 'fleet-a');
    const d = parseNdjsonLine(JSON.stringify({ ...wire, time: 'noon' }));
    assert.ok(!d.ok && !('domain' in d));
  });
  it('identityEventToWire writes the domain only when there is one, and round-trips', () => {
    const r = validateIdentityEvent({ ...wire, domain: 'fleet-a' });
    assert.ok(r.ok);
    assert.equal(identityEventToWire(r.event).domain, 'fleet-a');
    assert.deepStrictEqual(validateIdentityEvent(identityEventToWire(r.event)), r);
    const p = validateIdentityEvent(wire);
    assert.ok(p.ok && !('domain' in identityEventToWire(p.event)));
  });
});

describe('ids: the default domain keeps its names, another prefixes them with "<domain>/"', () => {
  it('is UUIDv5 of the prefixed name', () => {
    assert.equal(idPrefix(null), '');
    assert.equal(idPrefix('fleet-a'), 'fleet-a/');
    assert.equal(eventId(3, 'campaign.formed'), uuidv5('event:3:campaign.formed', CAMPAIGN_STREAM_NAMESPACE));
    assert.equal(eventId(3, 'campaign.formed', 'fleet-a/'), uuidv5('fleet-a/event:3:campaign.formed', CAMPAIGN_STREAM_NAMESPACE));
    assert.equal(campaignId('i1', 0), uuidv5('i1#0', CAMPAIGN_STREAM_NAMESPACE));
    assert.equal(campaignId('i1', 0, 'fleet-a/'), uuidv5('fleet-a/i1#0', CAMPAIGN_STREAM_NAMESPACE));
  });
});

const T0 = 1_767_225_600;
const batch = (events: IdentityEvent[], b = 0) => [positioned(events, `b${b}`), { from: `b${b}:0`, to: `b${b}:${events.length}` }] as const;

describe('an engine per domain', () => {
  it('a domain\'s engine gives the default engine\'s log with domain ids and a domain field (last)', () => {
    const events = [observed('i1', { payload_hashes: ['p'], c2_endpoints: ['c'] }), observed('i2', { payload_hashes: ['p'], c2_endpoints: ['c'] })];
    const def = createEngine().applyBatch(...batch(events)).events;
    const dom = createEngine({ domain: 'fleet-a' }).applyBatch(...batch(events)).events;
    assert.equal(dom.length, def.length);
    assert.ok(def.every((e) => !('domain' in e)));
    for (let k = 0; k < def.length; k++) {
      const d = dom[k];
      assert.equal(d.domain, 'fleet-a');
      assert.equal(Object.keys(d).at(-1), 'domain');
      assert.equal(d.event_id, eventId(d.sequence, d.type, 'fleet-a/'));
      assert.notEqual(d.event_id, def[k].event_id);
      assert.equal(d.sequence, def[k].sequence);
    }
    const formed = (es: typeof def) => es.find((e) => e.type === 'campaign.formed')!.payload as { campaign_uuid: string };
    assert.equal(formed(def).campaign_uuid, campaignId('i1', 0));
    assert.equal(formed(dom).campaign_uuid, campaignId('i1', 0, 'fleet-a/'));
    // Renaming the domain's ids back gives the default domain's log exactly.
    const ids = new Map<string, string>();
    for (let k = 0; k < def.length; k++) ids.set(dom[k].event_id, def[k].event_id);
    ids.set(formed(dom).campaign_uuid, formed(def).campaign_uuid);
    const renamed = JSON.stringify(dom.map(({ domain: _d, ...e }) => e)).replace(/[0-9a-f-]{36}/g, (u) => ids.get(u) ?? u);
    assert.equal(renamed, JSON.stringify(def));
  });

  it('property: on any stream, a domain engine\'s log is the default engine\'s up to its ids and domain field', () => {
    fc.assert(fc.property(streamArb(), fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }), (stream, sizes) => {
      const def = createEngine();
      const dom = createEngine({ domain: 'd' });
      cut(stream, sizes).forEach((events, b) => {
        const x = def.applyBatch(...batch(events, b));
        const y = dom.applyBatch(...batch(events, b));
        assert.deepEqual(y.events.map((e) => [e.type, e.sequence, e.domain]), x.events.map((e) => [e.type, e.sequence, 'd']));
        assert.deepEqual(y.rejections, x.rejections);
        assert.deepEqual(y.stats, x.stats);
      });
      assert.deepEqual(dom.membership().map((m) => m.identity_uuid), def.membership().map((m) => m.identity_uuid));
    }), { numRuns: 40 });
  });

  it('a snapshot records its domain: restored in the same domain it continues identically; in another it is refused', () => {
    const e = createEngine({ domain: 'fleet-a' });
    e.applyBatch(...batch([observed('i1', { c2_endpoints: ['c'] }), observed('i2', { c2_endpoints: ['c'] })]));
    const snap = JSON.parse(JSON.stringify(e.snapshot()));
    assert.equal(snap.domain, 'fleet-a');
    const r = restoreEngine(snap, { domain: 'fleet-a' });
    const next = [observed('i3', { c2_endpoints: ['c'] }, { time: T0 + 60 })];
    assert.deepEqual(r.applyBatch(...batch(next, 1)), e.applyBatch(...batch(next, 1)));
    assert.throws(() => restoreEngine(snap), /snapshot is of domain "fleet-a", engine clusters "default"/);
    assert.throws(() => restoreEngine(snap, { domain: 'fleet-b' }), /domain/);
    assert.ok(!('domain' in (createEngine().snapshot() as object)), 'a default-domain snapshot is that of before domains');
    assert.throws(() => restoreEngine(createEngine().snapshot(), { domain: 'fleet-a' }), /domain/);
  });
});
