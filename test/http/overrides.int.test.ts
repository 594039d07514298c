/**
 * `POST /api/v1/overrides` against real servers over a store written by `campaigns run`: every
 * answer it can give (202, 400 with the validator's code, 401, 403 writes_disabled, 405, 413,
 * 415, 503), what it writes (one canonical NDJSON line per accepted override, nothing otherwise),
 * and the round trip: a cannot-link posted to the overrides file, a run over the input and that
 * file, and the campaign split.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OverrideFile } from '../../src/adapters/file/override-file.ts';
import { startHttpServer, type RunningServer } from '../../src/adapters/http/server.ts';
import { openStoreForReading } from '../../src/cli/store-dir.ts';
import { validateIdentityEvent } from '../../src/domain/validate.ts';
import { KafkaAdapterError } from '../../src/adapters/kafka/errors.ts';
import { OverrideSinkError, type OverrideSink } from '../../src/ports/override-sink.ts';
import { cli } from '../runtime/support/store-run.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-http-overrides-'));
const TOKEN = 'tok-overrides';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const JSON_TYPE = { 'Content-Type': 'application/json' };

const T = '2026-02-01T00:00:00Z';
const observed = (id: string, c2: string) => JSON.stringify({
  type: 'identity.observed', event_id: `obs-${id}`, time: T, identity_uuid: id, version: 1, observation: { c2_endpoints: [c2] },
});
/** a, b, c share one C2 (one campaign); d has its own. */
const events = path.join(dir, 'events.ndjson');
writeFileSync(events, [observed('a', 'c2.x'), observed('b', 'c2.x'), observed('c', 'c2.x'), observed('d', 'c2.y')].join('\n') + '\n');
const store = path.join(dir, 'store');

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

/** POST `body` (written in the given chunks, without Content-Length when there are several). */
function post(base: string, body: string | Buffer | Buffer[], headers: Record<string, string> = { ...AUTH, ...JSON_TYPE }, where = '/api/v1/overrides'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks = Array.isArray(body) ? body : [Buffer.from(body)];
    const u = new URL(where, base);
    const req = http.request({
      hostname: u.hostname, port: u.port, path: u.pathname, method: 'POST',
      headers: chunks.length === 1 ? { ...headers, 'Content-Length': String(chunks[0].length) } : headers,
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: text === '' ? undefined : JSON.parse(text) }));
    });
    // The server may answer (413) and close before the whole body is sent.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

const cannotLink = (a: string, b: string) => JSON.stringify({ type: 'analyst.cannot_link', identity_uuids: [a, b], author: 'kim', reason: 'different tooling' });

const linesOf = (file: string): Record<string, unknown>[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)) : [];

async function membership(s: string): Promise<Map<string, string>> {
  const r = await cli(['membership', '--store', s]);
  assert.equal(r.code, 0, r.stderr);
  return new Map(r.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((m) => [m.identity_uuid, m.campaign_uuid]));
}

type Opened = ReturnType<typeof openStoreForReading>;
const opened: Opened[] = [];
const servers: RunningServer[] = [];

async function serveWith(options: { token: string | null; overrides: OverrideSink | null }): Promise<string> {
  const s = openStoreForReading(store);
  opened.push(s);
  const server = await startHttpServer({ port: 0, pollMs: 50, onError: () => {}, log: s.log, tables: s.tables, ...options });
  servers.push(server);
  return server.url;
}

before(async () => {
  const r = await cli(['run', '--input', events, '--store', store, '--json']);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  for (const s of servers) await s.close();
  for (const s of opened) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('POST /api/v1/overrides with an overrides file and a token', () => {
  const file = path.join(dir, 'overrides.ndjson');
  let base: string;
  before(async () => {
    base = await serveWith({ token: TOKEN, overrides: new OverrideFile(file) });
  });

  it('answers 202 with the event id and time it assigned, and appends exactly that override as one line', async () => {
    const r = await post(base, cannotLink('a', 'c'));
    assert.equal(r.status, 202);
    assert.equal(r.json.accepted, 'file');
    assert.match(r.json.event_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(r.json.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
    assert.deepEqual(r.json.override, {
      type: 'analyst.cannot_link', event_id: r.json.event_id, time: r.json.time, identity_uuids: ['a', 'c'], author: 'kim', reason: 'different tooling',
    });
    assert.deepEqual(linesOf(file), [r.json.override]);
    assert.ok(validateIdentityEvent(r.json.override).ok);
  });

  it('round trip: a run over the input and the overrides file puts a and c in different campaigns', async () => {
    const joined = await membership(store);
    assert.equal(joined.get('a'), joined.get('c'), 'without the override, a and c are one campaign');
    const splitStore = path.join(dir, 'split-store');
    const r = await cli(['run', '--input', events, file, '--store', splitStore, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).rejected, 0, 'the engine accepts the posted override');
    const split = await membership(splitStore);
    assert.notEqual(split.get('a'), split.get('c'));
    assert.notEqual(split.get('a'), split.get('d'));
  });

  it('writes concurrent posts one after the other: every line whole, each id once', async () => {
    const earlier = linesOf(file).length;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(base, cannotLink('b', i % 2 === 0 ? 'c' : 'd'))));
    assert.deepEqual(answers.map((a) => a.status), Array(20).fill(202));
    const lines = linesOf(file).slice(earlier);
    assert.deepEqual(lines.map((l) => l.event_id).sort(), answers.map((a) => a.json.event_id).sort());
  });

  it("refuses what the input validator refuses: 400 invalid_override with the validator's code, and writes nothing", async () => {
    const cases: Array<[string | Buffer, string]> = [
      ['{"type":"analyst.cannot_link"', 'invalid_json'],
      ['["analyst.must_link"]', 'schema'],
      [JSON.stringify({ type: 'identity.observed', identity_uuid: 'a', version: 9, author: 'kim', reason: 'r' }), 'unknown_type'],
      [JSON.stringify({ type: 'analyst.cannot_link', identity_uuids: ['a', 'a'], author: 'kim', reason: 'r' }), 'bad_value'],
      [JSON.stringify({ type: 'analyst.must_link', identity_uuids: ['a', 'b'], author: 'kim' }), 'schema'],
      [JSON.stringify({ type: 'analyst.must_link', identity_uuids: ['a', 'b'], author: 'kim', reason: 'r', event_id: 'mine' }), 'bad_value'],
      [JSON.stringify({ type: 'analyst.must_link', identity_uuids: ['a', 'b'], author: 'kim', reason: 'r', time: T }), 'bad_value'],
      [JSON.stringify({ type: 'analyst.label', campaign_uuid: 'c1', author: 'kim', reason: 'r' }), 'schema'],
      [Buffer.from([0x7b, 0xff, 0x7d]), 'bad_encoding'],
    ];
    const size = readFileSync(file).length;
    for (const [body, code] of cases) {
      const r = await post(base, body);
      assert.equal(r.status, 400, String(body));
      assert.equal(r.json.error, 'invalid_override', String(body));
      assert.equal(r.json.code, code, `${String(body)}: ${r.json.detail}`);
      assert.equal(typeof r.json.detail, 'string');
    }
    assert.equal(readFileSync(file).length, size);
  });

  it('needs the token: 401 without it, and nothing written', async () => {
    const size = readFileSync(file).length;
    const r = await post(base, cannotLink('a', 'b'), JSON_TYPE);
    assert.equal(r.status, 401);
    assert.equal(r.json.error, 'unauthorized');
    assert.equal((await post(base, cannotLink('a', 'b'), { Authorization: 'Bearer wrong', ...JSON_TYPE })).status, 401);
    assert.equal(readFileSync(file).length, size);
  });

  it('takes application/json only: 415 otherwise', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await post(base, cannotLink('a', 'b'), { ...AUTH, 'Content-Type': type });
      assert.equal(r.status, 415, type);
      assert.equal(r.json.error, 'unsupported_media_type');
    }
    assert.equal((await post(base, cannotLink('a', 'b'), AUTH)).status, 415, 'no Content-Type');
    assert.equal((await post(base, cannotLink('a', 'b'), { ...AUTH, 'Content-Type': 'application/json; charset=utf-8' })).status, 202);
  });

  it('refuses a body over 64 KiB with 413, declared or streamed', async () => {
    const size = readFileSync(file).length;
    const big = JSON.stringify({ type: 'analyst.must_link', identity_uuids: ['a', 'b'], author: 'kim', reason: 'x'.repeat(70 * 1024) });
    const declared = await post(base, big);
    assert.equal(declared.status, 413);
    assert.equal(declared.json.error, 'payload_too_large');
    const streamed = await post(base, Array.from({ length: 10 }, () => Buffer.from(big.slice(0, 8 * 1024))));
    assert.equal(streamed.status, 413);
    assert.equal(readFileSync(file).length, size);
  });

  it('is POST only: GET gets 405 with Allow: POST, and the read routes still refuse POST', async () => {
    const r = await new Promise<Answer>((resolve, reject) => {
      http.get(new URL('/api/v1/overrides', base), { headers: AUTH }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(text) }));
      }).on('error', reject);
    });
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'POST');
    const read = await post(base, '{}', { ...AUTH, ...JSON_TYPE }, '/api/v1/campaigns');
    assert.equal(read.status, 405);
    assert.equal(read.headers.allow, 'GET, HEAD');
  });
});

describe('POST /api/v1/overrides when writes are off', () => {
  it('403 writes_disabled without an overrides sink (after the token check)', async () => {
    const base = await serveWith({ token: TOKEN, overrides: null });
    const r = await post(base, cannotLink('a', 'c'));
    assert.equal(r.status, 403);
    assert.equal(r.json.error, 'writes_disabled');
    assert.equal((await post(base, cannotLink('a', 'c'), JSON_TYPE)).status, 401);
  });

  it('403 writes_disabled without a token, even with a sink, and nothing written', async () => {
    const file = path.join(dir, 'open-server.ndjson');
    const base = await serveWith({ token: null, overrides: new OverrideFile(file) });
    const r = await post(base, cannotLink('a', 'c'), JSON_TYPE);
    assert.equal(r.status, 403);
    assert.equal(r.json.error, 'writes_disabled');
    assert.match(r.json.detail, /token/);
    assert.equal(existsSync(file), false);
  });

  it('campaigns serve refuses to start with an overrides file and no token (exit 2)', async () => {
    const saved = process.env.CAMPAIGNS_API_TOKEN;
    delete process.env.CAMPAIGNS_API_TOKEN;
    try {
      const r = await cli(['serve', '--store', store, '--port', '0', '--overrides-file', path.join(dir, 'x.ndjson')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /need a token/);
    } finally {
      if (saved !== undefined) process.env.CAMPAIGNS_API_TOKEN = saved;
    }
  });
});

describe('POST /api/v1/overrides when the sink fails', () => {
  const failing = (error: Error): OverrideSink => ({ kind: 'topic', target: 't', append: () => Promise.reject(error), close: async () => {} });

  it('a failure that may pass is 503 unavailable with Retry-After', async () => {
    const base = await serveWith({ token: TOKEN, overrides: failing(new KafkaAdapterError('broker_unavailable', 'no leader', true)) });
    const r = await post(base, cannotLink('a', 'c'));
    assert.equal(r.status, 503);
    assert.equal(r.json.error, 'unavailable');
    assert.match(r.json.detail, /broker_unavailable/);
    assert.equal(r.headers['retry-after'], '5');
  });

  it('any other failure is 500 internal, without its message', async () => {
    const base = await serveWith({ token: TOKEN, overrides: failing(new OverrideSinkError('override_write_failed', 'EACCES /secret/path', false)) });
    const r = await post(base, cannotLink('a', 'c'));
    assert.equal(r.status, 500);
    assert.equal(r.json.error, 'internal');
    assert.doesNotMatch(JSON.stringify(r.json), /secret/);
  });
});
