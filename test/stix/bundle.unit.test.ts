/** The STIX 2.1 bundle of the campaign tables: what goes in, how it is linked, and that it is reproducible. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildStixBundle, stixTimestamp, type StixCampaign, type StixObject } from '../../src/adapters/stix/bundle.ts';
import { derivedId, scoId } from '../../src/adapters/stix/ids.ts';
import type { CampaignRow } from '../../src/domain/tables.ts';

const SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const A = '11111111-2222-5333-8444-555555555555';
const B = '22222222-2222-5333-8444-555555555555';

const row = (uuid: string, o: Partial<CampaignRow> = {}): CampaignRow => ({
  uuid, status: 'active', merged_into: null, formed_at: '2026-01-01T00:00:00Z', formed_sequence: 1,
  first_activity: '2025-12-31T23:00:00Z', last_activity: '2026-01-02T00:00:00.250Z', identity_count: 2, members: ['i1', 'i2'],
  payload_hashes: [SHA256], c2_endpoints: ['c2.example'], deckies: ['d1'], asns: [64500], confidence: 0.734,
  updated_at: '2026-01-02T00:00:00Z', updated_sequence: 9, ...o,
});

const ofType = (objects: readonly StixObject[], type: string) => objects.filter((o) => o.type === type);
const campaignOf = (objects: readonly StixObject[], uuid: string) => objects.find((o) => o.id === derivedId('campaign', uuid))!;

describe('buildStixBundle', () => {
  it('exports one campaign per live campaign with at least --min-identities live identities', () => {
    const rows = [
      row(A), row(B, { identity_count: 1 }),
      row('33333333-2222-5333-8444-555555555555', { merged_into: A, status: 'merged' }),
      row('44444444-2222-5333-8444-555555555555', { identity_count: 0, status: 'empty' }),
    ];
    const all = buildStixBundle(rows.map((r) => ({ row: r })));
    assert.deepEqual(ofType(all.bundle.objects, 'campaign').map((c) => c.id), [derivedId('campaign', A), derivedId('campaign', B)]);
    assert.equal(all.campaigns, 2);
    const two = buildStixBundle(rows.map((r) => ({ row: r })), { minIdentities: 2 });
    assert.deepEqual(ofType(two.bundle.objects, 'campaign').map((c) => c.id), [derivedId('campaign', A)]);
  });

  it('names a campaign from its overrides, or `campaign <its uuid>`; labels only when given', () => {
    const { bundle } = buildStixBundle([{ row: row(A), name: 'Operation Night Shift', labels: ['apt-x', 'ssh'] }, { row: row(B) }]);
    const a = campaignOf(bundle.objects, A);
    assert.equal(a.name, 'Operation Night Shift');
    assert.deepEqual(a.labels, ['apt-x', 'ssh']);
    const b = campaignOf(bundle.objects, B);
    assert.equal(b.name, `campaign ${B}`);
    assert.equal('labels' in b, false);
    assert.deepEqual(b.external_references, [{ source_name: 'campaign-stream', external_id: B }]);
  });

  it('takes created, modified, first_seen and last_seen from log and activity times, with milliseconds', () => {
    const { bundle } = buildStixBundle([{ row: row(A) }]);
    const a = campaignOf(bundle.objects, A);
    assert.deepEqual([a.created, a.modified, a.first_seen, a.last_seen],
      ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2025-12-31T23:00:00.000Z', '2026-01-02T00:00:00.250Z']);
    for (const o of bundle.objects) if ('created' in o) assert.deepEqual([o.created, o.modified], [a.created, a.modified], o.id);
  });

  it('never has modified before created, and falls back to the row time without a formation or an activity', () => {
    const { bundle } = buildStixBundle([
      { row: row(A, { updated_at: '2025-06-01T00:00:00Z' }) },
      { row: row(B, { formed_at: null, first_activity: null, last_activity: null }) },
    ]);
    const a = campaignOf(bundle.objects, A);
    assert.equal(a.modified, a.created);
    const b = campaignOf(bundle.objects, B);
    assert.equal(b.created, '2026-01-02T00:00:00.000Z');
    assert.equal('first_seen' in b || 'last_seen' in b, false);
    const indicatorOfB = ofType(bundle.objects, 'indicator').find((i) => i.id.startsWith('indicator--') && i.valid_from === b.created);
    assert.ok(indicatorOfB, 'an indicator is valid from the campaign creation when no activity is known');
  });

  it('gives confidence as an integer 0–100', () => {
    const confidences = [0, 0.734, 0.736, 1].map((confidence) =>
      campaignOf(buildStixBundle([{ row: row(A, { confidence }) }]).bundle.objects, A).confidence);
    assert.deepEqual(confidences, [0, 73, 74, 100]);
  });

  it('links an indicator per observable to its campaign (indicates) and its observable (related-to), every ref in the bundle', () => {
    const { bundle } = buildStixBundle([{ row: row(A) }]);
    const ids = new Set(bundle.objects.map((o) => o.id));
    const indicators = ofType(bundle.objects, 'indicator');
    assert.deepEqual(indicators.map((i) => i.pattern).sort(), [`[domain-name:value = 'c2.example']`, `[file:hashes.'SHA-256' = '${SHA256}']`]);
    const links = ofType(bundle.objects, 'relationship').map((r) => [r.source_ref, r.relationship_type, r.target_ref]);
    for (const i of indicators) {
      assert.ok(links.some(([s, t, d]) => s === i.id && t === 'indicates' && d === derivedId('campaign', A)));
      assert.ok(links.some(([s, t, d]) => s === i.id && t === 'related-to' && String(d).split('--')[0] !== 'campaign'));
    }
    for (const [s, , d] of links) assert.ok(ids.has(String(s)) && ids.has(String(d)));
    assert.deepEqual(ofType(bundle.objects, 'domain-name').map((o) => o.id), [scoId('domain-name', { value: 'c2.example' })]);
  });

  it('holds an observable two campaigns share once, with one indicator per campaign', () => {
    const { bundle } = buildStixBundle([{ row: row(A) }, { row: row(B) }]);
    assert.equal(ofType(bundle.objects, 'file').length, 1);
    assert.equal(ofType(bundle.objects, 'indicator').length, 4);
    assert.equal(new Set(bundle.objects.map((o) => o.id)).size, bundle.objects.length, 'no id twice');
  });

  it('lists the values it left out instead of exporting them as something they are not', () => {
    const { bundle, skipped } = buildStixBundle([{ row: row(A, { c2_endpoints: ['<script>', 'c2.example'], payload_hashes: ['payload-1'] }) }]);
    assert.deepEqual(skipped.map((s) => [s.campaign_uuid, s.kind, s.value]), [[A, 'c2_endpoint', '<script>'], [A, 'payload_hash', 'payload-1']]);
    assert.equal(ofType(bundle.objects, 'indicator').length, 1);
  });

  it('is the same bytes for the same rows in any order, and another bundle id for other content', () => {
    const input: StixCampaign[] = [{ row: row(A) }, { row: row(B, { c2_endpoints: ['10.0.0.1:80'] }) }];
    const one = JSON.stringify(buildStixBundle(input).bundle);
    assert.equal(JSON.stringify(buildStixBundle([...input].reverse()).bundle), one);
    const other = buildStixBundle([{ row: row(A) }]).bundle;
    assert.notEqual(other.id, JSON.parse(one).id);
    assert.match(other.id, /^bundle--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('writes STIX timestamps in UTC with milliseconds whatever the offset of the input', () => {
    assert.equal(stixTimestamp('2026-01-01T02:00:00+02:00'), '2026-01-01T00:00:00.000Z');
    assert.equal(stixTimestamp('2026-01-01T00:00:00.5Z'), '2026-01-01T00:00:00.500Z');
    assert.throws(() => stixTimestamp('yesterday'), RangeError);
  });
});
