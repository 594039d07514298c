/**
 * `GET /api/v1/export/stix` against a running server over a real SQLite store: the bundle
 * `campaigns export stix` prints for the same position, served as STIX, accepted by the OASIS
 * validator.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from '../runtime/support/store-run.ts';
import { requireStixValidator, type StixValidator } from '../support/stix-validator.ts';
import { request } from './support/http-client.ts';
import { serveScenario, type Served } from './support/served-scenario.ts';

let s: Served;
let validator: StixValidator;
const get = (path: string) => request(s.base, path, {});

async function exported(...more: string[]): Promise<unknown> {
  const r = await cli(['export', 'stix', '--store', s.scenario.dir, ...more]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

before(async () => {
  validator = await requireStixValidator();
  s = await serveScenario();
});
after(() => s.close());

describe('GET /api/v1/export/stix', () => {
  it('serves the bundle `campaigns export stix` prints, as application/stix+json, with the log position it reflects', async () => {
    const r = await get('/api/v1/export/stix');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/stix+json;version=2.1');
    assert.equal(r.headers['x-log-sequence'], String(s.server.follower.sequence));
    const bundle = JSON.parse(r.text) as { objects: Array<{ type: string }> };
    assert.deepEqual(bundle, await exported());
    assert.ok(bundle.objects.some((o) => o.type === 'campaign'));
    assert.deepEqual((await validator.validate(bundle)).errors, []);
  });

  it('takes as_of and min_identities as the command takes --as-of and --min-identities', async () => {
    const half = String(Math.floor(s.server.follower.sequence / 2));
    const then = await get(`/api/v1/export/stix?as_of=${half}&min_identities=2`);
    assert.equal(then.status, 200, then.text);
    assert.deepEqual(JSON.parse(then.text), await exported('--as-of', half, '--min-identities', '2'));
    assert.ok(Number(then.headers['x-log-sequence']) <= Number(half));
  });

  it('refuses a bad as_of or min_identities with a 400 naming the parameter', async () => {
    for (const [query, parameter] of [['as_of=soon', 'as_of'], ['min_identities=0', 'min_identities'], ['limit=5', 'limit']] as const) {
      const r = await get(`/api/v1/export/stix?${query}`);
      assert.equal(r.status, 400, query);
      assert.equal(r.json.error, 'invalid_parameter');
      assert.equal(r.json.parameter, parameter);
    }
  });
});
