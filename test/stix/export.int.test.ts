/**
 * `campaigns export stix` on a store written by `campaigns run`: the reference scenarios of
 * ../shared/fixtures/decnet/ (noise_floor holds them all) plus campaigns whose C2 endpoints and
 * payload hashes take every form the export maps, and some it must leave out. The bundle is
 * checked by the OASIS STIX 2.1 validator and its SCO ids by the OASIS `stix2` library.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStixBundle } from '../../src/adapters/stix/bundle.ts';
import { derivedId } from '../../src/adapters/stix/ids.ts';
import type { IdentityEvent, Observation } from '../../src/domain/identity-events.ts';
import type { CampaignRow } from '../../src/domain/tables.ts';
import { identityEventToWire } from '../../src/domain/validate.ts';
import { simulateFixture } from '../../src/sim/scenario.ts';
import { cli } from '../runtime/support/store-run.ts';
import { requireStixValidator, type StixValidator } from '../support/stix-validator.ts';

const FIXTURES = process.env.DECNET_FIXTURE_DIR ?? fileURLToPath(new URL('../../../shared/fixtures/decnet/', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'cs-stix-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const store = path.join(dir, 'store');

/** 2026-01-10: after the simulator's epoch. */
const T0 = 1_768_003_200;
const SHA1 = 'a9993e364706816aba3e25717850c26c9cd0d89d';
const MD5 = '900150983CD24FB0D6963F7D28E17F72';
const SHA512 = 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f';

/** Pairs sharing one C2 endpoint and one payload (an edge of weight ≥ 1), each endpoint of another form. */
function infrastructureEvents(): IdentityEvent[] {
  const forms: Array<[string, string]> = [
    ['203.0.113.7:4444', SHA1],
    ['https://c2.example.net/gate.php?id=7', MD5],
    ['[2001:db8::53]:8443', SHA512],
    ['<img src=x onerror=alert(1)>', 'not-a-digest'],
  ];
  const obs = (o: Partial<Observation>): Observation => ({
    sessions: [], ttp: [], payload_hashes: [], c2_endpoints: [], asn: null, tools: [], ja3: null, hassh: null, kd_simhash: null, ...o,
  });
  return forms.flatMap(([c2, payload], k) => ['x', 'y'].map((who, j) => ({
    type: 'identity.observed' as const, event_id: `stix-${k}-${who}`, identity_uuid: `stix-${k}-${who}`, version: 1,
    time: T0 + 3_600 * k + 60 * j,
    observation: obs({ c2_endpoints: [c2], payload_hashes: [payload], sessions: [{ start: T0 + 3_600 * k, end: T0 + 3_600 * k + 600, decky: `decky-${k}` }] }),
  })));
}

let validator: StixValidator;
let bundle: { type: string; id: string; objects: Array<Record<string, unknown> & { type: string; id: string }> };
let stderr = '';
let rows: CampaignRow[] = [];

async function ok(argv: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await cli(argv);
  assert.equal(r.code, 0, `campaigns ${argv.join(' ')}: ${r.stderr}`);
  return r;
}

before(async () => {
  validator = await requireStixValidator();
  const lines = [
    ...simulateFixture(path.join(FIXTURES, 'noise_floor.yaml'), 0).emitted.lines,
    ...infrastructureEvents().map((e) => JSON.stringify(identityEventToWire(e))),
  ];
  const input = path.join(dir, 'events.ndjson');
  writeFileSync(input, lines.join('\n') + '\n');
  await ok(['run', '--input', input, '--store', store, '--batch-size', '10', '--json']);
  rows = JSON.parse((await ok(['tables', '--store', store, '--json'])).stdout) as CampaignRow[];
  const exported = await ok(['export', 'stix', '--store', store]);
  bundle = JSON.parse(exported.stdout);
  stderr = exported.stderr;
});

const ofType = (type: string) => bundle.objects.filter((o) => o.type === type);
const SCO_TYPES = new Set(['domain-name', 'ipv4-addr', 'ipv6-addr', 'url', 'file']);

describe('campaigns export stix', () => {
  it('prints a bundle the OASIS STIX 2.1 validator accepts without an error', async () => {
    const r = await validator.validate(bundle);
    assert.deepEqual(r.errors, []);
    assert.equal(r.valid, true);
  });

  it('draws no warning but the documented one: our domain objects, relationships and bundle use UUIDv5, not UUIDv4', async () => {
    const { warnings } = await validator.validate(bundle);
    assert.ok(warnings.length > 0, 'the validator does check ids');
    for (const w of warnings) {
      assert.match(w, /\{103\} Given ID value (campaign|indicator|relationship|bundle)--[0-9a-f-]{36} is not a valid UUIDv4 ID\./);
    }
  });

  it('gives every observable the id the stix2 library derives for it', async () => {
    const scos = bundle.objects.filter((o) => SCO_TYPES.has(o.type));
    assert.deepEqual(new Set(scos.map((o) => o.type)), SCO_TYPES, 'every observable type is exercised');
    assert.deepEqual(await validator.scoIds(scos), scos.map((o) => o.id));
  });

  it('exports one campaign per live campaign with a live identity, under its deterministic id', () => {
    const live = rows.filter((r) => r.merged_into === null && r.identity_count >= 1).map((r) => derivedId('campaign', r.uuid)).sort();
    assert.deepEqual(ofType('campaign').map((c) => c.id).sort(), live);
    const multi = rows.find((r) => r.c2_endpoints.includes('c2.shared-op.example'))!;
    const c = ofType('campaign').find((o) => o.id === derivedId('campaign', multi.uuid))!;
    assert.equal(c.name, `campaign ${multi.uuid}`);
    assert.equal(c.confidence, Math.round(multi.confidence * 100));
  });

  it('is the bundle the builder makes of the printed tables, byte for byte, on every run', async () => {
    assert.deepEqual(bundle, buildStixBundle(rows.map((row) => ({ row }))).bundle);
    assert.equal((await ok(['export', 'stix', '--store', store])).stdout, JSON.stringify(bundle) + '\n');
  });

  it('with --min-identities keeps only campaigns that large', async () => {
    const two = JSON.parse((await ok(['export', 'stix', '--store', store, '--min-identities', '2'])).stdout);
    const expected = rows.filter((r) => r.merged_into === null && r.identity_count >= 2).map((r) => derivedId('campaign', r.uuid)).sort();
    assert.ok(expected.length > 0 && expected.length < ofType('campaign').length);
    assert.deepEqual(two.objects.filter((o: { type: string }) => o.type === 'campaign').map((o: { id: string }) => o.id).sort(), expected);
  });

  it('with --as-of exports the tables as they were then, and that bundle validates too', async () => {
    const head = Number(JSON.parse((await ok(['events', '--store', store])).stdout.trimEnd().split('\n').at(-1)!).sequence);
    const asOf = String(Math.floor(head / 2));
    const then = JSON.parse((await ok(['tables', '--store', store, '--json', '--as-of', asOf])).stdout) as CampaignRow[];
    const exported = JSON.parse((await ok(['export', 'stix', '--store', store, '--as-of', asOf])).stdout);
    assert.deepEqual(exported, buildStixBundle(then.map((row) => ({ row }))).bundle);
    assert.notDeepEqual(exported, bundle);
    assert.deepEqual((await validator.validate(exported)).errors, []);
  });

  it('says on stderr which values it left out, by kind and reason', () => {
    assert.match(stderr, /left out 1 C2 endpoints: not a URL, an IP address or a host name, with an optional port \(e\.g\. "<img src=x onerror=alert\(1\)>"/);
    assert.match(stderr, /left out 1 payload hashes: not a hex MD5, SHA-1, SHA-256 or SHA-512 digest \(e\.g\. "not-a-digest"/);
  });

  it('refuses a missing, unknown or second format and a bad --as-of as usage errors', async () => {
    for (const [argv, message] of [
      [['export', '--store', store], /missing format/],
      [['export', 'csv', '--store', store], /expected one export format \(stix\), got 'csv'/],
      [['export', 'stix', 'stix', '--store', store], /expected one export format/],
      [['export', 'stix', '--store', store, '--as-of', 'yesterday'], /--as-of "yesterday": expected a log sequence/],
      [['export', 'stix', '--store', store, '--min-identities', '0'], /--min-identities must be at least 1/],
    ] as const) {
      const r = await cli([...argv]);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
    }
  });
});
