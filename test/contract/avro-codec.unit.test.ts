/**
 * Schema files and codec behaviour beyond the golden files: the evolution rule between the
 * identity-event versions, union handling, error paths, campaign rows.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import avro from 'avsc';
import {
  AVRO_TYPES, AvroCodecError, campaignEventFromAvro, campaignEventToAvro, campaignRowToAvro, decodeAndValidateIdentityEvent,
  decodeCampaignEvent, decodeCampaignRow, decodeIdentityEvent, encodeCampaignEvent, encodeCampaignRow,
  encodeDomainIdentityEvent, encodeIdentityEvent, identityAvroToWire, identityWireToAvro,
  type CampaignRowWire,
} from '../../src/adapters/avro/codec.ts';
import {
  CAMPAIGN_EVENT_SCHEMA_VERSION, CAMPAIGN_ROW_SCHEMA_VERSION, IDENTITY_SCHEMA_VERSION, NAMESPACE, SCHEMA_DIR, SCHEMA_JSON,
  loadSchemaFile, valueSubject,
} from '../../src/adapters/avro/schemas.ts';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import { CAMPAIGN_EVENT_TYPES } from '../../src/domain/campaign-events.ts';
import { validateIdentityEvent } from '../../src/domain/validate.ts';
import { CAMPAIGN_EVENTS, CAMPAIGN_EVENTS_V3, IDENTITY_V2, ROW, ROW_V3 } from '../fixtures/avro/samples.ts';

type Json = Record<string, unknown>;

/** Every named record of a schema, by full name, with its fields. */
function records(schema: unknown, ns = '', out = new Map<string, Json[]>()): Map<string, Json[]> {
  if (Array.isArray(schema)) {
    for (const s of schema) records(s, ns, out);
  } else if (schema !== null && typeof schema === 'object') {
    const s = schema as Json;
    const space = typeof s.namespace === 'string' ? s.namespace : ns;
    if (s.type === 'record') {
      out.set(`${space}.${String(s.name)}`, s.fields as Json[]);
      for (const f of s.fields as Json[]) records(f.type, space, out);
    } else if (s.type === 'array') records(s.items, space, out);
    else if (s.type === 'map') records(s.values, space, out);
  }
  return out;
}

describe('schema files', () => {
  it('every .avsc file parses with avsc, all names in the campaign_stream namespace', () => {
    const files = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.avsc')).sort();
    assert.deepStrictEqual(files, [
      'campaign-event.avsc', 'campaign-event.v1.avsc', 'campaign-event.v2.avsc', 'campaign-event.v3.avsc', 'campaign-row.avsc',
      'campaign-row.v1.avsc', 'campaign-row.v2.avsc', 'identity-event.avsc', 'identity-event.v1.avsc', 'identity-event.v2.avsc',
      'identity-event.v3.avsc',
    ]);
    for (const f of files) {
      const schema = loadSchemaFile(f);
      avro.Type.forSchema(schema as avro.Schema, { registry: {} });
      for (const name of records(schema).keys()) assert.ok(name.startsWith(`${NAMESPACE}.`), `${f}: ${name}`);
    }
  });

  it('the identity-event value schema is the union of the nine event records, in a fixed order (v4 appended the overrides)', () => {
    const schema = loadSchemaFile('identity-event.avsc') as Json[];
    assert.deepStrictEqual(schema.map((r) => r.name), [
      'IdentityObserved', 'IdentityMerged', 'IdentityUnmerged', 'IdentityRetired',
      'AnalystMustLink', 'AnalystCannotLink', 'AnalystPin', 'AnalystLabel', 'AnalystRevoke',
    ]);
    assert.deepStrictEqual([...records(schema).keys()].sort(), [
      'campaign_stream.AnalystCannotLink', 'campaign_stream.AnalystLabel', 'campaign_stream.AnalystMustLink', 'campaign_stream.AnalystPin',
      'campaign_stream.AnalystRevoke', 'campaign_stream.IdentityMerged', 'campaign_stream.IdentityObserved', 'campaign_stream.IdentityRetired',
      'campaign_stream.IdentityUnmerged', 'campaign_stream.Observation', 'campaign_stream.Session', 'campaign_stream.TtpEntry',
    ]);
  });

  for (const [older, newer] of [
    ['identity-event.v1.avsc', 'identity-event.v2.avsc'], ['identity-event.v2.avsc', 'identity-event.v3.avsc'],
    ['identity-event.v3.avsc', 'identity-event.avsc'],
  ] as const) it(`evolution rule ${older} → ${newer}: no field removed, renamed or retyped; every added field has a default`, () => {
    const v1 = records(loadSchemaFile(older));
    const v2 = records(loadSchemaFile(newer));
    for (const [name, fields1] of v1) {
      const fields2 = v2.get(name);
      assert.ok(fields2, `record ${name} must still exist`);
      const names2 = new Map(fields2.map((f) => [f.name, f]));
      for (const f1 of fields1) {
        const f2 = names2.get(f1.name);
        assert.ok(f2, `${name}.${String(f1.name)} must still exist`);
        // Allowed widening: T → ["null", T] with a null default (TtpEntry.tactic).
        const t1 = JSON.stringify(f1.type);
        const t2 = JSON.stringify(f2.type);
        if (t1 !== t2 && !(typeof f1.type === 'string' && t2 === JSON.stringify(['null', f1.type]) && f2.default === null)) {
          // Named nested types are compared record by record through `records`.
          assert.ok(typeof f1.type === 'object' && typeof f2.type === 'object', `${name}.${String(f1.name)} retyped`);
        }
      }
      const names1 = new Set(fields1.map((f) => f.name));
      for (const f2 of fields2) {
        if (!names1.has(f2.name)) assert.ok('default' in f2, `added field ${name}.${String(f2.name)} needs a default`);
      }
    }
    // Union branches are only ever appended.
    const u1 = (loadSchemaFile(older) as Json[]).map((r) => r.name);
    const u2 = (loadSchemaFile(newer) as Json[]).map((r) => r.name);
    assert.deepStrictEqual(u2.slice(0, u1.length), u1);
  });

  it('campaign-event v1 → v2: every v1 field kept as it was; the evidence gains raw_weight and adjusted, both null by default', () => {
    const v1 = records(loadSchemaFile('campaign-event.v1.avsc'));
    const v2 = records(loadSchemaFile('campaign-event.v2.avsc'));
    for (const [name, fields1] of v1) {
      const fields2 = v2.get(name);
      assert.ok(fields2, `record ${name} must still exist`);
      const byName = new Map(fields2.map((f) => [f.name, f]));
      for (const f1 of fields1) {
        const f2 = byName.get(f1.name);
        assert.ok(f2, `${name}.${String(f1.name)} must still exist`);
        if (typeof f1.type === 'string' || typeof f2.type === 'string') assert.deepStrictEqual(f2.type, f1.type, `${name}.${String(f1.name)} retyped`);
      }
      const names1 = new Set(fields1.map((f) => f.name));
      const added = fields2.filter((f) => !names1.has(f.name));
      for (const f of added) assert.equal(f.default, null, `added field ${name}.${String(f.name)} must default to null`);
      assert.deepStrictEqual(added.map((f) => f.name), name === 'campaign_stream.EdgeEvidence' ? ['raw_weight', 'adjusted'] : []);
    }
    assert.doesNotThrow(() => avro.Type.forSchema(loadSchemaFile('campaign-event.avsc') as avro.Schema, { registry: {} })
      .createResolver(avro.Type.forSchema(loadSchemaFile('campaign-event.v1.avsc') as avro.Schema, { registry: {} })));
  });

  for (const name of ['campaign-event', 'campaign-row'] as const) {
    it(`${name} v2 → v3: the frozen v2 file plus one last field, domain ["null","string"] default null; nothing else changed`, () => {
      const v2 = loadSchemaFile(`${name}.v2.avsc`) as Json & { fields: Json[] };
      const v3 = loadSchemaFile(name === 'campaign-event' ? 'campaign-event.v3.avsc' : `${name}.avsc`) as Json & { fields: Json[] };
      assert.deepStrictEqual(v3.fields.slice(0, v2.fields.length), v2.fields, 'no v2 field changed, moved or removed');
      assert.deepStrictEqual(v3.fields.slice(v2.fields.length).map((f) => [f.name, f.type, f.default]), [['domain', ['null', 'string'], null]]);
      assert.deepStrictEqual({ ...v3, fields: [], doc: '' }, { ...v2, fields: [], doc: '' }, 'same record name and namespace');
    });
  }

  it('the current (v4) reader can resolve the v1, v2 and v3 writers (avsc createResolver)', () => {
    assert.doesNotThrow(() => AVRO_TYPES.identityEvent[2].createResolver(AVRO_TYPES.identityEvent[1]));
    assert.doesNotThrow(() => AVRO_TYPES.identityEvent[3].createResolver(AVRO_TYPES.identityEvent[1]));
    assert.doesNotThrow(() => AVRO_TYPES.identityEvent[3].createResolver(AVRO_TYPES.identityEvent[2]));
    for (const older of [1, 2, 3] as const) assert.doesNotThrow(() => AVRO_TYPES.identityEvent[4].createResolver(AVRO_TYPES.identityEvent[older]));
    assert.equal(IDENTITY_SCHEMA_VERSION, 4);
  });

  it('the current campaign-event (v4) and campaign-row (v3) readers resolve every older writer, and v2 readers resolve v3', () => {
    const t = (f: string): avro.Type => avro.Type.forSchema(loadSchemaFile(f) as avro.Schema, { registry: {} });
    for (const older of ['campaign-event.v1.avsc', 'campaign-event.v2.avsc', 'campaign-event.v3.avsc']) {
      assert.doesNotThrow(() => AVRO_TYPES.campaignEvent.createResolver(t(older)));
    }
    for (const older of ['campaign-row.v1.avsc', 'campaign-row.v2.avsc']) assert.doesNotThrow(() => AVRO_TYPES.campaignRow.createResolver(t(older)));
    assert.doesNotThrow(() => AVRO_TYPES.campaignEventV2.createResolver(AVRO_TYPES.campaignEventV3));
    assert.doesNotThrow(() => AVRO_TYPES.campaignRowV2.createResolver(AVRO_TYPES.campaignRow));
    assert.equal(CAMPAIGN_EVENT_SCHEMA_VERSION, 4);
    assert.equal(CAMPAIGN_ROW_SCHEMA_VERSION, 3);
  });

  it('schema JSON strings are compact and round-trip to the files', () => {
    assert.deepStrictEqual(JSON.parse(SCHEMA_JSON.identityEvent[4]), loadSchemaFile('identity-event.avsc'));
    assert.deepStrictEqual(JSON.parse(SCHEMA_JSON.identityEvent[3]), loadSchemaFile('identity-event.v3.avsc'));
    assert.deepStrictEqual(JSON.parse(SCHEMA_JSON.campaignEventV3), loadSchemaFile('campaign-event.v3.avsc'));
    assert.deepStrictEqual(JSON.parse(SCHEMA_JSON.identityEvent[2]), loadSchemaFile('identity-event.v2.avsc'));
    assert.deepStrictEqual(JSON.parse(SCHEMA_JSON.identityEvent[1]), loadSchemaFile('identity-event.v1.avsc'));
    assert.deepStrictEqual(JSON.parse(SCHEMA_JSON.campaignEvent), loadSchemaFile('campaign-event.avsc'));
    assert.deepStrictEqual(JSON.parse(SCHEMA_JSON.campaignEventV2), loadSchemaFile('campaign-event.v2.avsc'));
    assert.deepStrictEqual(JSON.parse(SCHEMA_JSON.campaignRow), loadSchemaFile('campaign-row.avsc'));
    assert.deepStrictEqual(JSON.parse(SCHEMA_JSON.campaignRowV2), loadSchemaFile('campaign-row.v2.avsc'));
    assert.ok(!/\n/.test(SCHEMA_JSON.campaignEvent));
  });

  it('subjects follow the TopicNameStrategy', () => {
    assert.equal(valueSubject('campaign.events'), 'campaign.events-value');
  });

  it('the campaign-event payload union has one record per event type', () => {
    const schema = loadSchemaFile('campaign-event.avsc') as Json;
    const payload = (schema.fields as Json[]).find((f) => f.name === 'payload');
    assert.ok(payload && Array.isArray(payload.type));
    assert.equal(payload.type.length, CAMPAIGN_EVENT_TYPES.length);
  });
});

describe('identity-event codec', () => {
  it('the issue example (ttp by tactic, no end, missing optional fields) encodes, decodes and validates', () => {
    const wire = {
      type: 'identity.observed', event_id: 'e1', identity_uuid: 'i1', version: 1, time: '2026-01-01T04:39:41Z',
      observation: {
        sessions: [{ start: '2026-01-01T04:39:41Z', end: '2026-01-01T04:39:46Z', decky: 'decky-05' }],
        ttp: [
          { decky: 'decky-05', phase: 'exploitation', start: '2026-01-01T04:39:41Z', end: '2026-01-01T04:39:46Z' },
          { decky: 'decky-05', tactic: 'TA0011', start: '2026-01-01T05:00:00Z' },
        ],
        payload_hashes: ['ab12'], c2_endpoints: ['c2.example'], asn: 14061, tools: [],
        ja3: null, hassh: null, kd_simhash: '0123456789abcdef',
      },
      unknown_extra: { ignored: true },
    };
    const viaAvro = decodeAndValidateIdentityEvent(encodeIdentityEvent(wire));
    assert.deepStrictEqual(viaAvro, validateIdentityEvent(wire));
    assert.ok(viaAvro.ok);
  });

  it('missing and null lists are written as empty lists, missing scalars as null', () => {
    const decoded = decodeIdentityEvent(encodeIdentityEvent({
      type: 'identity.observed', event_id: 'e', time: '2026-01-01T00:00:00Z', identity_uuid: 'i', version: 3,
      observation: { tools: null },
    }));
    assert.deepStrictEqual(decoded.observation, {
      sessions: [], ttp: [], payload_hashes: [], c2_endpoints: [], asn: null, tools: [], ja3: null, hassh: null,
      kd_simhash: null,
    });
  });

  it('domain events encode through identityEventToWire', () => {
    const r = validateIdentityEvent(IDENTITY_V2['identity.observed']);
    assert.ok(r.ok);
    const back = decodeAndValidateIdentityEvent(encodeDomainIdentityEvent(r.event));
    assert.deepStrictEqual(back, r);
  });

  it('wrappers stay inside the codec: wire ↔ avro value', () => {
    for (const wire of Object.values(IDENTITY_V2)) {
      const value = identityWireToAvro(wire);
      assert.deepStrictEqual(Object.keys(value), [`${NAMESPACE}.${({
        'identity.observed': 'IdentityObserved', 'identity.merged': 'IdentityMerged',
        'identity.unmerged': 'IdentityUnmerged', 'identity.retired': 'IdentityRetired',
      } as Record<string, string>)[wire.type as string]}`]);
      assert.deepStrictEqual(identityAvroToWire(AVRO_TYPES.identityEvent[2].fromBuffer(AVRO_TYPES.identityEvent[2].toBuffer(value))), wire);
    }
  });

  it('an unknown type cannot be encoded', () => {
    assert.throws(() => encodeIdentityEvent({ type: 'identity.bogus', event_id: 'e', time: 't' }), AvroCodecError);
  });

  it('a value that does not fit the schema gives an error naming the field', () => {
    assert.throws(
      () => encodeIdentityEvent({ type: 'identity.merged', event_id: 'e', time: 't', winner_uuid: 'a', loser_uuid: 5 }),
      (e: unknown) => e instanceof AvroCodecError && /loser_uuid/.test(e.message),
    );
  });

  it('a record whose type field disagrees with its branch is refused', () => {
    const t = AVRO_TYPES.identityEvent[3];
    const bytes = t.toBuffer({
      [`${NAMESPACE}.IdentityRetired`]: { type: 'identity.merged', event_id: 'e', time: 't', identity_uuid: 'i', domain: null },
    });
    assert.throws(() => decodeIdentityEvent(bytes), AvroCodecError);
    const r = decodeAndValidateIdentityEvent(bytes);
    assert.equal(!r.ok && r.code, 'undecodable');
  });

  it('garbage, truncated and over-long buffers are undecodable, never thrown', () => {
    const good = encodeIdentityEvent(IDENTITY_V2['identity.observed']);
    for (const buf of [
      Buffer.alloc(0), Buffer.from([0x7f]), good.subarray(0, good.length - 3),
      Buffer.concat([good, Buffer.from([0])]), Buffer.from('{"type":"identity.retired"}'),
    ]) {
      const r = decodeAndValidateIdentityEvent(buf);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.code, 'undecodable');
    }
  });

  it('an incompatible or invalid writer schema is reported, not thrown', () => {
    const good = encodeIdentityEvent(IDENTITY_V2['identity.retired']);
    const r1 = decodeAndValidateIdentityEvent(good, '{"type":"record","name":"X","fields":[]}');
    assert.equal(!r1.ok && r1.code, 'undecodable');
    const r2 = decodeAndValidateIdentityEvent(good, 'not json');
    assert.equal(!r2.ok && r2.code, 'undecodable');
  });
});

describe('campaign-event codec', () => {
  it('the payload branch follows the type, and payload shape mismatches are refused', () => {
    for (const ev of Object.values(CAMPAIGN_EVENTS)) {
      const value = campaignEventToAvro(ev);
      const branches = Object.keys(value.payload as object);
      assert.equal(branches.length, 1);
      assert.deepStrictEqual(campaignEventFromAvro(AVRO_TYPES.campaignEvent.fromBuffer(encodeCampaignEvent(ev))), ev);
    }
    const wrong = { ...CAMPAIGN_EVENTS['campaign.merged'], type: 'campaign.formed' } as unknown as CampaignEvent;
    assert.throws(() => encodeCampaignEvent(wrong), AvroCodecError);
  });

  it('an unknown campaign event type cannot be encoded', () => {
    const bogus = { ...CAMPAIGN_EVENTS['campaign.merged'], type: 'campaign.bogus' } as unknown as CampaignEvent;
    assert.throws(() => encodeCampaignEvent(bogus), AvroCodecError);
  });

  it('a type/payload mismatch in the bytes is refused on decode', () => {
    const value = campaignEventToAvro(CAMPAIGN_EVENTS['campaign.merged']);
    const bytes = AVRO_TYPES.campaignEvent.toBuffer({ ...value, type: 'campaign.unmerged' });
    assert.throws(() => decodeCampaignEvent(bytes), AvroCodecError);
  });

  it('an event in a domain round-trips with its domain; one of the default domain without a domain key', () => {
    for (const ev of [...Object.values(CAMPAIGN_EVENTS_V3), ...Object.values(CAMPAIGN_EVENTS)]) {
      const back = decodeCampaignEvent(encodeCampaignEvent(ev));
      assert.deepStrictEqual(back, ev);
      assert.equal(JSON.stringify(back), JSON.stringify(ev), 'key order as the log holds it: domain last, or none');
    }
  });

  it('a default-domain event (domain absent or undefined) encodes under v3 to its v2 bytes plus the null branch', () => {
    for (const ev of Object.values(CAMPAIGN_EVENTS)) {
      const v2 = AVRO_TYPES.campaignEventV2.toBuffer(campaignEventToAvro(ev));
      assert.deepStrictEqual(AVRO_TYPES.campaignEventV3.toBuffer(campaignEventToAvro(ev)), Buffer.concat([v2, Buffer.from([0])]));
      assert.deepStrictEqual(encodeCampaignEvent({ ...ev, domain: undefined } as CampaignEvent), encodeCampaignEvent(ev));
    }
  });

  it('extra domain fields are not written, and the bytes do not depend on key order', () => {
    const ev = CAMPAIGN_EVENTS['campaign.merged'];
    const reordered = {
      evidence: ev.evidence, payload: { loser_uuid: 'c2', winner_uuid: 'c1', extra: 1 }, batch: ev.batch,
      time: ev.time, type: ev.type, sequence: ev.sequence, event_id: ev.event_id,
    } as unknown as CampaignEvent;
    assert.deepStrictEqual(encodeCampaignEvent(reordered), encodeCampaignEvent(ev));
  });
});

describe('campaign-row codec', () => {
  const row: CampaignRowWire = { ...ROW, confidence: null };
  it('round-trips to plain data, a row in a domain with its domain (last), one of the default domain without', () => {
    assert.deepStrictEqual(decodeCampaignRow(encodeCampaignRow(row)), row);
    assert.ok(!('domain' in decodeCampaignRow(encodeCampaignRow(row))));
    const back = decodeCampaignRow(encodeCampaignRow(ROW_V3));
    assert.deepStrictEqual(back, ROW_V3);
    assert.deepStrictEqual(Object.keys(back).at(-1), 'domain');
  });
  it('a default-domain row encodes to its v2 bytes plus the null branch', () => {
    const v2 = AVRO_TYPES.campaignRowV2.toBuffer(campaignRowToAvro(row));
    assert.deepStrictEqual(encodeCampaignRow(row), Buffer.concat([v2, Buffer.from([0])]));
  });
  it('v2 only adds members_truncated (default false): v1 data reads as untruncated, and a v1 reader reads current data', () => {
    const v1 = loadSchemaFile('campaign-row.v1.avsc') as { fields: Json[] };
    const v2 = loadSchemaFile('campaign-row.v2.avsc') as { fields: Json[] };
    assert.deepStrictEqual(v2.fields.slice(0, v1.fields.length), v1.fields, 'no v1 field changed, moved or removed');
    assert.deepStrictEqual(v2.fields.slice(v1.fields.length).map((f) => [f.name, f.default]), [['members_truncated', false]]);
    const v1Type = avro.Type.forSchema(v1 as avro.Schema, { registry: {} });
    const { members_truncated: _, ...v1Row } = row;
    const old = v1Type.toBuffer(v1Row);
    assert.deepStrictEqual(decodeCampaignRow(old, v1), row);
    assert.deepStrictEqual({ ...v1Type.fromBuffer(encodeCampaignRow(row), v1Type.createResolver(AVRO_TYPES.campaignRow)) }, v1Row);
    assert.deepStrictEqual({ ...v1Type.fromBuffer(encodeCampaignRow({ ...row, domain: 'fleet-b' }), v1Type.createResolver(AVRO_TYPES.campaignRow)) }, v1Row);
  });
  it('refuses an unknown status', () => {
    assert.throws(() => encodeCampaignRow({ ...row, status: 'dead' as 'active' }), AvroCodecError);
  });
});
