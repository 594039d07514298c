/**
 * Golden-file contract of the Avro wire format (test/fixtures/avro, written by generate.ts):
 * (a) every golden file decodes under the current reader to the expected plain object;
 * (b) re-encoding with the current writer gives the very same bytes (current versions only);
 * (c) data of every older writer (v1, v2, v3) resolves under the current reader (v4), and the
 *     frozen older schemas still write their golden bytes.
 * The same holds for campaign events (v3 added `domain`, v4 `campaign.labelled` and the
 * evidence's `override`) and rows (v3 added `domain`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  AVRO_TYPES, AvroCodecError, campaignEventToAvro, campaignRowToAvro, decodeAndValidateIdentityEvent, decodeCampaignEvent,
  decodeCampaignRow, decodeIdentityEvent, encodeCampaignEvent, encodeCampaignRow, encodeIdentityEvent, identityWireToAvro,
} from '../../src/adapters/avro/codec.ts';
import { SCHEMA_JSON } from '../../src/adapters/avro/schemas.ts';
import { CAMPAIGN_EVENT_TYPES } from '../../src/domain/campaign-events.ts';
import { IDENTITY_EVENT_TYPES } from '../../src/domain/identity-events.ts';
import { validateIdentityEvent } from '../../src/domain/validate.ts';
import {
  ADJUSTED_FORMED, ANALYST_TYPES, ANALYST_V4, CAMPAIGN_EVENTS, CAMPAIGN_EVENTS_V3, CAMPAIGN_EVENTS_V4, IDENTITY_V1_AS_V2, IDENTITY_V2,
  IDENTITY_V3, IDENTITY_V4, LABELLED, LAYER_TYPES, OVERRIDE_ASSIGNED, ROW, ROW_V3, SAMPLE_DOMAIN, V3_CAMPAIGN_TYPES, goldenName,
} from '../fixtures/avro/samples.ts';

const golden = (name: string): Buffer => readFileSync(new URL(`../fixtures/avro/${name}`, import.meta.url));

/** True when a decoded value contains only plain objects/arrays (no avsc classes or wrappers). */
const isPlain = (v: unknown): boolean => {
  if (v === null || typeof v !== 'object') return true;
  if (Array.isArray(v)) return v.every(isPlain);
  return Object.getPrototypeOf(v) === Object.prototype && Object.values(v).every(isPlain);
};

describe('identity-event golden files, current version (v4)', () => {
  for (const type of IDENTITY_EVENT_TYPES) {
    const name = goldenName('identity-event', 4, type);
    it(`${name} decodes to the expected plain object, domain included`, () => {
      const decoded = decodeIdentityEvent(golden(name));
      assert.deepStrictEqual(decoded, IDENTITY_V4[type]);
      assert.ok(isPlain(decoded), 'decoded value must be plain data');
    });
    it(`${name} is byte-identical when re-encoded`, () => {
      const bytes = golden(name);
      assert.deepStrictEqual(encodeIdentityEvent(decodeIdentityEvent(bytes)), bytes);
      assert.deepStrictEqual(encodeIdentityEvent(IDENTITY_V4[type]), bytes);
    });
    it(`${name} is a valid event of its domain`, () => {
      const r = decodeAndValidateIdentityEvent(golden(name));
      if (!r.ok) assert.fail(r.reason);
      assert.equal(r.event.domain, 'fleet-a.eu_1');
    });
  }
  for (const type of ANALYST_TYPES) {
    it(`${type} of the default domain decodes to exactly what its NDJSON line parses to, and validates the same`, () => {
      const bytes = golden(goldenName('identity-event', 4, `${type}.default`));
      const decoded = decodeIdentityEvent(bytes);
      assert.deepStrictEqual(decoded, ANALYST_V4[type]);
      assert.deepStrictEqual(decodeAndValidateIdentityEvent(bytes), validateIdentityEvent(JSON.parse(JSON.stringify(ANALYST_V4[type]))));
    });
  }
  it('v4 appended the overrides to the union: an identity-layer event\'s v4 bytes are its v3 bytes', () => {
    for (const type of LAYER_TYPES) assert.deepStrictEqual(golden(goldenName('identity-event', 4, type)), golden(goldenName('identity-event', 3, type)));
  });
  it('the v3 schema cannot write an override (a v3 reader could not read it)', () => {
    assert.throws(() => AVRO_TYPES.identityEvent[3].toBuffer(identityWireToAvro(ANALYST_V4['analyst.pin'])));
  });
});

describe('identity-event golden files, v3 writer under the v4 reader', () => {
  for (const type of LAYER_TYPES) {
    const name = goldenName('identity-event', 3, type);
    it(`${name} resolves to the same event, domain included`, () => {
      for (const writer of [SCHEMA_JSON.identityEvent[3], AVRO_TYPES.identityEvent[3]]) {
        const decoded = decodeIdentityEvent(golden(name), writer);
        assert.deepStrictEqual(decoded, IDENTITY_V3[type]);
        assert.ok(isPlain(decoded), 'decoded value must be plain data');
      }
    });
    it(`${name}: the frozen v3 schema still writes exactly these bytes`, () => {
      assert.deepStrictEqual(AVRO_TYPES.identityEvent[3].toBuffer(identityWireToAvro(IDENTITY_V3[type])), golden(name));
    });
  }
  it('the frozen v3 file is the current schema without the analyst records', () => {
    const v3 = JSON.parse(SCHEMA_JSON.identityEvent[3]) as Array<{ name: string; fields: unknown[] }>;
    const v4 = JSON.parse(SCHEMA_JSON.identityEvent[4]) as Array<{ name: string; fields: unknown[] }>;
    assert.deepStrictEqual(v4.slice(0, v3.length).map((r) => [r.name, r.fields]), v3.map((r) => [r.name, r.fields]));
    assert.deepStrictEqual(v4.slice(v3.length).map((r) => r.name), ['AnalystMustLink', 'AnalystCannotLink', 'AnalystPin', 'AnalystLabel', 'AnalystRevoke']);
  });
  it('an event of the default domain: domain null on the wire, absent once decoded (as its NDJSON line)', () => {
    const bytes = golden(goldenName('identity-event', 3, 'identity.observed.default'));
    assert.deepStrictEqual(decodeIdentityEvent(bytes), IDENTITY_V2['identity.observed']);
    assert.deepStrictEqual(encodeIdentityEvent(IDENTITY_V2['identity.observed']), bytes);
    const r = decodeAndValidateIdentityEvent(bytes);
    assert.ok(r.ok && r.event.domain === undefined && !('domain' in r.event));
    // v3 only appends the domain: the v2 bytes of the event are its prefix, then the null branch (0).
    const v2 = golden(goldenName('identity-event', 2, 'identity.observed'));
    assert.deepStrictEqual(bytes, Buffer.concat([v2, Buffer.from([0])]));
  });
});

describe('identity-event golden files, v2 writer under the v4 reader', () => {
  for (const type of LAYER_TYPES) {
    const name = goldenName('identity-event', 2, type);
    it(`${name} resolves to the same event in the default domain`, () => {
      for (const writer of [SCHEMA_JSON.identityEvent[2], AVRO_TYPES.identityEvent[2], JSON.parse(SCHEMA_JSON.identityEvent[2]) as object]) {
        const decoded = decodeIdentityEvent(golden(name), writer);
        assert.deepStrictEqual(decoded, IDENTITY_V2[type]);
        assert.ok(isPlain(decoded));
      }
      const r = decodeAndValidateIdentityEvent(golden(name), SCHEMA_JSON.identityEvent[2]);
      if (!r.ok) assert.fail(r.reason);
      assert.deepStrictEqual(r, validateIdentityEvent(IDENTITY_V2[type]));
      assert.equal(r.event.domain, undefined);
    });
    it(`${name}: the frozen v2 schema still writes exactly these bytes`, () => {
      assert.deepStrictEqual(AVRO_TYPES.identityEvent[2].toBuffer(identityWireToAvro(IDENTITY_V2[type])), golden(name));
    });
  }
  it('the frozen v2 file is the v2 schema: the current one is it plus a nullable domain per record, default null', () => {
    const v2 = JSON.parse(SCHEMA_JSON.identityEvent[2]) as Array<{ fields: Array<{ name: string }> }>;
    const v3 = JSON.parse(SCHEMA_JSON.identityEvent[3]) as Array<{ fields: Array<{ name: string; type: unknown; default?: unknown }> }>;
    assert.equal(v3.length, v2.length);
    for (let k = 0; k < v3.length; k++) {
      const added = v3[k].fields.slice(v2[k].fields.length);
      assert.deepStrictEqual(v3[k].fields.slice(0, v2[k].fields.length).map((f) => f.name), v2[k].fields.map((f) => f.name));
      assert.deepStrictEqual(added.map((f) => [f.name, f.type, f.default]), [['domain', ['null', 'string'], null]]);
    }
  });
  it('v2 bytes read without their writer schema are not accepted as v4 (the writer schema is needed)', () => {
    const r = decodeAndValidateIdentityEvent(golden(goldenName('identity-event', 2, 'identity.merged')));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'undecodable');
  });
});

describe('identity-event golden files, v1 writer under the v4 reader', () => {
  for (const type of LAYER_TYPES) {
    const name = goldenName('identity-event', 1, type);
    it(`${name} resolves (writer schema as JSON string) with the v2 and v3 defaults`, () => {
      const decoded = decodeIdentityEvent(golden(name), SCHEMA_JSON.identityEvent[1]);
      assert.deepStrictEqual(decoded, IDENTITY_V1_AS_V2[type]);
      assert.ok(isPlain(decoded));
    });
    it(`${name} resolves (writer schema as avsc Type and as parsed JSON)`, () => {
      assert.deepStrictEqual(decodeIdentityEvent(golden(name), AVRO_TYPES.identityEvent[1]), IDENTITY_V1_AS_V2[type]);
      assert.deepStrictEqual(
        decodeIdentityEvent(golden(name), JSON.parse(SCHEMA_JSON.identityEvent[1]) as object),
        IDENTITY_V1_AS_V2[type],
      );
    });
    it(`${name} validates like the equivalent v2 event`, () => {
      const r = decodeAndValidateIdentityEvent(golden(name), SCHEMA_JSON.identityEvent[1]);
      if (!r.ok) assert.fail(r.reason);
      assert.deepStrictEqual(r, validateIdentityEvent(IDENTITY_V1_AS_V2[type]));
    });
  }

  it('the v1 observation keeps its tactics: mapped ones become phases, the unmapped one is counted', () => {
    const r = decodeAndValidateIdentityEvent(
      golden(goldenName('identity-event', 1, 'identity.observed')), SCHEMA_JSON.identityEvent[1],
    );
    assert.ok(r.ok);
    assert.equal(r.unmappedTactics, 1);
    assert.ok(r.event.type === 'identity.observed');
    assert.deepStrictEqual(r.event.observation.ttp.map((t) => t.phase), ['delivery', 'command_and_control']);
    assert.deepStrictEqual(r.event.observation.tools, []);
    assert.equal(r.event.observation.ja3, null);
  });

  it('v1 bytes read without their writer schema are not accepted as v4 (the writer schema is needed)', () => {
    const bytes = golden(goldenName('identity-event', 1, 'identity.observed'));
    const r = decodeAndValidateIdentityEvent(bytes);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'undecodable');
  });
});

describe('campaign-event golden files, current version (v4)', () => {
  for (const type of CAMPAIGN_EVENT_TYPES) {
    const name = goldenName('campaign-event', 4, type);
    it(`${name} decodes to the expected event, domain last`, () => {
      const decoded = decodeCampaignEvent(golden(name));
      assert.deepStrictEqual(decoded, CAMPAIGN_EVENTS_V4[type]);
      assert.equal(JSON.stringify(decoded), JSON.stringify(CAMPAIGN_EVENTS_V4[type]), 'the JSON the log holds, key order included');
      assert.ok(isPlain(decoded));
    });
    it(`${name} is byte-identical when re-encoded`, () => {
      const bytes = golden(name);
      assert.deepStrictEqual(encodeCampaignEvent(decodeCampaignEvent(bytes)), bytes);
      assert.deepStrictEqual(encodeCampaignEvent(CAMPAIGN_EVENTS_V4[type]), bytes);
    });
    it(`${name} decodes with its own writer schema given explicitly`, () => {
      assert.deepStrictEqual(decodeCampaignEvent(golden(name), SCHEMA_JSON.campaignEvent), CAMPAIGN_EVENTS_V4[type]);
    });
  }
  it('a label of the default domain, and evidence behind overrides, read back to the JSON the log holds', () => {
    for (const [file, event] of [['campaign.labelled.default', LABELLED], ['campaign.identity.assigned.override', OVERRIDE_ASSIGNED]] as const) {
      const bytes = golden(goldenName('campaign-event', 4, file));
      assert.deepStrictEqual(encodeCampaignEvent(event), bytes);
      assert.equal(JSON.stringify(decodeCampaignEvent(bytes)), JSON.stringify(event));
    }
  });
  it('evidence without an override reads back without the key (a log without overrides keeps its JSON bytes)', () => {
    const decoded = decodeCampaignEvent(golden(goldenName('campaign-event', 4, 'campaign.formed')));
    assert.ok(decoded.evidence.length > 0 && decoded.evidence.every((e) => !('override' in e)));
  });
  it('v4 appended campaign.labelled to the payload union and override and cut to the evidence: nothing else changed', () => {
    const v3 = JSON.parse(SCHEMA_JSON.campaignEventV3) as { fields: Array<{ name: string; type: unknown }> };
    const v4 = JSON.parse(SCHEMA_JSON.campaignEvent) as { fields: Array<{ name: string; type: unknown }> };
    const payload = (s: typeof v3) => s.fields.find((f) => f.name === 'payload')!.type as Array<{ name: string }>;
    assert.deepStrictEqual(payload(v4).slice(0, -1), payload(v3));
    assert.equal(payload(v4).at(-1)!.name, 'CampaignLabelled');
    const evidenceFields = (s: typeof v3) => ((s.fields.find((f) => f.name === 'evidence')!.type as { items: { fields: Array<{ name: string }> } }).items.fields);
    assert.deepStrictEqual(evidenceFields(v4).slice(0, -2), evidenceFields(v3));
    const added = evidenceFields(v4).slice(-2).map((f) => ({ ...f, doc: undefined }));
    assert.deepStrictEqual(added, [
      { name: 'override', type: ['null', 'string'], default: null, doc: undefined },
      { name: 'cut', type: 'boolean', default: false, doc: undefined },
    ]);
  });
});

describe('campaign-event golden files, v3 writer under the v4 reader', () => {
  for (const type of V3_CAMPAIGN_TYPES) {
    const name = goldenName('campaign-event', 3, type);
    it(`${name} resolves to the same event, domain last`, () => {
      for (const writer of [SCHEMA_JSON.campaignEventV3, AVRO_TYPES.campaignEventV3]) {
        const decoded = decodeCampaignEvent(golden(name), writer);
        assert.deepStrictEqual(decoded, CAMPAIGN_EVENTS_V3[type]);
        assert.equal(JSON.stringify(decoded), JSON.stringify(CAMPAIGN_EVENTS_V3[type]), 'the JSON the log holds, key order included');
        assert.ok(isPlain(decoded));
      }
    });
    it(`${name}: the frozen v3 schema still writes exactly these bytes`, () => {
      assert.deepStrictEqual(AVRO_TYPES.campaignEventV3.toBuffer(campaignEventToAvro(CAMPAIGN_EVENTS_V3[type])), golden(name));
    });
  }
  it('an event of the default domain: domain null on the wire, no domain key once decoded, v2 bytes plus the null branch', () => {
    const bytes = golden(goldenName('campaign-event', 3, 'campaign.formed.default'));
    const event = CAMPAIGN_EVENTS['campaign.formed'];
    assert.deepStrictEqual(AVRO_TYPES.campaignEventV3.toBuffer(campaignEventToAvro(event)), bytes);
    const decoded = decodeCampaignEvent(bytes, SCHEMA_JSON.campaignEventV3);
    assert.deepStrictEqual(decoded, event);
    assert.ok(!('domain' in decoded));
    assert.equal(JSON.stringify(decoded), JSON.stringify(event));
    assert.deepStrictEqual(bytes, Buffer.concat([golden(goldenName('campaign-event', 2, 'campaign.formed')), Buffer.from([0])]));
  });
  it('evidence without an adjustment reads back without raw_weight and adjusted (a default@1 log keeps its JSON bytes)', () => {
    const decoded = decodeCampaignEvent(golden(goldenName('campaign-event', 3, 'campaign.formed.default')), SCHEMA_JSON.campaignEventV3);
    assert.equal(JSON.stringify(decoded), JSON.stringify(CAMPAIGN_EVENTS['campaign.formed']));
  });
});

describe('campaign-event golden files, v2 writer under the v4 reader', () => {
  for (const type of [...V3_CAMPAIGN_TYPES, 'campaign.formed.adjusted'] as const) {
    const name = goldenName('campaign-event', 2, type);
    const expected = type === 'campaign.formed.adjusted' ? ADJUSTED_FORMED : CAMPAIGN_EVENTS[type];
    it(`${name} resolves to the same event in the default domain`, () => {
      for (const writer of [SCHEMA_JSON.campaignEventV2, AVRO_TYPES.campaignEventV2, JSON.parse(SCHEMA_JSON.campaignEventV2) as object]) {
        const decoded = decodeCampaignEvent(golden(name), writer);
        assert.deepStrictEqual(decoded, expected);
        assert.equal(JSON.stringify(decoded), JSON.stringify(expected));
        assert.ok(isPlain(decoded));
      }
    });
    it(`${name}: the frozen v2 schema still writes exactly these bytes`, () => {
      assert.deepStrictEqual(AVRO_TYPES.campaignEventV2.toBuffer(campaignEventToAvro(expected)), golden(name));
    });
  }
  it('an event in a domain written by the frozen v2 schema is its default-domain bytes (a v2 reader never sees a domain)', () => {
    const v3 = CAMPAIGN_EVENTS_V3['campaign.merged'];
    assert.deepStrictEqual(AVRO_TYPES.campaignEventV2.toBuffer(campaignEventToAvro(v3)), golden(goldenName('campaign-event', 2, 'campaign.merged')));
  });
  it('a v2 reader reads v3 data, domain left out (FORWARD as well as BACKWARD)', () => {
    const v2 = AVRO_TYPES.campaignEventV2;
    const read = v2.fromBuffer(golden(goldenName('campaign-event', 3, 'campaign.merged')), v2.createResolver(AVRO_TYPES.campaignEventV3));
    assert.deepStrictEqual(read, v2.fromBuffer(golden(goldenName('campaign-event', 2, 'campaign.merged'))));
  });
  it('v2 bytes read without their writer schema are not accepted as v4 (the writer schema is needed)', () => {
    assert.throws(() => decodeCampaignEvent(golden(goldenName('campaign-event', 2, 'campaign.merged'))), AvroCodecError);
  });
});

describe('campaign-event golden files, v1 writer under the v4 reader', () => {
  for (const type of V3_CAMPAIGN_TYPES) {
    const name = goldenName('campaign-event', 1, type);
    it(`${name} resolves to the same domain event (an older log's bytes)`, () => {
      const decoded = decodeCampaignEvent(golden(name), SCHEMA_JSON.campaignEventV1);
      assert.deepStrictEqual(decoded, CAMPAIGN_EVENTS[type]);
      assert.equal(JSON.stringify(decoded), JSON.stringify(CAMPAIGN_EVENTS[type]));
      assert.ok(isPlain(decoded));
    });
  }
});

describe('campaign-row golden files', () => {
  it('v3: a row in a domain decodes to the expected row, domain last, and re-encodes to the same bytes', () => {
    const bytes = golden(goldenName('campaign-row', 3, 'row'));
    const decoded = decodeCampaignRow(bytes);
    assert.deepStrictEqual(decoded, ROW_V3);
    assert.equal(decoded.domain, SAMPLE_DOMAIN);
    assert.equal(JSON.stringify(decoded), JSON.stringify(ROW_V3));
    assert.ok(isPlain(decoded));
    assert.deepStrictEqual(encodeCampaignRow(ROW_V3), bytes);
  });
  it('v3: a row of the default domain has no domain key once decoded; its bytes are the v2 bytes plus the null branch', () => {
    const bytes = golden(goldenName('campaign-row', 3, 'row.default'));
    assert.deepStrictEqual(encodeCampaignRow(ROW), bytes);
    const decoded = decodeCampaignRow(bytes);
    assert.deepStrictEqual(decoded, ROW);
    assert.ok(!('domain' in decoded));
    assert.deepStrictEqual(bytes, Buffer.concat([golden(goldenName('campaign-row', 2, 'row')), Buffer.from([0])]));
  });
  it('v2 data resolves under the v3 reader to the default-domain row; the frozen v2 schema still writes its bytes', () => {
    const bytes = golden(goldenName('campaign-row', 2, 'row'));
    for (const writer of [SCHEMA_JSON.campaignRowV2, AVRO_TYPES.campaignRowV2]) assert.deepStrictEqual(decodeCampaignRow(bytes, writer), ROW);
    assert.deepStrictEqual(AVRO_TYPES.campaignRowV2.toBuffer(campaignRowToAvro(ROW)), bytes);
    assert.deepStrictEqual(AVRO_TYPES.campaignRowV2.toBuffer(campaignRowToAvro(ROW_V3)), bytes, 'a v2 writer drops the domain');
  });
});
