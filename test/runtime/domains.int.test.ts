/**
 * Clustering domains on the embedded path (docs/SCALING.md): one NDJSON input may mix domains,
 * and each domain is clustered exactly as if its events were alone, into a store of its own.
 *
 * - a mixed file and the same events as one file per domain give the same per-domain logs (but
 *   for the batches' input positions, which name other files), tables and membership; the same
 *   identity uuid in two domains is two identities, in campaigns whose ids never collide;
 * - fast-check: any interleaving and batch size of a mixed stream gives each domain what its own
 *   file gives;
 * - the read commands print every domain, or one (`--domain`); the default domain's output is
 *   what it was before domains existed;
 * - refused input goes to the store of the domain it names; a bad domain is refused with its
 *   position and reason;
 * - SIGKILL at random points and restarts: every domain ends byte-identical to one uninterrupted
 *   run (crash safety holds per domain).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { REJECTS_FILE } from '../../src/cli/store-dir.ts';
import { currentValues, writeContainer } from './support/avro-files.ts';
import { identityLines, prng, writeLines } from './support/identity-stream.ts';
import { runCli, startCli } from './support/spawn-cli.ts';
import { cli, dump } from './support/store-run.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-domains-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string): string => path.join(dir, `${name}-${++n}`);

/** The lines of one domain: every line that is a JSON object gets `domain` (null: left as it is). */
const inDomain = (lines: readonly string[], domain: string | null): string[] =>
  domain === null ? [...lines] : lines.map((l) => {
    try {
      const o = JSON.parse(l) as unknown;
      return typeof o === 'object' && o !== null && !Array.isArray(o) ? JSON.stringify({ ...o, domain }) : l;
    } catch {
      return l;
    }
  });

/** Interleaves the streams at random, each stream's own order kept. */
function interleave(streams: ReadonlyArray<readonly string[]>, seed: number): string[] {
  const rnd = prng(seed);
  const at = streams.map(() => 0);
  const out: string[] = [];
  for (;;) {
    const open = streams.map((s, k) => (at[k] < s.length ? k : -1)).filter((k) => k >= 0);
    if (open.length === 0) return out;
    const k = open[Math.floor(rnd() * open.length)];
    out.push(streams[k][at[k]++]);
  }
}

async function ok(argv: string[]): Promise<string> {
  const r = await cli(argv);
  assert.equal(r.code, 0, `campaigns ${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A domain's log without the batches' input positions (the one thing that names the input file). */
const withoutPositions = (events: string): unknown[] =>
  events.split('\n').filter(Boolean).map((l) => {
    const { batch: _batch, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return rest;
  });

interface DomainView {
  readonly events: unknown[];
  readonly tables: string;
  readonly membership: string;
}

async function view(store: string, domain: string): Promise<DomainView> {
  return {
    events: withoutPositions(await ok(['events', '--store', store, '--domain', domain])),
    tables: await ok(['tables', '--store', store, '--json', '--domain', domain]),
    membership: await ok(['membership', '--store', store, '--domain', domain]),
  };
}

// Three domains; fleet-b reuses the default domain's identity uuids (seed 1 for both).
const DEFAULT_LINES = identityLines({ seed: 1, events: 1_500 });
const B_LINES = inDomain(identityLines({ seed: 1, events: 1_200 }), 'fleet-b');
const C_LINES = inDomain(identityLines({ seed: 3, events: 900 }), 'fleet-c.eu_2');

describe('a mixed input clusters each domain as if it were alone', () => {
  it('mixed file vs one file per domain: the same per-domain logs (but positions), tables and membership', { timeout: 120_000 }, async () => {
    const mixedStore = fresh('mixed');
    const mixed = writeLines(path.join(dir, 'mixed.ndjson'), interleave([DEFAULT_LINES, B_LINES, C_LINES], 7));
    const summary = JSON.parse(await ok(['run', '--input', mixed, '--store', mixedStore, '--batch-size', '97', '--json']));
    assert.equal(summary.events_read, DEFAULT_LINES.length + B_LINES.length + C_LINES.length);
    assert.deepEqual(Object.keys(summary.domains), ['default', 'fleet-b', 'fleet-c.eu_2']);
    assert.deepEqual(readdirSync(path.join(mixedStore, 'domains')).sort(), ['fleet-b', 'fleet-c.eu_2']);

    const alone: Record<string, string> = {};
    for (const [name, lines] of [['default', DEFAULT_LINES], ['fleet-b', B_LINES], ['fleet-c.eu_2', C_LINES]] as const) {
      alone[name] = fresh(`alone-${name}`);
      const file = writeLines(path.join(dir, `${name}-${n}.ndjson`), lines);
      const s = JSON.parse(await ok(['run', '--input', file, '--store', alone[name], '--batch-size', '97', '--json']));
      assert.equal(s.events_read, lines.length);
      // The domain's own counts are those of the mixed run's domain.
      const { elapsed_ms: _elapsed, domains: _domains, ...whole } = s;
      assert.deepEqual(s.domains?.[name] ?? whole, summary.domains[name], `${name}: summary`);
    }
    for (const name of ['default', 'fleet-b', 'fleet-c.eu_2']) {
      const got = await view(mixedStore, name);
      const expected = await view(alone[name], name);
      assert.ok(expected.events.length > 100, `${name}: a log worth comparing`);
      assert.deepEqual(got.events, expected.events, `${name}: log`);
      assert.equal(got.tables, expected.tables, `${name}: tables`);
      assert.equal(got.membership, expected.membership, `${name}: membership`);
    }

    // The same uuids in two domains: the same identities' uuids, never the same campaigns.
    const ids = (m: string, k: string) => new Set(m.split('\n').filter(Boolean).map((l) => JSON.parse(l)[k] as string));
    const a = await ok(['membership', '--store', mixedStore, '--domain', 'default']);
    const b = await ok(['membership', '--store', mixedStore, '--domain', 'fleet-b']);
    const shared = [...ids(a, 'identity_uuid')].filter((u) => ids(b, 'identity_uuid').has(u));
    assert.ok(shared.length > 50, 'fleet-b reuses the default domain\'s identity uuids');
    assert.deepEqual([...ids(a, 'campaign_uuid')].filter((c) => ids(b, 'campaign_uuid').has(c)), []);
    const eventIds = (m: string) => withoutPositions(m).map((e) => (e as { event_id: string }).event_id);
    const allIds = eventIds(await ok(['events', '--store', mixedStore]));
    assert.equal(new Set(allIds).size, allIds.length, 'event ids are unique across domains');
  });

  it('property: any interleaving and batch size gives each domain what its own file gives', { timeout: 300_000 }, async () => {
    const streams = [
      identityLines({ seed: 11, events: 240, identities: 30, groups: 6 }),
      inDomain(identityLines({ seed: 11, events: 200, identities: 30, groups: 6 }), 'x'),
      inDomain(identityLines({ seed: 12, events: 160, identities: 25, groups: 5 }), 'y'),
    ];
    const names = ['default', 'x', 'y'];
    const aloneCache = new Map<string, DomainView>();
    const alone = async (k: number, batch: number): Promise<DomainView> => {
      const key = `${k}/${batch}`;
      let v = aloneCache.get(key);
      if (v === undefined) {
        const store = fresh('prop-alone');
        await ok(['run', '--input', writeLines(path.join(store + '.ndjson'), streams[k]), '--store', store, '--batch-size', String(batch)]);
        aloneCache.set(key, (v = await view(store, names[k])));
      }
      return v;
    };
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(7, 50, 1000), async (seed, batch) => {
        const store = fresh('prop-mixed');
        await ok(['run', '--input', writeLines(path.join(store + '.ndjson'), interleave(streams, seed)), '--store', store, '--batch-size', String(batch)]);
        for (let k = 0; k < streams.length; k++) {
          const got = await view(store, names[k]);
          const expected = await alone(k, batch);
          assert.deepEqual(got.events, expected.events);
          assert.equal(got.tables, expected.tables);
          assert.equal(got.membership, expected.membership);
        }
      }),
      { numRuns: 6, seed: 20_261_201 },
    );
  });
});

describe('Avro input and --follow', () => {
  it('an Avro container (schema v3) mixing domains gives every domain what the same NDJSON gives', { timeout: 60_000 }, async () => {
    const lines = interleave([DEFAULT_LINES.slice(0, 500), B_LINES.slice(0, 400), C_LINES.slice(0, 300)], 9);
    const ndjson = fresh('ndjson');
    const avro = fresh('avro');
    await ok(['run', '--input', writeLines(path.join(dir, 'avro-twin.ndjson'), lines), '--store', ndjson, '--batch-size', '64']);
    const container = await writeContainer(path.join(dir, 'mixed.avro'), currentValues(lines), { codec: 'deflate' });
    await ok(['run', '--input', container, '--store', avro, '--batch-size', '64']);
    for (const name of ['default', 'fleet-b', 'fleet-c.eu_2']) {
      const a = await view(avro, name);
      const b = await view(ndjson, name);
      assert.ok(a.events.length > 0);
      assert.deepEqual(a.events, b.events, name);
      assert.equal(a.tables, b.tables, name);
      assert.equal(a.membership, b.membership, name);
    }
  });

  it('--follow clusters the default domain, warns about the others and leaves them to the next run', { timeout: 60_000 }, async () => {
    const root = fresh('follow');
    mkdirSync(root);
    const f = path.join(root, 'events.ndjson');
    const lines = interleave([DEFAULT_LINES.slice(0, 60), B_LINES.slice(0, 40)], 4);
    writeLines(f, lines.slice(0, 50));
    const store = path.join(root, 'store');
    const child = startCli(['run', '--input', f, '--store', store, '--follow', '--idle-ms', '100', '--json']);
    try {
      await until(() => existsSync(path.join(store, 'domains', 'fleet-b')));
      appendFileSync(f, lines.slice(50).map((l) => l + '\n').join(''));
      await new Promise((r) => setTimeout(r, 600));
    } finally {
      child.child.kill('SIGINT');
    }
    const r = await child.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: records of domain fleet-b are not clustered while following/);
    assert.equal(r.stderr.match(/domain fleet-b are not clustered/g)?.length, 1, 'warned once');
    assert.equal(JSON.parse(r.stdout).domains, undefined);
    assert.ok(!existsSync(path.join(store, 'domains', 'fleet-b', 'campaigns.sqlite')), 'fleet-b not clustered yet');
    // The next run without --follow clusters fleet-b from the start, and nothing of the default domain again.
    const next = JSON.parse(await ok(['run', '--input', f, '--store', store, '--json']));
    assert.equal(next.domains.default.events_read, 0);
    assert.equal(next.domains['fleet-b'].events_read, 40);
    const alone = fresh('follow-alone');
    await ok(['run', '--input', writeLines(path.join(dir, 'follow-b.ndjson'), B_LINES.slice(0, 40)), '--store', alone]);
    assert.deepEqual((await view(store, 'fleet-b')).tables, (await view(alone, 'fleet-b')).tables);
  });
});

async function until(probe: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the read commands and domains', () => {
  it('print every domain (the default first; other lines carry domain), or one with --domain', { timeout: 60_000 }, async () => {
    const store = fresh('read');
    const input = writeLines(path.join(dir, 'read.ndjson'), interleave([DEFAULT_LINES.slice(0, 400), C_LINES.slice(0, 300)], 3));
    await ok(['run', '--input', input, '--store', store]);
    const all = (await ok(['events', '--store', store])).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const firstOther = all.findIndex((e) => e.domain !== undefined);
    assert.ok(firstOther > 0);
    assert.ok(all.slice(0, firstOther).every((e) => !('domain' in e)));
    assert.ok(all.slice(firstOther).every((e) => e.domain === 'fleet-c.eu_2' && Object.keys(e).at(-1) === 'domain'));
    assert.equal(all[firstOther].sequence, 1, 'every domain has its own sequences');
    const def = await ok(['events', '--store', store, '--domain', 'default']);
    assert.equal(def.split('\n').filter(Boolean).length, firstOther);

    const rows = JSON.parse(await ok(['tables', '--store', store, '--json'])) as Array<Record<string, unknown>>;
    const rowsC = JSON.parse(await ok(['tables', '--store', store, '--json', '--domain', 'fleet-c.eu_2'])) as Array<Record<string, unknown>>;
    assert.ok(rowsC.length > 0 && rowsC.every((r) => r.domain === 'fleet-c.eu_2'));
    assert.deepEqual(rows.filter((r) => r.domain !== undefined), rowsC);
    assert.ok(rows.filter((r) => r.domain === undefined).length > 0);
    assert.match(await ok(['tables', '--store', store]), /^domain\s+campaign\s+status/);
    assert.match(await ok(['tables', '--store', store, '--domain', 'default']), /^campaign\s+status/);

    for (const l of (await ok(['membership', '--store', store, '--domain', 'fleet-c.eu_2'])).split('\n').filter(Boolean)) {
      assert.deepEqual(Object.keys(JSON.parse(l)), ['identity_uuid', 'campaign_uuid', 'domain']);
    }
    const r = await cli(['events', '--store', store, '--domain', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error \[store_missing\]: no domain nope/);
    const bad = await cli(['tables', '--store', store, '--domain', 'Bad/Name']);
    assert.equal(bad.code, 2);
    assert.match(await ok(['replay', '--store', store]), /in domain fleet-c\.eu_2\n$/);
  });

  it('a store without domains prints exactly what it printed before (no domain anywhere)', async () => {
    const store = fresh('plain');
    await ok(['run', '--input', writeLines(path.join(dir, 'plain.ndjson'), DEFAULT_LINES.slice(0, 300)), '--store', store]);
    assert.ok(!existsSync(path.join(store, 'domains')));
    const d = await dump(store);
    assert.ok(!d.events.includes('"domain"') && !d.tables.includes('"domain"') && !d.membership.includes('"domain"'));
    assert.equal(await ok(['events', '--store', store, '--domain', 'default']), d.events);
    assert.equal(await ok(['tables', '--store', store, '--json', '--domain', 'default']), d.tables);
  });
});

describe('refused input and domains', () => {
  it('a bad domain is refused with its position and reason; a refused event of a domain goes to that domain\'s rejects', async () => {
    const store = fresh('rejects');
    const lines = [
      DEFAULT_LINES[0],
      JSON.stringify({ ...JSON.parse(DEFAULT_LINES[1]), domain: 'Fleet A' }),
      JSON.stringify({ ...JSON.parse(DEFAULT_LINES[2]), domain: 7 }),
      JSON.stringify({ type: 'identity.retired', event_id: 'late', time: 'yesterday', identity_uuid: 'x', domain: 'fleet-z' }),
      JSON.stringify({ ...JSON.parse(DEFAULT_LINES[3]), domain: 'default' }),
      JSON.stringify({ ...JSON.parse(DEFAULT_LINES[4]), domain: 'x'.repeat(65) }),
    ];
    const input = writeLines(path.join(dir, 'rejects.ndjson'), lines);
    const s = JSON.parse(await ok(['run', '--input', input, '--store', store, '--json']));
    assert.equal(s.rejected, 4);
    const root = readFileSync(path.join(store, REJECTS_FILE), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.deepEqual(root.map((r) => [r.line, r.code]), [[2, 'bad_value'], [3, 'schema'], [6, 'bad_value']]);
    assert.match(root[0].reason, /^domain must be lower-case letters/);
    assert.match(root[0].position, /^rejects\.ndjson:\d+$/);
    assert.equal(root[0].event_id, JSON.parse(DEFAULT_LINES[1]).event_id);
    assert.match(root[2].reason, /at most 64 characters/);
    const z = readFileSync(path.join(store, 'domains', 'fleet-z', REJECTS_FILE), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.deepEqual(z.map((r) => [r.line, r.code, r.event_id]), [[4, 'bad_time', 'late']]);
    // "default" is the default domain: that event is clustered with the domain-less ones.
    assert.equal(s.domains.default.events_applied, 2);
  });
});

describe('crash safety per domain', () => {
  it('killed with SIGKILL at random points and restarted, every domain ends byte-identical to an uninterrupted run', { timeout: 180_000 }, async (t) => {
    const lines = interleave([
      identityLines({ seed: 31, events: 6_000, badEvery: 997 }),
      inDomain(identityLines({ seed: 32, events: 5_000, badEvery: 991 }), 'fleet-b'),
      inDomain(identityLines({ seed: 33, events: 4_000 }), 'fleet-c'),
    ], 5);
    const input = writeLines(path.join(dir, 'crash.ndjson'), lines);
    const args = (store: string) => ['run', '--input', input, '--store', store, '--batch-size', '300', '--snapshot-every', '2000', '--json'];
    const rejects = (store: string) => ['', 'domains/fleet-b/', 'domains/fleet-c/']
      .map((d) => path.join(store, d + REJECTS_FILE)).map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : '')).join('\n--\n');
    const refStore = fresh('crash-ref');
    const started = Date.now();
    const ref = await runCli(args(refStore));
    const refMs = Date.now() - started;
    assert.equal(ref.code, 0, ref.stderr);
    const expected = { ...(await dump(refStore)), rejects: rejects(refStore) };

    const store = fresh('crash');
    const rnd = prng(20_261_201);
    let killed = 0;
    for (let k = 0; k < 4; k++) {
      // Spread over the whole run, so kills land in the later domains' passes too.
      const delay = Math.round(300 + refMs * (0.1 + (0.85 * (k + rnd())) / 4));
      const { child, done } = startCli(args(store));
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const r = await done;
      clearTimeout(timer);
      if (r.signal === 'SIGKILL') killed++;
      else assert.equal(r.code, 0, r.stderr);
      t.diagnostic(`run ${k + 1}: ${r.signal ?? `exit ${r.code}`} after ${delay} ms`);
    }
    const last = await runCli(args(store));
    assert.equal(last.code, 0, last.stderr);
    assert.ok(killed >= 2, `only ${killed} runs were killed before finishing`);
    const got = { ...(await dump(store)), rejects: rejects(store) };
    assert.equal(got.events, expected.events, 'event logs differ');
    assert.equal(got.tables, expected.tables, 'tables differ');
    assert.equal(got.membership, expected.membership, 'membership differs');
    assert.equal(got.rejects, expected.rejects, 'rejects differ');
    assert.ok(got.events.includes('"domain":"fleet-c"'));
  });
});
