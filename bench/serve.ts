/**
 * The read side at fleet scale (issue #16): `campaigns serve` over a large store, on SQLite or
 * PostgreSQL, each phase in a process of its own so RSS is that phase's. One JSON line per
 * measurement.
 *
 *   tsx bench/serve.ts grow <source-dir> <store> <events>   a store of <events> campaign events: the source
 *                                                            store's log repeated with renamed ids
 *                                                            (repeat-log.ts), tables written for whole copies.
 *                                                            <store>: a directory, or postgres://…?schema=…
 *   tsx bench/serve.ts build <store>                         the store's read model built from nothing (the
 *                                                            existing one removed): events/s, seconds, peak
 *                                                            RSS, size
 *   tsx bench/serve.ts load <store> [--clients=20] [--requests=1000] [--workers=1]
 *                                                            `campaigns serve` as a child process (the CLI):
 *                                                            spawn to listening, then per route p50/p99/max
 *                                                            under N concurrent clients (keep-alive; the first
 *                                                            2×N requests of a route are warm-up, not counted),
 *                                                            then the server's RSS (current and peak)
 *   tsx bench/serve.ts membership <store>                   `campaigns membership` to /dev/null, timed whole,
 *                                                            peak RSS, lines
 *   tsx bench/serve.ts make <dir> <identity-events>         the benchmark store: bench/corpus.ts's input of that
 *                                                            size (bench/out/identity-<n>.ndjson, reused) through
 *                                                            `campaigns run --profile default@1`
 *   tsx bench/serve.ts suite <store>…                       build, load and membership of each store, each
 *                                                            phase a process of its own (`npm run bench -- serve`);
 *                                                            a missing bench/out/store-<n>-default@1 is made first
 *
 * The stores of docs/BENCHMARKS.md: `campaigns run --profile default@1` over bench/runtime.ts's 1M
 * input (`bench/out/store-1000000-default@1`: 2.33M campaign events, largest campaign 38,608), and
 * `grow` of it to 11.66M events (five copies), each also copied into PostgreSQL with `grow`.
 *
 * The workload: the list (first pages, every sort and order; and deep pages), search (identity id
 * and payload hash fragments, a C2 endpoint shared across campaigns), campaign detail, a history page
 * of sampled campaigns, and of the largest campaign: its evidence (default pages: 50 history
 * entries, 1,000 edges), identity and history pages at sampled offsets. The identity route is left
 * out: its engine features parse the store's engine snapshot, not the read model (docs/API.md).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { LogFollower } from '../src/adapters/http/log-follower.ts';
import { isPostgresUrl, openPostgresStore, splitSchema } from '../src/adapters/postgres/open.ts';
import { PgReadModel } from '../src/adapters/postgres/read-model.ts';
import { READ_MODEL_FILE, SqliteReadModel } from '../src/adapters/sqlite/read-model.ts';
import { openSqliteStore } from '../src/adapters/sqlite/store.ts';
import { STORE_FILE } from '../src/cli/store-dir.ts';
import type { FollowedReadModel } from '../src/ports/campaign-queries.ts';
import { identityEventToWire } from '../src/domain/validate.ts';
import type { EventLog } from '../src/ports/event-log.ts';
import { benchCorpus } from './corpus.ts';
import { repeatLog } from './repeat-log.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const flag = (name: string, fallback: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const [mode, ...args] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const print = (o: Record<string, unknown>): void => console.log(JSON.stringify(o));
const kind = (store: string): string => (isPostgresUrl(store) ? 'postgres' : 'sqlite');

interface Opened {
  readonly log: EventLog;
  close(): Promise<void>;
}

async function openForReading(store: string): Promise<Opened> {
  if (isPostgresUrl(store)) {
    const s = await openPostgresStore(store, { readonly: true });
    return { log: s.log, close: () => s.close() };
  }
  const s = openSqliteStore(path.join(store, STORE_FILE), { readonly: true });
  return { log: s.log, close: async () => s.close() };
}

// ---- make --------------------------------------------------------------------------------------

async function make(dir: string, identityEvents: number): Promise<void> {
  const input = path.join(ROOT, 'bench', 'out', `identity-${identityEvents}.ndjson`);
  if (!existsSync(input)) {
    mkdirSync(path.dirname(input), { recursive: true });
    const out = createWriteStream(input);
    for (const e of benchCorpus(Math.ceil(identityEvents / 2))) {
      if (!out.write(JSON.stringify(identityEventToWire(e)) + '\n')) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }
  rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'campaigns.mjs'), 'run', '--input', input, '--store', dir, '--profile', 'default@1', '--json'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`campaigns run exited with ${r.status ?? r.signal}`);
  const summary = JSON.parse(r.stdout) as Record<string, number>;
  print({ bench: 'serve-make', identity_events: summary.events_read, campaign_events: summary.events_appended, seconds: +((performance.now() - t0) / 1000).toFixed(1) });
}

// ---- grow --------------------------------------------------------------------------------------

async function grow(source: string, store: string, events: number): Promise<void> {
  const from = openSqliteStore(path.join(source, STORE_FILE), { readonly: true });
  if (!isPostgresUrl(store)) mkdirSync(store, { recursive: true });
  const to = isPostgresUrl(store) ? await openPostgresStore(store) : openSqliteStore(path.join(store, STORE_FILE));
  const t0 = performance.now();
  let shown = 0;
  const { copies } = await repeatLog(from, to, events, {
    tables: true,
    onProgress: (n) => {
      if (n - shown >= 1_000_000) console.error(`grow: ${(shown = n)} events`);
    },
  });
  print({ bench: 'serve-grow', store: kind(store), events: await to.log.head(), copies, seconds: +((performance.now() - t0) / 1000).toFixed(1) });
  from.close();
  await to.close();
}

// ---- build -------------------------------------------------------------------------------------

async function dropReadModel(store: string): Promise<void> {
  if (!isPostgresUrl(store)) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(path.join(store, READ_MODEL_FILE + suffix), { force: true });
    return;
  }
  const { connectionString, schema } = splitSchema(store);
  const c = new pg.Client({ connectionString });
  await c.connect();
  const s = pg.escapeIdentifier(schema ?? 'campaign_stream');
  await c.query(`DROP TABLE IF EXISTS ${['rm_meta', 'rm_campaign_ids', 'rm_campaigns', 'rm_identities', 'rm_root_sizes', 'rm_edges', 'rm_families',
    'rm_family_scores', 'rm_campaign_events', 'rm_root_events', 'rm_root_counts', 'rm_identity_events', 'rm_terms'].map((t) => `${s}.${t}`).join(', ')}`);
  await c.end();
}

async function modelSizeMb(store: string): Promise<number> {
  if (!isPostgresUrl(store)) {
    return Math.round(['', '-wal'].reduce((n, s) => n + (existsSync(path.join(store, READ_MODEL_FILE + s)) ? statSync(path.join(store, READ_MODEL_FILE + s)).size : 0), 0) / 2 ** 20);
  }
  const { connectionString, schema } = splitSchema(store);
  const c = new pg.Client({ connectionString });
  await c.connect();
  const r = await c.query<{ n: string }>(`
    SELECT coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename))), 0) AS n FROM pg_tables
    WHERE schemaname = $1 AND tablename LIKE 'rm\\_%'`, [schema ?? 'campaign_stream']);
  await c.end();
  return Math.round(Number(r.rows[0].n) / 2 ** 20);
}

const openModel = (store: string, log: EventLog): Promise<FollowedReadModel> =>
  isPostgresUrl(store) ? PgReadModel.open(store, log) : SqliteReadModel.open(path.join(store, READ_MODEL_FILE), log, { writerThread: true });

async function build(store: string): Promise<void> {
  await dropReadModel(store);
  const s = await openForReading(store);
  const head = await s.log.head();
  const t0 = performance.now();
  const model = await openModel(store, s.log);
  const follower = new LogFollower({ log: s.log, model, onError: (e) => console.error(e) });
  let shown = 0;
  follower.subscribe(() => {
    if (model.sequence - shown >= 500_000) console.error(`build: ${(shown = model.sequence)} of ${head} events, ${Math.round(model.sequence / ((performance.now() - t0) / 1000))} /s`);
  });
  await follower.start();
  await follower.stop();
  const seconds = (performance.now() - t0) / 1000;
  await model.close();
  await s.close();
  print({
    bench: 'serve-build', store: kind(store), log_events: head, seconds: +seconds.toFixed(1), events_per_s: Math.round(head / seconds),
    peak_rss_mb: peakRssMb(), read_model_mb: await modelSizeMb(store),
  });
}

// ---- load --------------------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const UUID_SHAPED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function get(base: string, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(base + p, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
  });
}

async function json(base: string, p: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await get(base, p);
  if (r.status !== 200) throw new Error(`${p}: ${r.status} ${r.body.slice(0, 200)}`);
  return JSON.parse(r.body);
}

/** xorshift32: the workload is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** `requests` of `paths` (cycled) from `clients` closed loops; the first 2×clients are warm-up. */
async function hammer(base: string, paths: readonly string[], clients: number, requests: number): Promise<{ p50: number; p99: number; max: number; errors: number; bytes: number }> {
  const warmup = 2 * clients;
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let bytes = 0;
  const loop = async (): Promise<void> => {
    for (;;) {
      const k = next++;
      if (k >= requests + warmup) return;
      const t = performance.now();
      const r = await get(base, paths[k % paths.length]);
      const ms = performance.now() - t;
      if (r.status !== 200) errors++;
      if (k >= warmup) {
        latencies.push(ms);
        bytes += r.body.length;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  latencies.sort((a, b) => a - b);
  const r1 = (v: number): number => +v.toFixed(1);
  return { p50: r1(quantile(latencies, 0.5)), p99: r1(quantile(latencies, 0.99)), max: r1(latencies[latencies.length - 1]), errors, bytes: Math.round(bytes / requests) };
}

/** RSS of the server: with --workers, of its worker processes and itself together. */
function rssOf(pid: number): { rss_mb: number; peak_rss_mb: number } {
  const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout.split('\n').map(Number).filter((n) => n > 0);
  let rss = 0;
  let peak = 0;
  for (const p of [pid, ...children]) {
    const status = spawnSync('cat', [`/proc/${p}/status`], { encoding: 'utf8' }).stdout;
    const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    rss += kb('VmRSS');
    peak += kb('VmHWM');
  }
  return { rss_mb: Math.round(rss / 1024), peak_rss_mb: Math.round(peak / 1024) };
}

async function load(store: string): Promise<void> {
  const clients = flag('clients', 20);
  const requests = flag('requests', 1000);
  const t0 = performance.now();
  const workers = flag('workers', 1);
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'campaigns.mjs'), 'serve', '--store', store, '--port', '0', '--max-page-size', '1000', '--workers', String(workers)],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  const base = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => {
      err += c;
      const m = / on (http:\/\/[^/\s]+)\//.exec(err);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited (${code}): ${err}`)));
  });
  const readyMs = performance.now() - t0;
  try {
    const rssAtStart = rssOf(child.pid!);
    const first = await json(base, '/api/v1/campaigns?limit=1');
    const r = rng(16);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    const total: number = first.total;
    const largest = (await json(base, '/api/v1/campaigns?sort=identity_count&order=desc&limit=1')).data[0];
    // A sample of campaigns from pages across the list, merged ones too (through merged_in).
    const sample: string[] = [];
    const payloads: string[] = [...largest.aggregates.payload_hashes];
    for (let k = 0; k < 20; k++) {
      const page = await json(base, `/api/v1/campaigns?limit=50&sort=uuid&order=asc&offset=${Math.floor(r() * Math.max(1, total - 50))}`);
      for (const c of page.data) {
        // A store grown before repeat-log kept ids UUIDs holds copies named `<uuid>~<k>`, which
        // the routes refuse (400): sample the campaigns that have UUIDs.
        if (UUID_SHAPED.test(c.uuid)) sample.push(c.uuid);
        payloads.push(...c.aggregates.payload_hashes);
      }
    }
    const merged = (await json(base, `/api/v1/campaigns/${largest.uuid}/merged?limit=200&offset=${Math.floor(r() * 1000)}`)).data as string[];
    const members = (await json(base, `/api/v1/campaigns/${largest.uuid}/identities?limit=200`)).data.map((i: { uuid: string }) => i.uuid) as string[];
    const c2 = largest.aggregates.c2_endpoints as string[];
    const largestHistory = (await json(base, `/api/v1/campaigns/${largest.uuid}/history?limit=1`)).total as number;
    const sorts = ['updated_at', 'created_at', 'first_seen_at', 'last_seen_at', 'identity_count', 'confidence', 'uuid'];
    const n = 400;
    const workloads: Array<[string, string[]]> = [
      ['list, first pages', Array.from({ length: n }, () => `/api/v1/campaigns?limit=50&sort=${pick(sorts)}&order=${pick(['asc', 'desc'])}&offset=${50 * Math.floor(r() * 20)}`)],
      ['list, deep pages', Array.from({ length: n }, () => `/api/v1/campaigns?limit=50&sort=${pick(sorts)}&order=${pick(['asc', 'desc'])}&offset=${Math.floor(r() * Math.max(1, total - 50))}`)],
      ['search, identity fragment', Array.from({ length: n }, () => `/api/v1/campaigns?q=${encodeURIComponent(pick(members).slice(4, 14))}`)],
      ['search, payload hash prefix', Array.from({ length: n }, () => `/api/v1/campaigns?q=${encodeURIComponent((payloads.length > 0 ? pick(payloads) : 'abcdef012345').slice(0, 12))}`)],
      ['search, shared C2 endpoint', Array.from({ length: n }, () => `/api/v1/campaigns?q=${encodeURIComponent(c2.length > 0 ? pick(c2) : 'example')}`)],
      ['campaign detail', Array.from({ length: n }, () => `/api/v1/campaigns/${pick(r() < 0.5 ? sample : merged.length > 0 ? merged : sample)}`)],
      ['history page', Array.from({ length: n }, () => `/api/v1/campaigns/${pick(sample)}/history?limit=50`)],
      ['largest: history page', Array.from({ length: n }, () => `/api/v1/campaigns/${largest.uuid}/history?limit=50&offset=${Math.floor(r() * Math.max(1, largestHistory - 50))}`)],
      ['largest: identities page', Array.from({ length: n }, () => `/api/v1/campaigns/${largest.uuid}/identities?limit=50&offset=${Math.floor(r() * Math.max(1, largest.identity_count - 50))}`)],
      ['largest: evidence page', Array.from({ length: n }, () => `/api/v1/campaigns/${largest.uuid}/evidence?offset=${50 * Math.floor(r() * 20)}&edges_offset=${1000 * Math.floor(r() * 10)}`)],
    ];
    const log = await openForReading(store);
    const head = await log.log.head();
    await log.close();
    print({
      bench: 'serve-start', store: kind(store), log_events: head, workers, ready_ms: Math.round(readyMs), ...rssAtStart,
      live_campaigns: total, largest_campaign: largest.identity_count, largest_history: largestHistory,
    });
    for (const [route, paths] of workloads) {
      // One client first: the time one request takes, without queueing behind the others.
      const alone = await hammer(base, paths, 1, Math.min(100, requests));
      print({
        bench: 'serve-route', store: kind(store), log_events: head, workers, route, clients, requests, ...await hammer(base, paths, clients, requests),
        one_client_p50: alone.p50, one_client_p99: alone.p99,
      });
    }
    print({ bench: 'serve-rss', store: kind(store), log_events: head, workers, ...rssOf(child.pid!) });
  } finally {
    child.kill('SIGTERM');
    agent.destroy();
  }
}

// ---- membership ----------------------------------------------------------------------------------

function membership(store: string): void {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', 'sh', '-c', `"${process.execPath}" "${path.join(ROOT, 'bin', 'campaigns.mjs')}" membership --store "${store}" | wc -l`],
    { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`membership failed: ${r.stderr}`);
  const [secs, kb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  print({ bench: 'serve-membership', store: kind(store), identities: Number(r.stdout.trim()), seconds: secs, peak_rss_mb: Math.round(kb / 1024) });
}

/** Each phase of each store in a process of its own, so each RSS is that phase's. */
function suite(stores: readonly string[]): void {
  for (const store of stores) {
    const made = /(?:^|\/)store-(\d+)-default@1\/?$/.exec(store);
    if (!isPostgresUrl(store) && !existsSync(path.join(store, STORE_FILE)) && made !== null) {
      const r = spawnSync(process.execPath, ['--max-old-space-size=16384', '--import', 'tsx', import.meta.filename, 'make', store, made[1]], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`make ${store} exited with ${r.status ?? r.signal}`);
    }
    for (const phase of ['build', 'load', 'membership']) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, phase, store, ...process.argv.filter((a) => a.startsWith('--'))],
        { stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`${phase} ${store} exited with ${r.status ?? r.signal}`);
    }
  }
}

if (mode === 'make') await make(args[0], Number(args[1]));
else if (mode === 'grow') await grow(args[0], args[1], Number(args[2]));
else if (mode === 'suite') suite(args);
else if (mode === 'build') await build(args[0]);
else if (mode === 'load') await load(args[0]);
else if (mode === 'membership') membership(args[0]);
else throw new Error('usage: tsx bench/serve.ts make <dir> <identity-events> | grow <source-dir> <store> <events> | build <store> | load <store> | membership <store>');
