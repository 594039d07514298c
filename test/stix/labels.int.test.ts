/**
 * STIX export names and labels from analyst label overrides, end to end: labels written with
 * `campaigns override` and `POST /api/v1/overrides`, a run over the input and the overrides file,
 * then `campaigns export stix` and `GET /api/v1/export/stix`: each labelled campaign carries its
 * label's name and tags, at the head and as of earlier positions; a revoked label gives the
 * default name back; a labelled campaign merged away is not exported and does not rename the
 * campaign it merged into. The OASIS validator accepts the bundles.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OverrideFile } from '../../src/adapters/file/override-file.ts';
import { startHttpServer } from '../../src/adapters/http/server.ts';
import { defaultName } from '../../src/adapters/stix/bundle.ts';
import { derivedId } from '../../src/adapters/stix/ids.ts';
import { openStoreForReading } from '../../src/cli/store-dir.ts';
import { cli } from '../runtime/support/store-run.ts';
import { requireStixValidator, type StixValidator } from '../support/stix-validator.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-stix-labels-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T = '2026-02-01T00:00:00Z';
const observed = (id: string, c2: string) => JSON.stringify({
  type: 'identity.observed', event_id: `obs-${id}`, time: T, identity_uuid: id, version: 1, observation: { c2_endpoints: [c2] },
});
const events = path.join(dir, 'events.ndjson');
const overrides = path.join(dir, 'overrides.ndjson');
const store = path.join(dir, 'store');
const TOKEN = 'tok-labels';

interface Bundle { objects: Array<Record<string, unknown> & { type: string; id: string }> }

let validator: StixValidator;

async function ok(argv: string[]): Promise<string> {
  const r = await cli(argv);
  assert.equal(r.code, 0, `campaigns ${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const run = () => ok(['run', '--input', events, overrides, '--store', store, '--json']);
const exported = async (...extra: string[]): Promise<Bundle> => JSON.parse(await ok(['export', 'stix', '--store', store, ...extra]));
const head = async (): Promise<number> => (await ok(['events', '--store', store])).trim().split('\n').length;
const campaignOf = (bundle: Bundle, uuid: string) => bundle.objects.find((o) => o.id === derivedId('campaign', uuid));
const override = (...argv: string[]) => ok(['override', ...argv, '--file', overrides, '--author', 'kim', '--reason', 'test', '--time', T]);

async function validates(bundle: Bundle): Promise<void> {
  const v = await validator.validate(bundle);
  assert.deepEqual(v.errors, []);
  assert.ok(v.valid);
  assert.deepEqual(v.warnings.filter((w) => !w.includes('{103}')), [], 'names and labels add no warning (103: our ids are UUIDv5 on purpose)');
}

/** POSTs a label through a real server writing the overrides file, as an analyst's tool would. */
async function postLabel(campaign: string, name: string, tags: string[]): Promise<void> {
  const s = openStoreForReading(store);
  const sink = new OverrideFile(overrides);
  const server = await startHttpServer({ port: 0, pollMs: 50, onError: () => {}, log: s.log, tables: s.tables, token: TOKEN, overrides: sink });
  try {
    const res = await fetch(`${server.url}/api/v1/overrides`, {
      method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'analyst.label', campaign_uuid: campaign, name, tags, author: 'kim', reason: 'reviewed' }),
    });
    assert.equal(res.status, 202, await res.text());
  } finally {
    await server.close();
    await sink.close();
    s.close();
  }
}

/** The store's export, through `serve`'s route: the body and the position it reflects. */
async function served(query = ''): Promise<{ text: string; sequence: string | null }> {
  const s = openStoreForReading(store);
  const server = await startHttpServer({ port: 0, pollMs: 50, onError: () => {}, log: s.log, tables: s.tables });
  try {
    const res = await fetch(`${server.url}/api/v1/export/stix${query}`);
    assert.equal(res.status, 200);
    return { text: await res.text(), sequence: res.headers.get('x-log-sequence') };
  } finally {
    await server.close();
    s.close();
  }
}

let kettle: string;
let lone: string;
let unlabelledAt: number;

before(async () => {
  validator = await requireStixValidator();
  // a, b, c share one C2 (campaign "Kettle" below), d has its own ("Lone").
  writeFileSync(events, ['a', 'b', 'c'].map((id) => observed(id, 'c2.x')).concat(observed('d', 'c2.y')).join('\n') + '\n');
  writeFileSync(overrides, '');
  await run();
  unlabelledAt = await head();
  const membership = new Map((await ok(['membership', '--store', store])).trim().split('\n').map((l) => JSON.parse(l)).map((m) => [m.identity_uuid, m.campaign_uuid]));
  kettle = membership.get('a')!;
  lone = membership.get('d')!;
  await override('label', kettle, '--name', 'Kettle', '--tag', 'apt', 'ssh', '--event-id', 'lb-kettle');
  await postLabel(lone, 'Lone', []);
  await run();
});

describe('STIX export of labelled campaigns', () => {
  it("names each labelled campaign by its label and gives its tags as labels; the bundle validates", async () => {
    const bundle = await exported();
    assert.equal(campaignOf(bundle, kettle)?.name, 'Kettle');
    assert.deepEqual(campaignOf(bundle, kettle)?.labels, ['apt', 'ssh']);
    assert.equal(campaignOf(bundle, lone)?.name, 'Lone');
    assert.equal(campaignOf(bundle, lone)?.labels, undefined, 'a label without tags gives no STIX labels');
    await validates(bundle);
  });

  it('as of a position before the labels, the campaigns have their default names', async () => {
    const bundle = await exported('--as-of', String(unlabelledAt));
    assert.equal(campaignOf(bundle, kettle)?.name, defaultName(kettle));
    assert.equal(campaignOf(bundle, kettle)?.labels, undefined);
    assert.equal(campaignOf(bundle, lone)?.name, defaultName(lone));
  });

  it('the API serves the same bundle, at the head and as of a position', async () => {
    const now = await served();
    assert.equal(now.text, (await ok(['export', 'stix', '--store', store])).trimEnd());
    assert.equal(now.sequence, String(await head()));
    const past = await served(`?as_of=${unlabelledAt}`);
    assert.equal(past.text, (await ok(['export', 'stix', '--store', store, '--as-of', String(unlabelledAt)])).trimEnd());
  });

  it('a revoked label gives the campaign its default name back', async () => {
    await override('revoke', 'lb-kettle', '--event-id', 'rv-kettle');
    await run();
    const bundle = await exported();
    assert.equal(campaignOf(bundle, kettle)?.name, defaultName(kettle));
    assert.equal(campaignOf(bundle, lone)?.name, 'Lone');
    await override('label', kettle, '--name', 'Kettle', '--tag', 'apt', '--event-id', 'lb-kettle-2');
    await run();
    assert.equal(campaignOf(await exported(), kettle)?.name, 'Kettle');
  });

  it('a labelled campaign merged away is not exported, and its label does not rename the campaign it joined', async () => {
    await override('must-link', 'a', 'd', '--event-id', 'ml-ad');
    await run();
    const bundle = await exported();
    const campaigns = bundle.objects.filter((o) => o.type === 'campaign');
    assert.equal(campaigns.length, 1, 'one live campaign');
    const [winner, loser] = campaigns[0].id === derivedId('campaign', kettle) ? [kettle, lone] : [lone, kettle];
    const names = { [kettle]: 'Kettle', [lone]: 'Lone' };
    assert.equal(campaigns[0].id, derivedId('campaign', winner));
    assert.equal(campaigns[0].name, names[winner], "the winner keeps its own label");
    assert.ok(!JSON.stringify(bundle).includes(`"${names[loser]}"`), "the loser's label is nowhere in the bundle");
    await validates(bundle);
  });
});
