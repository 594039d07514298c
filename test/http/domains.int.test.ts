/**
 * `campaigns serve` over a store holding three clustering domains (docs/SCALING.md), written by
 * the real `campaigns run` from one mixed input: `?domain=` on list, detail, search, identity and
 * the event stream, `/api/v1/domains`, unknown and malformed domain errors, and a domain that a
 * run creates while the server runs. The store:  support/domain-scenario.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningServer } from '../../src/adapters/http/server.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { serve } from '../../src/cli/commands/serve.ts';
import { openDomainForReading } from '../../src/cli/store-dir.ts';
import type { Domain } from '../../src/domain/domains.ts';
import type { CampaignRow } from '../../src/domain/tables.ts';
import { buildDomainStore, lines, renamed, type DomainStore } from './support/domain-scenario.ts';
import { openStream, request } from './support/http-client.ts';
import { hostileEvents, IDS } from './support/scenario.ts';

const quiet = (): CliIo => {
  const sink = { write: () => true, once: () => undefined };
  return { stdout: sink, stderr: sink };
};

let root: string;
let store: DomainStore;
let dir: string;
let base: string;
let server: RunningServer;
let stop: AbortController;
let done: Promise<number>;
const enc = encodeURIComponent;
const get = (p: string) => request(base, p);

async function rowsOf(domain: Domain): Promise<readonly CampaignRow[]> {
  const s = openDomainForReading(dir, domain)!;
  try {
    return await s.tables.rows();
  } finally {
    s.close();
  }
}

async function headOf(domain: Domain): Promise<number> {
  const s = openDomainForReading(dir, domain)!;
  try {
    return await s.log.head();
  } finally {
    s.close();
  }
}

const live = (rows: readonly CampaignRow[]) => rows.filter((r) => r.merged_into === null);
const campaignOf = (rows: readonly CampaignRow[], identity: string) => rows.find((r) => r.merged_into === null && r.members.includes(identity))!.uuid;

before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'cs-http-domains-'));
  store = await buildDomainStore(root);
  dir = store.dir;
  stop = new AbortController();
  let started: RunningServer | null = null;
  done = serve({ store: dir, port: 0, token: null, pollMs: 50, maxStreams: 4, maxPageSize: 100 }, quiet(), stop.signal, (s) => { started = s; });
  while (started === null) await new Promise((r) => setTimeout(r, 10));
  server = started;
  base = server.url;
});

after(async () => {
  stop.abort();
  assert.equal(await done, 0);
  rmSync(root, { recursive: true, force: true });
});

describe('GET /api/v1/domains', () => {
  it('lists every domain, the default first, with its log head and campaign counts', async () => {
    const r = await get('/api/v1/domains');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.data.map((d: { name: string }) => d.name), ['default', 'fleet-a', 'fleet-b']);
    for (const d of r.json.data) {
      const domain = d.name === 'default' ? null : d.name;
      const rows = await rowsOf(domain);
      assert.equal(d.default, domain === null);
      assert.equal(d.sequence, await headOf(domain), d.name);
      assert.equal(d.campaigns, live(rows).length, d.name);
      assert.equal(d.campaigns_active, live(rows).filter((x) => x.identity_count > 0).length, d.name);
    }
    const counts = Object.fromEntries(r.json.data.map((d: { name: string; campaigns: number }) => [d.name, d.campaigns]));
    assert.deepEqual(counts, { default: 2, 'fleet-a': 1, 'fleet-b': 1 }, 'B merged into A in fleet-a only');
  });

  it('takes no parameters', async () => {
    const r = await get('/api/v1/domains?domain=fleet-a');
    assert.equal(r.status, 400);
    assert.equal(r.json.parameter, 'domain');
  });
});

describe('?domain= on the read routes', () => {
  it('lists a domain\'s campaigns, each naming the domain; the default answers as before', async () => {
    const plain = await get('/api/v1/campaigns');
    assert.equal(plain.json.total, 2);
    assert.ok(!('domain' in plain.json) && plain.json.data.every((c: object) => !('domain' in c)));
    const named = await get('/api/v1/campaigns?domain=default');
    assert.equal(named.text, plain.text, '?domain=default is the default domain, byte for byte');

    const rows = await rowsOf('fleet-a');
    const r = await get('/api/v1/campaigns?domain=fleet-a&limit=10');
    assert.equal(r.status, 200);
    assert.equal(r.json.domain, 'fleet-a');
    assert.equal(r.json.total, live(rows).length);
    assert.equal(r.json.limit, 10, 'the other parameters still reach the route');
    assert.equal(r.json.sequence, await headOf('fleet-a'));
    assert.deepEqual(r.json.data.map((c: { uuid: string; domain: string }) => [c.uuid, c.domain]), [[campaignOf(rows, IDS.z), 'fleet-a']]);
  });

  it('finds a campaign or identity only in its own domain', async () => {
    const a = campaignOf(await rowsOf('fleet-b'), IDS.a1);
    const detail = await get(`/api/v1/campaigns/${a}?domain=fleet-b`);
    assert.equal(detail.status, 200);
    assert.equal(detail.json.domain, 'fleet-b');
    assert.equal(detail.json.uuid, a);
    assert.equal(detail.json.identity_count, 2);
    assert.equal((await get(`/api/v1/campaigns/${a}`)).json.error, 'not_found', 'campaign ids are the domain\'s own');
    assert.equal((await get(`/api/v1/campaigns/${a}/identities?domain=fleet-b`)).json.total, 2);
    assert.equal((await get(`/api/v1/campaigns/${a}/evidence?domain=fleet-b`)).json.members, 2);

    const identity = await get(`/api/v1/identities/${enc(IDS.a1)}?domain=fleet-b`);
    assert.equal(identity.status, 200);
    assert.equal(identity.json.domain, 'fleet-b');
    assert.equal(identity.json.campaign_id, a);
    assert.equal((await get(`/api/v1/identities/${enc(IDS.b1)}?domain=fleet-b`)).status, 404, 'b1 is not in fleet-b');
    assert.equal((await get(`/api/v1/identities/${enc(IDS.z)}`)).status, 404, 'the bridge is in fleet-a only');
    assert.equal((await get(`/api/v1/identities/${enc(IDS.z)}?domain=fleet-a`)).status, 200);
  });

  it('searches within the domain', async () => {
    const inA = await get(`/api/v1/campaigns?q=${enc(IDS.z)}&domain=fleet-a`);
    assert.equal(inA.json.total, 1);
    assert.equal(inA.json.data[0].domain, 'fleet-a');
    assert.ok(inA.json.data[0].matches.some((m: { value: string }) => m.value === IDS.z));
    assert.equal((await get(`/api/v1/campaigns?q=${enc(IDS.z)}`)).json.total, 0);
  });

  it('refuses an unknown domain (404 unknown_domain), a malformed or repeated one (400)', async () => {
    const unknown = await get('/api/v1/campaigns?domain=fleet-x');
    assert.equal(unknown.status, 404);
    assert.deepEqual(Object.keys(unknown.json).sort(), ['detail', 'error', 'parameter']);
    assert.equal(unknown.json.error, 'unknown_domain');
    assert.equal(unknown.json.parameter, 'domain');
    for (const bad of ['Fleet-A', '', '..', 'a%2Fb', '-x']) {
      const r = await get(`/api/v1/campaigns?domain=${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.json.error, 'invalid_parameter');
      assert.equal(r.json.parameter, 'domain');
    }
    const twice = await get('/api/v1/campaigns?domain=fleet-a&domain=fleet-b');
    assert.equal(twice.status, 400);
    assert.equal(twice.json.parameter, 'domain');
    assert.equal((await get('/api/v1/campaigns?domain=fleet-a&limt=5')).json.parameter, 'limt', 'the route still refuses a typo');
    assert.equal((await get('/api/v1/campaigns/events?domain=nope')).status, 404);
  });
});

describe('a domain\'s event stream, and domains met while serving', () => {
  it('streams the named domain by its own sequences, and serves a domain a later run creates', async () => {
    const headA = await headOf('fleet-a');
    const stream = await openStream(base, '/api/v1/campaigns/events?domain=fleet-a');
    const plain = await openStream(base, '/api/v1/campaigns/events');
    try {
      assert.equal(stream.status, 200);
      const snapshot = await stream.waitFor((f) => f.event === 'snapshot');
      assert.equal(snapshot.id, String(headA));
      assert.equal(snapshot.data.domain, 'fleet-a');
      assert.equal(snapshot.data.sequence, headA);
      assert.ok(snapshot.data.campaigns.every((c: { domain: string }) => c.domain === 'fleet-a'));
      const plainSnapshot = await plain.waitFor((f) => f.event === 'snapshot');
      assert.ok(!('domain' in plainSnapshot.data));

      // More in fleet-a (a new campaign) and a new domain, fleet-c, in one later run.
      await store.append([...lines(renamed(hostileEvents().slice(2), '-late'), 'fleet-a'), ...lines(hostileEvents(), 'fleet-c')]);
      const newHeadA = await headOf('fleet-a');
      assert.ok(newHeadA > headA);
      // b1 and b2 again, as other identities: they join fleet-a's campaign.
      const joined = await stream.waitFor((f) => f.event === 'identity.assigned');
      assert.ok(Number(joined.id) > headA && Number(joined.id) <= newHeadA, `id ${joined.id} is a fleet-a sequence`);
      assert.match(String(joined.data.payload.identity_uuid ?? JSON.stringify(joined.data.payload)), /-late/);

      const domains = await get('/api/v1/domains');
      assert.deepEqual(domains.json.data.map((d: { name: string }) => d.name), ['default', 'fleet-a', 'fleet-b', 'fleet-c']);
      const c = await get('/api/v1/campaigns?domain=fleet-c');
      assert.equal(c.status, 200);
      assert.equal(c.json.total, live(await rowsOf('fleet-c')).length);
      assert.equal(c.json.sequence, await headOf('fleet-c'));
      assert.equal(plain.frames.filter((f) => f.event !== 'snapshot' && f.event !== 'comment').length, 0, 'the default domain\'s stream saw nothing');
    } finally {
      stream.close();
      plain.close();
    }
  });
});
