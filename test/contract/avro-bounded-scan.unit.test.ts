/**
 * The walk that checks Avro data against the bytes left before avsc decodes it
 * (src/adapters/avro/bounded-scan.ts): it accepts every value the codec writes, to the byte,
 * and refuses counts, lengths, indexes and nesting the data cannot hold, and strings that are
 * not UTF-8.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { MAX_DEPTH, scanValue, ZERO_BYTE_ITEMS_BUDGET } from '../../src/adapters/avro/bounded-scan.ts';
import { AVRO_TYPES, decodeIdentityEvent, encodeIdentityEvent, identityWireToAvro, AvroCodecError } from '../../src/adapters/avro/codec.ts';
import { firstInvalidUtf8, strictUtf8 } from '../../src/adapters/strict-utf8.ts';
import { IDENTITY_EVENT_TYPES } from '../../src/domain/identity-events.ts';
import { IDENTITY_V1, IDENTITY_V2, IDENTITY_V3, IDENTITY_V4, LAYER_TYPES } from '../fixtures/avro/samples.ts';
import { identityLines } from '../runtime/support/identity-stream.ts';
import { varint, withSessionsCount } from '../runtime/support/avro-files.ts';

const V4 = AVRO_TYPES.identityEvent[4];
const V3 = AVRO_TYPES.identityEvent[3];
const V2 = AVRO_TYPES.identityEvent[2];
const V1 = AVRO_TYPES.identityEvent[1];
const type = (schema: unknown) => avro.Type.forSchema(schema as avro.Schema, { wrapUnions: 'auto', registry: {} });

describe('bounded scan: valid data', () => {
  it('walks every value the codec writes to exactly its end (golden samples, v1 to v4, and 500 generated events)', () => {
    const values: Array<[avro.Type, Buffer]> = [
      ...IDENTITY_EVENT_TYPES.map((t): [avro.Type, Buffer] => [V4, encodeIdentityEvent(IDENTITY_V4[t])]),
      ...LAYER_TYPES.map((t): [avro.Type, Buffer] => [V4, encodeIdentityEvent(IDENTITY_V2[t])]),
      ...LAYER_TYPES.map((t): [avro.Type, Buffer] => [V3, V3.toBuffer(identityWireToAvro(IDENTITY_V3[t]))]),
      ...LAYER_TYPES.map((t): [avro.Type, Buffer] => [V2, V2.toBuffer(identityWireToAvro(IDENTITY_V2[t]))]),
      ...LAYER_TYPES.map((t): [avro.Type, Buffer] => [V1, V1.toBuffer({ [`campaign_stream.${{ 'identity.observed': 'IdentityObserved', 'identity.merged': 'IdentityMerged', 'identity.unmerged': 'IdentityUnmerged', 'identity.retired': 'IdentityRetired' }[t]}`]: IDENTITY_V1[t] })]),
      ...identityLines({ seed: 5, events: 500 }).map((l): [avro.Type, Buffer] => [V4, encodeIdentityEvent(JSON.parse(l))]),
    ];
    for (const [t, buf] of values) {
      const padded = Buffer.concat([Buffer.from([9, 9]), buf, Buffer.from([7])]);
      assert.deepEqual(scanValue(t, padded, 2), { ok: true, end: 2 + buf.length });
    }
  });

  it('accepts blocks written with a negative count and a byte size, as Java writers may', () => {
    const t = type({ type: 'array', items: 'string' });
    const items = Buffer.concat([Buffer.from([2, 0x61]), Buffer.from([2, 0x62])]);
    const buf = Buffer.concat([varint(-2n), varint(BigInt(items.length)), items, Buffer.from([0])]);
    assert.deepEqual(scanValue(t, buf), { ok: true, end: buf.length });
    assert.deepEqual(t.fromBuffer(buf), ['a', 'b']);
  });
});

describe('bounded scan: refusals', () => {
  const undecodable = (r: ReturnType<typeof scanValue>, pattern: RegExp): void => {
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'undecodable');
    assert.match(!r.ok ? r.reason : '', pattern);
  };

  it('refuses a block count the bytes left cannot hold (the 4,294,967,294-session record of issue #13), naming the field', () => {
    const r = scanValue(V2, withSessionsCount(IDENTITY_V2['identity.observed'], 4_294_967_294n));
    undecodable(r, /^observation\.sessions: a block of 4294967294 items cannot fit in the \d+ bytes left$/);
    assert.equal(!r.ok && r.code === 'undecodable' && r.short, true);
  });

  it('refuses lengths past the end, negative lengths, numbers longer than 10 bytes', () => {
    const s = type('string');
    undecodable(scanValue(s, Buffer.concat([varint(100n), Buffer.from('abc')])), /length 100, only 3 bytes left/);
    undecodable(scanValue(s, varint(-1n)), /negative length/);
    undecodable(scanValue(type('long'), Buffer.alloc(11, 0x80)), /longer than 10 bytes/);
    undecodable(scanValue(type('long'), Buffer.from([0x80])), /ends inside a number/);
    undecodable(scanValue(type('double'), Buffer.alloc(7)), /8 bytes needed, 7 left/);
  });

  it('refuses union and enum indexes out of range', () => {
    undecodable(scanValue(type(['null', 'string']), varint(2n)), /union branch 2 out of 0\.\.1/);
    undecodable(scanValue(type({ type: 'enum', name: 'E', symbols: ['A'] }), varint(1n)), /enum index 1 out of 0\.\.0/);
  });

  it('bounds items of zero-byte encoding by a budget per value, since no byte count can', () => {
    const nulls = type({ type: 'array', items: 'null' });
    assert.equal(scanValue(nulls, Buffer.concat([varint(BigInt(ZERO_BYTE_ITEMS_BUDGET)), Buffer.from([0])])).ok, true);
    undecodable(scanValue(nulls, Buffer.concat([varint(BigInt(ZERO_BYTE_ITEMS_BUDGET + 1)), Buffer.from([0])])), /empty items/);
  });

  it('refuses nesting deeper than the bound (a recursive writer schema nests one level per byte)', () => {
    const list = type({ type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }] });
    assert.equal(scanValue(list, Buffer.concat([Buffer.alloc(10, 2), Buffer.from([0])])).ok, true);
    undecodable(scanValue(list, Buffer.concat([Buffer.alloc(MAX_DEPTH + 2, 2), Buffer.from([0])])), /nested deeper than/);
  });

  it('marks a string that is not UTF-8 as bad_encoding and still finds the end of the value', () => {
    const r = type({ type: 'record', name: 'R', fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'long' }] });
    const buf = Buffer.concat([varint(3n), Buffer.from([0x61, 0xff, 0x62]), varint(5n)]);
    const res = scanValue(r, buf);
    assert.equal(res.ok, false);
    assert.equal(!res.ok && res.code, 'bad_encoding');
    assert.equal(!res.ok && res.code === 'bad_encoding' && res.end, buf.length);
    assert.match(!res.ok ? res.reason : '', /^id is not valid UTF-8 \(byte 1: \\xff/);
    const m = type({ type: 'map', values: 'int' });
    const res2 = scanValue(m, Buffer.concat([varint(1n), varint(1n), Buffer.from([0xc0]), varint(1n), Buffer.from([0])]));
    assert.equal(!res2.ok && res2.code, 'bad_encoding', 'map keys too');
  });
});

describe('the codec decodes only what the scan accepts', () => {
  it('an identity event whose id is not UTF-8 is an AvroCodecError with code bad_encoding', () => {
    const placeholder = 'i-?';
    const enc = encodeIdentityEvent({ ...IDENTITY_V2['identity.retired'], identity_uuid: placeholder });
    const at = enc.indexOf(Buffer.from(placeholder));
    const bad = Buffer.concat([enc.subarray(0, at), Buffer.from('i-\xff', 'latin1'), enc.subarray(at + 3)]);
    assert.throws(() => decodeIdentityEvent(bad), (e: unknown) => e instanceof AvroCodecError && e.code === 'bad_encoding' && !e.retriable);
  });

  it('trailing bytes and truncation are undecodable', () => {
    const enc = encodeIdentityEvent(IDENTITY_V2['identity.merged']);
    assert.throws(() => decodeIdentityEvent(Buffer.concat([enc, Buffer.from([0])])), (e: unknown) => e instanceof AvroCodecError && e.code === 'undecodable');
    assert.throws(() => decodeIdentityEvent(enc.subarray(0, enc.length - 1)), (e: unknown) => e instanceof AvroCodecError && e.code === 'undecodable');
  });
});

describe('strict UTF-8', () => {
  it('decodes valid UTF-8 (U+FFFD itself included) and refuses invalid, overlong and surrogate sequences', () => {
    assert.equal(strictUtf8(Buffer.from('idp-\ufffd')), 'idp-\ufffd');
    for (const hex of ['ff', 'c0af', 'e080af', 'eda080', 'f4908080', 'c3', 'e282']) {
      const b = Buffer.concat([Buffer.from('ab'), Buffer.from(hex, 'hex')]);
      assert.equal(strictUtf8(b), null, hex);
      assert.equal(firstInvalidUtf8(b), 2, hex);
    }
    assert.equal(firstInvalidUtf8(Buffer.from('€ é 𝄞')), -1);
  });
});
