/** The `campaigns` command line: the contract other tools parse. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { currentValues, writeContainer } from './support/avro-files.ts';
import { BAD_LINES, identityLines, writeLines } from './support/identity-stream.ts';
import { runCli } from './support/spawn-cli.ts';
import { cli } from './support/store-run.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const store = path.join(dir, 'store');
const input = writeLines(path.join(dir, 'events.ndjson'), identityLines({ seed: 31, events: 1500, badEvery: 301 }));

const SUMMARY_FIELDS = [
  'events_read', 'events_applied', 'duplicates', 'stale', 'rejected', 'batches', 'identities_active',
  'campaigns_live', 'campaigns_merged', 'events_appended',
];

let summary: Record<string, unknown>;
let runStderr: string;
before(async () => {
  const r = await runCli(['run', '--input', input, '--store', store, '--batch-size', '200', '--json']);
  assert.equal(r.code, 0, r.stderr);
  summary = JSON.parse(r.stdout);
  runStderr = r.stderr;
  assert.equal(r.stdout.trimEnd().split('\n').length, 1, 'one JSON object on one line');
});

describe('campaigns (executable)', () => {
  it('--help lists every command and exits 0', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const c of ['run', 'membership', 'events', 'tables', 'replay']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
  });

  it('a bad flag exits 2 with the reason on stderr and nothing on stdout', async () => {
    const r = await runCli(['run', '--input', input, '--store', store, '--batch-size', 'ten']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /--batch-size must be an integer/);
  });

  it('run --json prints one object with every summary field; piped, stderr gets no progress bar', () => {
    for (const f of SUMMARY_FIELDS) assert.equal(typeof summary[f], 'number', f);
    assert.equal(summary.events_read, identityLines({ seed: 31, events: 1500, badEvery: 301 }).length);
    assert.equal(summary.rejected, 4);
    assert.ok((summary.events_appended as number) > 0 && (summary.campaigns_live as number) > 0);
    assert.equal(runStderr, '');
  });
});

describe('campaigns (commands)', () => {
  it('each command has --help', async () => {
    for (const c of ['run', 'membership', 'events', 'tables', 'replay']) {
      const r = await cli([c, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^Usage: campaigns ${c} `));
      assert.match(r.stdout, /--help/);
    }
  });

  it('usage errors exit 2: no command, unknown command, unknown flag, missing value, missing flag, out of range', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /Usage: campaigns <command>/],
      [['cluster'], /unknown command 'cluster'/],
      [['tables', '--store', store, '--pretty'], /unknown option --pretty/],
      [['events', '--store'], /--store needs a value/],
      [['membership'], /--store is required/],
      [['run', '--store', store], /--input is required/],
      [['run', '--input', '--store', store], /--input needs at least one file/],
      [['run', '--input', input, '--store', store, '--batch-size', '0'], /--batch-size must be at least 1/],
      [['events', '--store', store, '--from', '1', '--from', '2'], /--from is given twice/],
      [['tables', 'extra', '--store', store], /unexpected argument 'extra'/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, message, argv.join(' '));
      assert.equal(r.stdout, '');
    }
  });

  it('run without --json prints a readable summary', async () => {
    const r = await cli(['run', '--input', input, '--store', store]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^read +0 input records/m);
    assert.match(r.stdout, /^campaigns +\d+ live/m);
  });

  it('membership prints one {identity_uuid, campaign_uuid} per active identity, sorted by identity', async () => {
    const r = await cli(['membership', '--store', store]);
    const rows = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(rows.length, summary.identities_active);
    assert.ok(rows.every((m) => Object.keys(m).join() === 'identity_uuid,campaign_uuid'));
    const ids = rows.map((m) => m.identity_uuid);
    assert.deepEqual(ids, [...ids].sort());
    const tables = JSON.parse((await cli(['tables', '--store', store, '--json'])).stdout) as Array<{ uuid: string; status: string }>;
    const live = new Set(tables.filter((t) => t.status !== 'merged').map((t) => t.uuid));
    assert.ok(rows.every((m) => live.has(m.campaign_uuid)), 'every identity maps to a live campaign');
  });

  it('events prints the log as NDJSON envelopes, from --from inclusive', async () => {
    const all = (await cli(['events', '--store', store])).stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(all.length, summary.events_appended);
    assert.deepEqual(all.map((e) => e.sequence), all.map((_, k) => k + 1));
    for (const k of ['event_id', 'sequence', 'type', 'time', 'batch', 'payload', 'evidence']) assert.ok(k in all[0], k);
    const tail = (await cli(['events', '--store', store, '--from', '5'])).stdout.trimEnd().split('\n');
    assert.equal(JSON.parse(tail[0]).sequence, 5);
    assert.equal(tail.length, all.length - 4);
    assert.equal((await cli(['events', '--store', store, '--from', String(all.length + 1)])).stdout, '');
  });

  it('tables prints a readable table, and with --json an array of campaign rows', async () => {
    const text = (await cli(['tables', '--store', store])).stdout;
    assert.match(text, /^campaign +status +identities/);
    const rows = JSON.parse((await cli(['tables', '--store', store, '--json'])).stdout);
    assert.ok(Array.isArray(rows) && rows.length > 0);
    assert.deepEqual(Object.keys(rows[0]), [
      'uuid', 'status', 'merged_into', 'formed_at', 'formed_sequence', 'first_activity', 'last_activity', 'identity_count',
      'members', 'payload_hashes', 'c2_endpoints', 'deckies', 'asns', 'confidence', 'updated_at', 'updated_sequence',
    ]);
  });

  it('an input of nothing but bad lines is not a failure: exit 0, every line counted as rejected', async () => {
    const bad = writeLines(path.join(dir, 'bad.ndjson'), BAD_LINES.map((b, k) => b.line(k)));
    const r = await cli(['run', '--input', bad, '--store', path.join(dir, 'bad-store'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.rejected, BAD_LINES.length);
    assert.equal(s.events_appended, 0);
  });

  it('Avro container input runs like the same events in NDJSON', async () => {
    const lines = identityLines({ seed: 32, events: 300 });
    const avro = await writeContainer(path.join(dir, 'events.avro'), currentValues(lines));
    const nd = writeLines(path.join(dir, 'same.ndjson'), lines);
    const summaryOf = async (file: string, name: string) => {
      const r = await cli(['run', '--input', file, '--store', path.join(dir, name), '--json']);
      assert.equal(r.code, 0, r.stderr);
      const { elapsed_ms, ...s } = JSON.parse(r.stdout);
      assert.equal(typeof elapsed_ms, 'number');
      return s;
    };
    const fromAvro = await summaryOf(avro, 'avro-store');
    assert.equal(fromAvro.events_read, lines.length);
    assert.deepEqual(fromAvro, await summaryOf(nd, 'ndjson-store'));
  });

  it('failures exit 1 with the error code: a missing input, a missing store', async () => {
    const a = await cli(['run', '--input', path.join(dir, 'nope.ndjson'), '--store', store]);
    assert.equal(a.code, 1);
    assert.match(a.stderr, /error \[input_missing\]/);
    const b = await cli(['tables', '--store', path.join(dir, 'no-store')]);
    assert.equal(b.code, 1);
    assert.match(b.stderr, /error \[store_missing\]/);
  });
});
