/**
 * The campaign topics carry the clustering domain (campaign-messages.ts): every message of a
 * non-default domain has a `ce_domain` header, its values (event and row, JSON and Avro) carry
 * `domain`, and its identity.campaign keys are `<domain>/<identity uuid>`, so the same uuid in
 * two domains never shares a compacted key. The default domain's messages are those of before
 * domains: no header, bare keys, no `domain` in any value.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AVRO_TYPES, campaignEventToAvro, decodeCampaignEvent, decodeCampaignRow, encodeCampaignEvent } from '../../src/adapters/avro/codec.ts';
import { assignmentKey, campaignChunks, rowToWire, type OutputSchemaIds } from '../../src/adapters/kafka/campaign-messages.ts';
import { KafkaAdapterError } from '../../src/adapters/kafka/errors.ts';
import type { OutgoingMessage } from '../../src/adapters/kafka/producer.ts';
import { frame, unframe } from '../../src/adapters/kafka/wire-format.ts';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import { campaignRun, type CampaignRun } from './support/campaign-runs.ts';

const o = { topics: { events: 'ev', assignments: 'as', table: 'tb' }, source: 'test' };
const ids: OutputSchemaIds = { events: 11, assignments: 12, table: 13 };
const BUDGET = 1 << 20;
/** The headers of before domains, in their order. */
const CE_HEADERS = ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_time', 'ce_subject', 'ce_sequence', 'content-type'];

/** Every message of a run, per topic. */
function messages(run: CampaignRun, schemaIds: OutputSchemaIds | null): Record<'ev' | 'as' | 'tb', OutgoingMessage[]> {
  const out: Record<string, OutgoingMessage[]> = { ev: [], as: [], tb: [] };
  for (const c of campaignChunks(o, schemaIds, run.events, run.rows, BUDGET)) for (const b of c.batches) out[b.topic].push(...b.messages);
  return out as Record<'ev' | 'as' | 'tb', OutgoingMessage[]>;
}

const body = (m: OutgoingMessage): Buffer => {
  const u = unframe(m.value!);
  assert.ok(u.ok);
  return u.body;
};

/** The identity of an identity.campaign message's event (assigned: its payload; tombstone: by ce_id). */
const identityOf = (run: CampaignRun, m: OutgoingMessage): string => {
  const e = run.events.find((x) => x.event_id === String(m.headers.ce_id))!;
  return (e.payload as { identity_uuid: string }).identity_uuid;
};

describe('campaign messages of the default domain', () => {
  const run = campaignRun(120);
  const json = messages(run, null);
  const avro = messages(run, ids);

  it('carry the headers of before domains, no ce_domain', () => {
    for (const m of [...json.ev, ...json.as, ...json.tb, ...avro.ev]) assert.deepEqual(Object.keys(m.headers), CE_HEADERS);
  });

  it('key identity.campaign by the bare identity uuid, tombstones included', () => {
    assert.ok(json.as.some((m) => m.value === null), 'the run holds a removal');
    for (const m of json.as) {
      assert.equal(m.key, identityOf(run, m));
      assert.equal(m.headers.ce_subject, m.key);
    }
  });

  it('hold values without a domain: the JSON of the log, Avro whose v3 form is the v2 bytes plus the null branch', () => {
    json.ev.forEach((m, i) => assert.equal(m.value!.toString(), JSON.stringify(run.events[i])));
    for (const m of json.tb) assert.ok(!('domain' in JSON.parse(m.value!.toString())));
    avro.ev.forEach((m, i) => {
      const e = run.events[i];
      assert.deepEqual(m.value, frame(ids.events, encodeCampaignEvent(e)));
      const v2 = AVRO_TYPES.campaignEventV2.toBuffer(campaignEventToAvro(e));
      assert.deepEqual(AVRO_TYPES.campaignEventV3.toBuffer(campaignEventToAvro(e)), Buffer.concat([v2, Buffer.from([0])]));
      assert.deepEqual(decodeCampaignEvent(body(m)), e);
    });
    for (const m of avro.tb) assert.ok(!('domain' in decodeCampaignRow(body(m))));
  });
});

describe('campaign messages of another domain', () => {
  const domain = 'fleet-a.eu_1';
  const run = campaignRun(120, 42, domain);
  const json = messages(run, null);
  const avro = messages(run, ids);

  it('carry ce_domain on every message of the three topics (tombstones included), after the headers of before', () => {
    for (const m of [...json.ev, ...json.as, ...json.tb, ...avro.ev, ...avro.as, ...avro.tb]) {
      assert.deepEqual(Object.keys(m.headers), [...CE_HEADERS, 'ce_domain']);
      assert.equal(m.headers.ce_domain, domain);
    }
  });

  it('key identity.campaign by <domain>/<identity uuid>, the subject too', () => {
    assert.ok(json.as.some((m) => m.value === null), 'the run holds a removal');
    for (const m of json.as) {
      assert.equal(m.key, `${domain}/${identityOf(run, m)}`);
      assert.equal(m.key, assignmentKey(identityOf(run, m), domain));
      assert.equal(m.headers.ce_subject, m.key);
    }
  });

  it('never share an identity.campaign key with the same identities in the default domain', () => {
    const plainRun = campaignRun(120);
    const plain = messages(plainRun, null);
    const identities = (ms: OutgoingMessage[], r: CampaignRun): Set<string> => new Set(ms.map((m) => identityOf(r, m)));
    assert.deepEqual(identities(json.as, run), identities(plain.as, plainRun), 'the same identity uuids in both domains');
    const keys = new Set(plain.as.map((m) => String(m.key)));
    for (const m of json.as) assert.ok(!keys.has(String(m.key)), `${String(m.key)} is also a default-domain key`);
  });

  it('hold the domain in every value: JSON (last key) and Avro, events and rows', () => {
    for (const m of [...json.ev, ...json.as.filter((x) => x.value !== null)]) {
      const v = JSON.parse(m.value!.toString()) as CampaignEvent;
      assert.equal(v.domain, domain);
      assert.equal(Object.keys(v).at(-1), 'domain');
    }
    for (const m of json.tb) {
      const v = JSON.parse(m.value!.toString()) as Record<string, unknown>;
      assert.equal(v.domain, domain);
      assert.equal(Object.keys(v).at(-1), 'domain');
    }
    avro.ev.forEach((m, i) => assert.deepEqual(decodeCampaignEvent(body(m)), run.events[i]));
    for (const m of avro.as.filter((x) => x.value !== null)) assert.equal(decodeCampaignEvent(body(m)).domain, domain);
    const rows = new Map(run.rows.map((r) => [r.row.uuid, rowToWire(r)]));
    for (const m of avro.tb) {
      const row = decodeCampaignRow(body(m));
      assert.equal(row.domain, domain);
      assert.deepEqual(row, rows.get(String(m.key)));
    }
  });

  it('a run of rows alone takes its domain from the rows', () => {
    const [chunk] = campaignChunks(o, null, [], run.rows.slice(0, 2), BUDGET);
    assert.equal(chunk.batches[2].messages.length, 2);
    for (const m of chunk.batches[2].messages) assert.equal(m.headers.ce_domain, domain);
  });

  it('are refused, before anything is sent, when the rows name another domain than the events (tables read without their domain)', () => {
    const untold = campaignRun(120).rows.slice(0, 3);
    assert.throws(
      () => campaignChunks(o, ids, run.events, untold, BUDGET),
      (e: unknown) => e instanceof KafkaAdapterError && !e.retriable && /mixes clustering domains: the row of .* is in default, the run in fleet-a\.eu_1/.test(e.message),
    );
  });
});
