/**
 * Embedded runtime benchmarks, each phase in its own process so RSS is that phase's.
 *
 *   tsx bench/runtime.ts run <events> [--corpus=bench|dense] [--profile=NAME]
 *                                           end-to-end file run, whole process: `campaigns run`
 *                                           (the CLI, a child process: NDJSON → validate → engine →
 *                                           SQLite commit, snapshots, final tables) — events/s,
 *                                           peak RSS, store size — beside the engine alone on the
 *                                           same input in the same bench run, and their ratio
 *   tsx bench/runtime.ts engine <events> [--corpus] [--profile]
 *                                           the engine alone on the run's input: each batch of
 *                                           1,000 lines decoded and validated just before
 *                                           applyBatch; events/s of applyBatch time
 *   tsx bench/runtime.ts replay <events> [run-size]   replay of a log of that many campaign events: read
 *                                           (SQLite rows), decode (fold-input.ts, what `campaigns
 *                                           replay` runs) and fold timed apart
 *
 * The replay log is real engine output (the run phase's log) repeated with renamed ids until it
 * reaches the requested size, appended as batches of 10,000 events.
 */
import Database from 'better-sqlite3';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, statSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execFileSync, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { openSqliteStore } from '../src/adapters/sqlite/store.ts';
import { enginesFor } from '../src/cli/engines.ts';
import type { CampaignEvent } from '../src/domain/campaign-events.ts';
import type { PositionedEvent } from '../src/domain/identity-events.ts';
import { emptyTables, foldAll } from '../src/domain/tables.ts';
import { identityEventToWire, parseNdjsonLine } from '../src/domain/validate.ts';
import { foldInput } from '../src/pipeline/fold-input.ts';
import { benchCorpus } from './corpus.ts';
import { denseCorpus } from './dense-corpus.ts';

const OUT = path.resolve(import.meta.dirname, 'out');
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const [mode, sizeArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const corpusName = flag('corpus') ?? 'bench';
const engines = enginesFor(flag('profile'));
const size = Number(sizeArg ?? 1_000_000);
const dirSize = (d: string): number => readdirSync(d).reduce((n, f) => n + statSync(path.join(d, f)).size, 0);
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function writeInput(events: number): Promise<string> {
  const file = path.join(OUT, corpusName === 'dense' ? `identity-dense-${events}.ndjson` : `identity-${events}.ndjson`);
  if (existsSync(file)) return file;
  mkdirSync(OUT, { recursive: true });
  const out = createWriteStream(file);
  for (const e of corpusName === 'dense' ? denseCorpus(Math.ceil(events / 2)).events : benchCorpus(Math.ceil(events / 2))) {
    if (!out.write(JSON.stringify(identityEventToWire(e)) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return file;
}

const ROOT = path.resolve(import.meta.dirname, '..');

/** `campaigns run` as a user runs it (bin/campaigns.mjs), timed whole, its peak RSS from /usr/bin/time. */
function cliRun(input: string, dir: string): { seconds: number; peakRssMb: number; summary: Record<string, number> } {
  const args = ['-f', '%e %M', process.execPath, path.join(ROOT, 'bin', 'campaigns.mjs'), 'run', '--input', input, '--store', dir, '--json'];
  if (flag('profile') !== undefined) args.push('--profile', flag('profile')!);
  const r = spawnSync('/usr/bin/time', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`campaigns run failed (${r.status}): ${r.stderr}`);
  const [secs, kb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { summary: JSON.parse(r.stdout), seconds: secs, peakRssMb: Math.round(kb / 1024) };
}

async function runPhase(): Promise<void> {
  const input = await writeInput(size);
  const dir = path.join(OUT, corpusName === 'dense' ? `store-dense-${engines.profile}-${size}` : `store-${size}`);
  // The engine alone, on the same input, in a process of its own.
  const engineOut = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=20000', '--import', 'tsx', import.meta.filename, 'engine', String(size), ...process.argv.slice(2).filter((a) => a.startsWith('--'))],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const engine = JSON.parse(engineOut) as { events_per_s: number; seconds: number };
  rmSync(dir, { recursive: true, force: true });
  const run = cliRun(input, dir);
  const eventsPerS = Math.round(run.summary.events_read / run.seconds);
  console.log(JSON.stringify({
    bench: 'file-run', corpus: corpusName, profile: engines.profile, identity_events: run.summary.events_read,
    seconds: run.seconds, events_per_s: eventsPerS,
    engine_only_events_per_s: engine.events_per_s, run_over_engine: +(eventsPerS / engine.events_per_s).toFixed(3),
    campaign_events: run.summary.events_appended, batches: run.summary.batches, peak_rss_mb: run.peakRssMb,
    input_mb: +(statSync(input).size / 2 ** 20).toFixed(1), store_mb: +(dirSize(dir) / 2 ** 20).toFixed(1),
  }));
}

/** The engine alone on the run's input file: lines decoded and validated per batch, applyBatch timed. */
async function enginePhase(): Promise<void> {
  const input = await writeInput(size);
  const engine = engines.create();
  const lines = createInterface({ input: createReadStream(input), crlfDelay: Infinity });
  let batch: string[] = [];
  let applyMs = 0;
  let read = 0;
  let out = 0;
  const t0 = performance.now();
  const apply = (): void => {
    const events: PositionedEvent[] = [];
    for (const line of batch) {
      const v = parseNdjsonLine(line);
      if (v.ok) events.push({ position: `bench:${read}`, event: v.event });
      read++;
    }
    batch = [];
    const s = performance.now();
    out += engine.applyBatch(events, { from: `bench:${read - events.length}`, to: `bench:${read}` }).events.length;
    applyMs += performance.now() - s;
  };
  for await (const line of lines) {
    batch.push(line);
    if (batch.length === 1000) apply();
  }
  if (batch.length > 0) apply();
  console.log(JSON.stringify({
    bench: 'engine-only', corpus: corpusName, profile: engines.profile, identity_events: read, seconds: +(applyMs / 1000).toFixed(2),
    wall_seconds: +((performance.now() - t0) / 1000).toFixed(2), events_per_s: Math.round(read / (applyMs / 1000)), campaign_events: out,
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
  // Read raw rows, decode what the fold reads (as `campaigns replay` does), fold: timed apart, on
  // a connection of our own.
  const db = new Database(file, { readonly: true });
  let readMs = 0;
  let decodeMs = 0;
  let foldMs = 0;
  const tables = emptyTables();
  const PAGE = 20_000;
  const stmt = db.prepare('SELECT body FROM campaign_events WHERE sequence >= ? ORDER BY sequence LIMIT ?').pluck();
  for (let from = 1; from <= head; from += PAGE) {
    let t = performance.now();
    const rows = stmt.all(from, PAGE) as string[];
    readMs += performance.now() - t;
    t = performance.now();
    const events = rows.map(foldInput) as CampaignEvent[];
    decodeMs += performance.now() - t;
    t = performance.now();
    foldAll(tables, events);
    foldMs += performance.now() - t;
  }
  db.close();
  const rate = (ms: number) => Math.round(head / (ms / 1000));
  console.log(JSON.stringify({
    bench: 'replay', log_events: head, read_events_per_s: rate(readMs), decode_events_per_s: rate(decodeMs),
    fold_events_per_s: rate(foldMs), decode_fold_events_per_s: rate(decodeMs + foldMs), end_to_end_events_per_s: rate(readMs + decodeMs + foldMs),
    rows: tables.rows.size, store_mb: +(dirSize(dir) / 2 ** 20).toFixed(0), peak_rss_mb: peakRssMb(),
  }));
}

mkdirSync(OUT, { recursive: true });
if (mode === 'run') await runPhase();
else if (mode === 'engine') await enginePhase();
else if (mode === 'replay') await replayPhase();
else throw new Error('usage: tsx bench/runtime.ts run|engine|replay <events>');
