import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AVRO_TYPES, identityWireToAvro } from '../../src/adapters/avro/codec.ts';
import { SCHEMA_JSON } from '../../src/adapters/avro/schemas.ts';
import { domainKey, partitionOfDomain } from '../../src/adapters/kafka/domain-keys.ts';
import { forwardedRecord, routeOf, SOURCE_HEADER, type ForwardedRecord } from '../../src/adapters/kafka/domain-routing.ts';
import { KafkaAdapterError } from '../../src/adapters/kafka/errors.ts';
import { IdentityPayloadDecoder } from '../../src/adapters/kafka/identity-payloads.ts';
import { chunkRecords, transactionalIdOf } from '../../src/adapters/kafka/partition-transactions.ts';
import type { SchemaRegistryClient } from '../../src/adapters/kafka/schema-registry.ts';
import { frame } from '../../src/adapters/kafka/wire-format.ts';
import { LIMITS, parseNdjsonLine } from '../../src/domain/validate.ts';
import { IDENTITY_V2, IDENTITY_V3 } from '../fixtures/avro/samples.ts';

const registry: SchemaRegistryClient = {
  register: async () => { throw new Error('not used'); },
  schemaById: async (id) => {
    if (id === 2 || id === 3) return SCHEMA_JSON.identityEvent[id];
    throw new KafkaAdapterError('schema_not_found', `no schema ${id}`);
  },
};

/** A message value through the pipeline's own decoder, then routed. */
async function route(value: Buffer | null) {
  const decoder = new IdentityPayloadDecoder(registry);
  await decoder.prepare([value]);
  return routeOf(decoder.decode(value).payload);
}

const observed = IDENTITY_V2['identity.observed'];
const ndjson = (wire: unknown): Buffer => Buffer.from(JSON.stringify(wire) + '\n');

describe('the domain a record is routed by', () => {
  it('is the named domain; absent, null and "default" are the default domain', async () => {
    assert.deepEqual(await route(ndjson({ ...observed, domain: 'fleet-a' })), { domain: 'fleet-a', readable: true });
    for (const domain of [undefined, null, 'default']) {
      assert.deepEqual(await route(ndjson({ ...observed, domain })), { domain: null, readable: true }, String(domain));
    }
  });

  it("is read from Avro values too (v3 carries domain, v2 is the default domain's)", async () => {
    const v3 = frame(3, AVRO_TYPES.identityEvent[3].toBuffer(identityWireToAvro(IDENTITY_V3['identity.merged'])));
    const v2 = frame(2, AVRO_TYPES.identityEvent[2].toBuffer(identityWireToAvro(IDENTITY_V2['identity.merged'])));
    assert.deepEqual(await route(v3), { domain: 'fleet-a.eu_1', readable: true });
    assert.deepEqual(await route(v2), { domain: null, readable: true });
  });

  it("is the default domain's, marked unreadable, when the domain cannot be read", async () => {
    const cases: Array<[string, Buffer | null]> = [
      ['not JSON', Buffer.from('{"domain": "fleet-a",')],
      ['not an object', ndjson(['fleet-a'])],
      ['not a string', ndjson({ ...observed, domain: 7 })],
      ['not a domain name', ndjson({ ...observed, domain: 'Fleet/A' })],
      ['not UTF-8', Buffer.concat([Buffer.from('{"domain":"fleet-a","x":"'), Buffer.from([0xff]), Buffer.from('"}')])],
      ['a tombstone', null],
      ['an unknown schema id', frame(99, Buffer.from([0]))],
      ['a truncated Avro body', frame(3, Buffer.from([2]))],
      ['over the line limit', ndjson({ ...observed, domain: 'fleet-a', pad: 'x'.repeat(LIMITS.maxLineBytes) })],
    ];
    for (const [what, value] of cases) {
      const r = await route(value);
      assert.equal(r.domain, null, what);
      assert.equal(r.readable, false, what);
    }
  });

  it("names a valid domain even on a record the pipeline will refuse: the refusal is that domain's", async () => {
    const broken = { ...observed, domain: 'fleet-b', time: 'yesterday' };
    const v = parseNdjsonLine(JSON.stringify(broken));
    assert.equal(v.ok, false);
    assert.equal(!v.ok && v.domain, 'fleet-b');
    assert.deepEqual(await route(ndjson(broken)), { domain: 'fleet-b', readable: true });
  });

  it("agrees with the validator on every line's domain (the one the pipeline files it under)", async () => {
    const domains: unknown[] = [undefined, null, 'default', 'fleet-a', 'a', 'x'.repeat(64), 'x'.repeat(65), '', '-a', 'a/b', 'A', 3, true, {}, []];
    const bodies: unknown[] = [observed, IDENTITY_V2['identity.retired'], { type: 'identity.nope' }, {}];
    for (const domain of domains) {
      for (const body of bodies) {
        const line = JSON.stringify({ ...(body as object), domain });
        const v = parseNdjsonLine(line);
        const filedUnder = v.ok ? v.event.domain ?? null : v.domain ?? null;
        assert.equal((await route(Buffer.from(line))).domain, filedUnder, line);
      }
    }
  });
});

describe('a forwarded record', () => {
  const message = {
    offset: 41, key: Buffer.from('identity-7'), value: Buffer.from('{"x":1}'), timestamp: '1767225600000',
    headers: { traceparent: Buffer.from('00-abc'), multi: [Buffer.from('a'), 'b'], [SOURCE_HEADER]: 'stale' },
  };

  it("is keyed and partitioned by its domain, with its value, headers and timestamp as consumed, plus its source", () => {
    const r = forwardedRecord(message, 'identity.events', 2, 'fleet-a', 12);
    assert.equal(r.key, domainKey('fleet-a'));
    assert.equal(r.partition, partitionOfDomain('fleet-a', 12));
    assert.equal(r.value, message.value);
    assert.equal(r.timestamp, message.timestamp);
    assert.deepEqual(r.headers, { traceparent: message.headers.traceparent, multi: message.headers.multi, [SOURCE_HEADER]: 'identity.events/2@41' });
  });

  it("of the default domain is keyed 'default'", () => {
    const r = forwardedRecord(message, 'identity.events', 0, null, 12);
    assert.equal(r.key, 'default');
    assert.equal(r.partition, partitionOfDomain('default', 12));
  });
});

describe('transactions of an input partition', () => {
  it('have a transactional id per (group, topic, partition), never shared by two of them', () => {
    const ids = [
      transactionalIdOf('g', 'identity.events', 0), transactionalIdOf('g', 'identity.events', 1),
      transactionalIdOf('g:identity.events', '1', 0), transactionalIdOf('h', 'identity.events', 0),
    ];
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(transactionalIdOf('campaign-stream-repartition', 'identity.events', 3), 'campaign-stream-repartition:identity.events:3');
  });

  it('send records in order, in requests no larger than the limit unless one record is', () => {
    const rec = (i: number, bytes: number): ForwardedRecord => ({ partition: i % 3, key: 'd', value: Buffer.alloc(bytes), headers: { h: 'v' }, timestamp: '0' });
    const records = [rec(0, 300), rec(1, 300), rec(2, 300), rec(3, 2_000), rec(4, 10)];
    const chunks = chunkRecords(records, 1_000);
    assert.deepEqual(chunks.flat(), records);
    assert.deepEqual(chunks.map((c) => c.length), [2, 1, 1, 1]);
  });
});
