/**
 * The Kafka pipeline (and `rebuild`) cluster the default domain only until members are assigned
 * domains (docs/SCALING.md): an event of another domain becomes a `domain_unsupported` refusal,
 * dead-lettered with its reason; everything else passes through untouched.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { SourceRecord } from '../../src/ports/identity-source.ts';
import { decodeRecord, defaultDomainOnly, domainOfDecoded } from '../../src/pipeline/decode.ts';

const record = (value: unknown): SourceRecord => ({
  source: 'identity.events/0', start: { offset: 41, index: 0, ordinal: 41 }, end: { offset: 42, index: 0, ordinal: 42 },
  payload: { kind: 'object', value },
});
const retired = { type: 'identity.retired', event_id: 'r1', time: '2026-01-01T00:00:00Z', identity_uuid: 'i1' };

it('an event of another domain is refused with domain_unsupported, its position, line and event id', () => {
  const d = defaultDomainOnly(decodeRecord(record({ ...retired, domain: 'fleet-a' })));
  assert.ok(!d.ok);
  assert.equal(d.reject.code, 'domain_unsupported');
  assert.equal(d.reject.position, 'identity.events/0:41');
  assert.equal(d.reject.event_id, 'r1');
  assert.match(d.reject.reason, /^domain "fleet-a": this pipeline clusters the default domain only/);
  assert.equal(domainOfDecoded(d), 'fleet-a');
});

it('events of the default domain (no domain, null, "default") and refusals pass through unchanged', () => {
  for (const value of [retired, { ...retired, domain: null }, { ...retired, domain: 'default' }, { ...retired, time: 'noon', domain: 'fleet-a' }, 5]) {
    const d = decodeRecord(record(value));
    assert.strictEqual(defaultDomainOnly(d), d);
  }
});
