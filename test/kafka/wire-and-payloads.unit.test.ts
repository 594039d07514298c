import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AVRO_TYPES, identityWireToAvro } from '../../src/adapters/avro/codec.ts';
import { SCHEMA_JSON } from '../../src/adapters/avro/schemas.ts';
import { MAX_ROW_MEMBERS, rowToWire } from '../../src/adapters/kafka/campaign-messages.ts';
import { KafkaAdapterError } from '../../src/adapters/kafka/errors.ts';
import { IdentityPayloadDecoder } from '../../src/adapters/kafka/identity-payloads.ts';
import type { SchemaRegistryClient } from '../../src/adapters/kafka/schema-registry.ts';
import { frame, isFramed, unframe } from '../../src/adapters/kafka/wire-format.ts';
import type { CampaignRow } from '../../src/domain/tables.ts';
import { IDENTITY_V1, IDENTITY_V1_AS_V2, IDENTITY_V2 } from '../fixtures/avro/samples.ts';
import { withSessionsCount } from '../runtime/support/avro-files.ts';

/** Our registry interface over a fixed table: what `prepare` asks and what it is told. */
class TableRegistry implements SchemaRegistryClient {
  asked: number[] = [];
  down = false;
  constructor(private readonly schemas: Record<number, string>) {}
  async register(): Promise<number> {
    throw new Error('not used');
  }
  async schemaById(id: number): Promise<string> {
    this.asked.push(id);
    if (this.down) throw new KafkaAdapterError('registry_unavailable', 'connection refused', true);
    const s = this.schemas[id];
    if (s === undefined) throw new KafkaAdapterError('schema_not_found', `no schema ${id}`);
    return s;
  }
}

const avro = (version: 1 | 2, id: number, wire: Record<string, unknown>): Buffer =>
  frame(id, AVRO_TYPES.identityEvent[version].toBuffer(identityWireToAvro(wire)));

describe('Confluent wire format', () => {
  it('frames a body behind magic byte 0 and a big-endian schema id, and reads it back', () => {
    const v = frame(258, Buffer.from('body'));
    assert.deepEqual([...v.subarray(0, 5)], [0, 0, 0, 1, 2]);
    assert.ok(isFramed(v));
    assert.deepEqual(unframe(v), { ok: true, schemaId: 258, body: Buffer.from('body') });
    assert.equal(unframe(Buffer.from([0, 1])).ok, false);
    assert.equal(isFramed(Buffer.from('{"type":1}')), false);
  });
});

describe('identity message payloads', () => {
  const observed = IDENTITY_V2['identity.observed'];

  it('decodes Avro with the writer schema of its id, an old writer resolved to the current shape', async () => {
    const registry = new TableRegistry({ 1: SCHEMA_JSON.identityEvent[1], 2: SCHEMA_JSON.identityEvent[2] });
    const d = new IdentityPayloadDecoder(registry);
    const v1 = avro(1, 1, IDENTITY_V1['identity.observed']);
    const v2 = avro(2, 2, observed);
    await d.prepare([v1, v2, v1]);
    assert.deepEqual(registry.asked.sort(), [1, 2], 'one lookup per schema id');
    assert.deepEqual(d.decode(v2).payload, { kind: 'object', value: observed });
    assert.deepEqual(d.decode(v1).payload, { kind: 'object', value: IDENTITY_V1_AS_V2['identity.observed'] });
  });

  it('passes NDJSON through as text without its line end, and refuses empty values', async () => {
    const d = new IdentityPayloadDecoder(null);
    await d.prepare([Buffer.from('{"a":1}\r\n'), null]);
    assert.deepEqual(d.decode(Buffer.from('{"a":1}\r\n')).payload, { kind: 'text', text: '{"a":1}' });
    assert.equal(d.decode(null).payload.kind, 'invalid');
    assert.equal(d.decode(Buffer.alloc(0)).payload.kind, 'invalid');
  });

  it('refuses an unknown schema id as the message\'s fault, and garbage under a known one as undecodable', async () => {
    const d = new IdentityPayloadDecoder(new TableRegistry({ 2: SCHEMA_JSON.identityEvent[2] }));
    const unknown = frame(77, Buffer.from('x'));
    const garbage = frame(2, Buffer.from([0xff, 0xff, 0xff]));
    await d.prepare([unknown, garbage]);
    const u = d.decode(unknown);
    assert.equal(u.deadLetterCode, 'unknown_schema');
    assert.deepEqual(u.payload.kind === 'invalid' && u.payload.code, 'undecodable');
    const g = d.decode(garbage);
    assert.equal(g.deadLetterCode, undefined);
    assert.match(g.payload.kind === 'invalid' ? g.payload.reason : '', /schema id 2/);
  });

  it('refuses a value whose array count claims 4,294,967,294 items as undecodable: a dead letter, not a crash loop', async () => {
    const d = new IdentityPayloadDecoder(new TableRegistry({ 2: SCHEMA_JSON.identityEvent[2] }));
    const value = frame(2, withSessionsCount(observed, 4_294_967_294n));
    await d.prepare([value]);
    const p = d.decode(value).payload;
    assert.equal(p.kind === 'invalid' && p.code, 'undecodable');
    assert.match(p.kind === 'invalid' ? p.reason : '', /block of 4294967294 items cannot fit/);
  });

  it('refuses text and Avro strings that are not UTF-8 as bad_encoding, never decoding them to U+FFFD', async () => {
    const d = new IdentityPayloadDecoder(new TableRegistry({ 2: SCHEMA_JSON.identityEvent[2] }));
    const text = Buffer.concat([Buffer.from('{"identity_uuid":"idp-'), Buffer.from([0xff]), Buffer.from('"}\n')]);
    const placeholder = 'idp-??';
    const body = AVRO_TYPES.identityEvent[2].toBuffer(identityWireToAvro({ ...observed, identity_uuid: placeholder }));
    const at = body.indexOf(Buffer.from(placeholder));
    const bad = frame(2, Buffer.concat([body.subarray(0, at), Buffer.from('idp-\xff\xfe', 'latin1'), body.subarray(at + placeholder.length)]));
    await d.prepare([text, bad]);
    for (const v of [text, bad]) {
      const p = d.decode(v).payload;
      assert.equal(p.kind === 'invalid' && p.code, 'bad_encoding', JSON.stringify(p));
    }
    const fffd = Buffer.from('{"identity_uuid":"idp-\ufffd"}');
    assert.deepEqual(d.decode(fffd).payload, { kind: 'text', text: '{"identity_uuid":"idp-\ufffd"}' }, 'U+FFFD itself is text like any other');
  });

  it('fails retriably while the registry is down, so the batch waits instead of refusing input', async () => {
    const registry = new TableRegistry({ 2: SCHEMA_JSON.identityEvent[2] });
    registry.down = true;
    const d = new IdentityPayloadDecoder(registry);
    await assert.rejects(d.prepare([avro(2, 2, observed)]), (e: unknown) => e instanceof KafkaAdapterError && e.retriable);
  });

  it('stops on Avro input when no registry is configured rather than refusing every message', async () => {
    const d = new IdentityPayloadDecoder(null);
    await assert.rejects(d.prepare([avro(2, 2, observed)]), (e: unknown) => e instanceof KafkaAdapterError && !e.retriable);
  });
});

describe('campaign row messages', () => {
  const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`);
  const row = (members: string[]): CampaignRow => ({
    uuid: 'c1', status: 'active', merged_into: null, formed_at: '2026-01-01T00:00:00Z', formed_sequence: 1,
    first_activity: null, last_activity: null, identity_count: members.length, members, payload_hashes: [],
    c2_endpoints: [], deckies: [], asns: [], confidence: 0.5, updated_at: '2026-01-01T00:00:00Z', updated_sequence: 9,
  });

  it('carry the whole member lists of a campaign up to the cap, untruncated', () => {
    const members = ids('i', MAX_ROW_MEMBERS);
    const wire = rowToWire({ row: row(members), merged_members: ['m-1'] });
    assert.deepEqual(wire.members, members);
    assert.equal(wire.members_truncated, false);
  });

  it('cut a larger list to its first identities, flag it, and keep identity_count exact', () => {
    const members = ids('i', MAX_ROW_MEMBERS + 5);
    const merged = ids('m', 3);
    const wire = rowToWire({ row: { ...row(members), identity_count: members.length + merged.length }, merged_members: merged });
    assert.deepEqual(wire.members, members.slice(0, MAX_ROW_MEMBERS));
    assert.deepEqual(wire.merged_members, merged);
    assert.equal(wire.members_truncated, true);
    assert.equal(wire.identity_count, MAX_ROW_MEMBERS + 8);
    assert.ok(AVRO_TYPES.campaignRow.toBuffer(wire).length < 1024 * 1024, 'the message stays far below the topic limit');
  });
});
