/**
 * Embedded runtime benchmarks, each phase in its own process so RSS is that phase's.
 *
 *   tsx bench/runtime.ts run <events>       end-to-end file run: NDJSON → validate → engine →
 *                                           SQLite commit (events/s, peak RSS, store size)
 *   tsx bench/runtime.ts replay <events> [run-size]   replay of a log of that many campaign events: read
 *                                           (SQLite rows), decode (JSON.parse) and fold timed apart
 *
 * The replay log is real engine output (the run phase's log) repeated with renamed ids until it
 * reaches the requested size, appended as batches of 10,000 events.
 */
import Database from 'better-sqlite3';
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openFileSource, openRecordedFile } from '../src/adapters/file/open-source.ts';
import { RejectsFile } from '../src/adapters/file/rejects-file.ts';
import { openSqliteStore } from '../src/adapters/sqlite/store.ts';
import { campaignEngines } from '../src/cli/engines.ts';
import type { CampaignEvent } from '../src/domain/campaign-events.ts';
import { emptyTables, foldAll } from '../src/domain/tables.ts';
import { identityEventToWire } from '../src/domain/validate.ts';
import { runIngest } from '../src/pipeline/run.ts';
import { benchCorpus } from './corpus.ts';

const OUT = path.resolve(import.meta.dirname, 'out');
const [mode, sizeArg] = process.argv.slice(2);
const size = Number(sizeArg ?? 1_000_000);
const clock = { now: () => Date.now() };
const dirSize = (d: string): number => readdirSync(d).reduce((n, f) => n + statSync(path.join(d, f)).size, 0);
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function writeInput(events: number): Promise<string> {
  const file = path.join(OUT, `identity-${events}.ndjson`);
  if (existsSync(file)) return file;
  const out = createWriteStream(file);
  for (const e of benchCorpus(Math.ceil(events / 2))) {
    if (!out.write(JSON.stringify(identityEventToWire(e)) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return file;
}

async function runPhase(): Promise<void> {
  const input = await writeInput(size);
  const dir = path.join(OUT, `store-${size}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const store = openSqliteStore(path.join(dir, 'campaigns.sqlite'));
  const t0 = performance.now();
  const result = await runIngest(
    {
      log: store.log, tables: store.tables, snapshots: store.snapshots, rejects: new RejectsFile(path.join(dir, 'rejects.ndjson')),
      engines: campaignEngines, inputs: [await openFileSource(input)], openSource: openRecordedFile, clock,
    },
    { batchSize: 1000 },
  );
  const secs = (performance.now() - t0) / 1000;
  store.close();
  console.log(JSON.stringify({
    bench: 'file-run', identity_events: result.summary.events_read, seconds: +secs.toFixed(1),
    events_per_s: Math.round(result.summary.events_read / secs), campaign_events: result.summary.events_appended,
    peak_rss_mb: peakRssMb(), input_mb: +(statSync(input).size / 2 ** 20).toFixed(1), store_mb: +(dirSize(dir) / 2 ** 20).toFixed(1),
  }));
}

async function replayPhase(): Promise<void> {
  const from = Number(process.argv[4] ?? 1_000_000);
  const source = path.join(OUT, `store-${from}`, 'campaigns.sqlite');
  if (!existsSync(source)) throw new Error(`run \`tsx bench/runtime.ts run ${from}\` first: the replay log is built from its output`);
  const dir = path.join(OUT, `replay-${size}-from-${from}`);
  const file = path.join(dir, 'campaigns.sqlite');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const src = openSqliteStore(source, { readonly: true });
    const base = await src.log.read(1, Number.MAX_SAFE_INTEGER);
    src.close();
    const dst = openSqliteStore(file);
    let seq = 0;
    let batch = 0;
    for (let copy = 0; seq < size; copy++) {
      const rename = (s: string) => (copy === 0 ? s : `${s}~${copy}`);
      const renameEvent = (e: CampaignEvent): CampaignEvent => JSON.parse(
        JSON.stringify(e, (k, v) => (typeof v === 'string' && /uuid$|^[ab]$/.test(k) ? rename(v) : v)),
        (k, v) => (Array.isArray(v) && k === 'identity_uuids' ? v.map(rename) : v)) as CampaignEvent;
      const renamed = copy === 0 ? base : base.map(renameEvent);
      for (let i = 0; i < renamed.length && seq < size; i += 10_000) {
        const events = renamed.slice(i, Math.min(i + 10_000, i + size - seq)).map((e) => ({ ...e, sequence: ++seq, event_id: `${e.event_id}~${copy}` }));
        seq -= events.length;
        batch++;
        await dst.log.append({
          batch: {
            index: batch, range: { from: `replay:${batch}`, to: `replay:${batch + 1}` }, segments: [], input_count: 0,
            first_sequence: seq + 1, event_count: events.length, rejects_mark: '0',
          },
          events,
        });
        seq += events.length;
      }
    }
    dst.close();
  }
  const store = openSqliteStore(file, { readonly: true });
  const head = await store.log.head();
  store.close();
  // Read raw rows, decode, fold: timed apart, on a connection of our own.
  const db = new Database(file, { readonly: true });
  let readMs = 0;
  let decodeMs = 0;
  let foldMs = 0;
  const tables = emptyTables();
  const PAGE = 50_000;
  const stmt = db.prepare('SELECT body FROM campaign_events WHERE sequence >= ? ORDER BY sequence LIMIT ?').raw(true);
  for (let from = 1; from <= head; from += PAGE) {
    let t = performance.now();
    const rows = stmt.all(from, PAGE) as Array<[string]>;
    readMs += performance.now() - t;
    t = performance.now();
    const events = rows.map((r) => JSON.parse(r[0]) as CampaignEvent);
    decodeMs += performance.now() - t;
    t = performance.now();
    foldAll(tables, events);
    foldMs += performance.now() - t;
  }
  db.close();
  const rate = (ms: number) => Math.round(head / (ms / 1000));
  console.log(JSON.stringify({
    bench: 'replay', log_events: head, read_events_per_s: rate(readMs), decode_events_per_s: rate(decodeMs),
    fold_events_per_s: rate(foldMs), end_to_end_events_per_s: rate(readMs + decodeMs + foldMs),
    store_mb: +(dirSize(dir) / 2 ** 20).toFixed(0), peak_rss_mb: peakRssMb(),
  }));
}

mkdirSync(OUT, { recursive: true });
if (mode === 'run') await runPhase();
else if (mode === 'replay') await replayPhase();
else throw new Error('usage: tsx bench/runtime.ts run|replay <events>');
