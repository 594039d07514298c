/**
 * Engine benchmark: one size per process (so RSS is the engine's), 1,000-event batches.
 * Usage: tsx bench/engine.ts <identities> [--corpus=bench|dense] [--profile=default|reference]
 *        [--brute | --brute=final]
 *
 * The corpus is generated up front and packed off-heap; each batch is decoded into fresh event
 * objects just before it is applied, as a file or topic reader would hand them over. Timing:
 * `seconds` / `events_per_s` / batch latencies are the engine's (`applyBatch`) time;
 * `wall_seconds` also includes decoding the input.
 */
import { performance } from 'node:perf_hooks';
import { createEngine } from '../src/domain/engine.ts';
import { profileByName } from '../src/domain/profile.ts';
import type { Features } from '../src/domain/features.ts';
import { bruteForcePartition } from '../test/support/brute-force.ts';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PackedCorpus } from './corpus.ts';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const n = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 10_000);
const corpusName = flag('corpus') ?? 'bench';
const profile = profileByName(flag('profile') ?? 'default');
const brute = process.argv.includes('--brute') || process.argv.includes('--brute=final');
/** --brute=final: only the final O(n²) pass (the per-batch passes get long past a few thousand identities) */
const bruteTicks = process.argv.includes('--brute');
const BATCH = 1000;

// The corpus is generated and packed by a child process (cached in the temp dir by size), so
// this process starts clean: no generation garbage whose freed pages the engine could reuse
// without RSS showing it.
// (keyed by the generator's source, so an edited corpus.ts never reads a stale file)
const generator = corpusName === 'dense' ? './dense-corpus.ts' : './corpus.ts';
const corpusSource = createHash('sha1').update(readFileSync(new URL(generator, import.meta.url))).digest('hex').slice(0, 12);
const corpusFile = join(tmpdir(), `campaign-stream-bench-${corpusName}-${n}-${corpusSource}.bin`);
if (!existsSync(corpusFile)) {
  execFileSync(process.execPath, ['--import', 'tsx', new URL('./pack-corpus.ts', import.meta.url).pathname, String(n), corpusFile, corpusName], { stdio: 'inherit' });
}
const events = PackedCorpus.fromBuffer(readFileSync(corpusFile));
// Two full collections: memory is measured retained, not with a collection's leftovers.
global.gc?.();
global.gc?.();
const memBefore = process.memoryUsage();
const rssBefore = memBefore.rss;
const engine = createEngine({ profile });
const latencies: number[] = [];
let pairs = 0;
let out = 0;
let engineMs = 0;
// --brute: the reference re-clusters everything each tick; time that O(n²) pass after every batch too.
const tickBruteMs: number[] = [];
/** Plain feature records with every field materialized, so the O(n²) pass pays for scoring only. */
const plain = (): Features[] => [...engine.features.values()].map((f) => ({
  uuid: f.uuid, asns: f.asns, tools: f.tools, payloads: f.payloads, c2: f.c2, infra: f.infra, deckies: f.deckies,
  first: new Map(f.first), last: new Map(f.last), windows: f.windows, windowTotal: f.windowTotal, kd: f.kd, kdHi: f.kdHi,
  kdLo: f.kdLo, firstActivity: f.firstActivity, lastActivity: f.lastActivity, selfAccess: f.selfAccess,
}));
const t0 = performance.now();
for (let i = 0, b = 0; i < events.length; i += BATCH, b++) {
  const slice = events.slice(i, i + BATCH).map((event, j) => ({ position: `bench:${i + j}`, event }));
  const s = performance.now();
  const o = engine.applyBatch(slice, { from: `bench:${i}`, to: `bench:${i + slice.length}` });
  const ms = performance.now() - s;
  latencies.push(ms);
  engineMs += ms;
  pairs += o.stats.pairs_scored;
  out += o.events.length;
  if (bruteTicks) {
    const nodes = plain();
    const bs = performance.now();
    bruteForcePartition(nodes);
    tickBruteMs.push(performance.now() - bs);
  }
}
const wall = (performance.now() - t0) / 1000;
const secs = engineMs / 1000;
global.gc?.();
global.gc?.();
const memAfter = process.memoryUsage();
const rssAfter = memAfter.rss;
// Growth over the run: mean batch time of the first and the last tenth of batches.
const tenth = Math.max(1, Math.floor(latencies.length / 10));
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const firstTenth = meanOf(latencies.slice(0, tenth));
const lastTenth = meanOf(latencies.slice(-tenth));
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
const status = engine.status();
const result: Record<string, unknown> = {
  corpus: corpusName,
  profile: profile.name,
  identities: n,
  events: events.length,
  seconds: +secs.toFixed(2),
  wall_seconds: +wall.toFixed(2),
  events_per_s: Math.round(events.length / secs),
  batch_p50_ms: +pct(50).toFixed(2),
  batch_p99_ms: +pct(99).toFixed(2),
  batch_max_ms: +latencies[latencies.length - 1].toFixed(2),
  batch_first_tenth_mean_ms: +firstTenth.toFixed(2),
  batch_last_tenth_mean_ms: +lastTenth.toFixed(2),
  last_over_first_tenth: +(lastTenth / firstTenth).toFixed(2),
  rss_per_identity_bytes: Math.round((rssAfter - rssBefore) / n),
  rss_mb: Math.round(rssAfter / 2 ** 20),
  // where the RSS goes: live JS heap, and typed-array storage outside it
  heap_used_per_identity_bytes: Math.round((memAfter.heapUsed - memBefore.heapUsed) / n),
  array_buffers_per_identity_bytes: Math.round((memAfter.arrayBuffers - memBefore.arrayBuffers) / n),
  pairs_scored: pairs,
  campaign_events: out,
  campaigns_live: status.campaigns_live,
  largest_campaign: status.largest_campaign,
};
if (brute) {
  // One O(n²) pass over the final features, against the engine's whole incremental run.
  const nodes = plain();
  const s = performance.now();
  bruteForcePartition(nodes);
  const bruteSecs = (performance.now() - s) / 1000;
  result.brute_force_seconds = +bruteSecs.toFixed(3);
  result.speedup_vs_brute_force = +(bruteSecs / secs).toFixed(1);
  // What the reference does each tick: the O(n²) pass after every batch, and its sum over the stream.
  if (bruteTicks) {
    const tickSum = tickBruteMs.reduce((a, b) => a + b, 0);
    result.brute_force_per_batch_ms_mean = +(tickSum / tickBruteMs.length).toFixed(1);
    result.brute_force_per_batch_ms_max = +Math.max(...tickBruteMs).toFixed(1);
    result.brute_force_all_ticks_seconds = +(tickSum / 1000).toFixed(3);
    result.speedup_vs_brute_force_all_ticks = +(tickSum / 1000 / secs).toFixed(1);
  }
}
console.log(JSON.stringify(result));
