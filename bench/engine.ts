/**
 * Engine benchmark: one size per process (so RSS is the engine's), 1,000-event batches.
 * Usage: tsx bench/engine.ts <identities> [--brute]
 */
import { performance } from 'node:perf_hooks';
import { createEngine } from '../src/domain/engine.ts';
import { bruteForcePartition } from '../test/support/brute-force.ts';
import { benchCorpus } from './corpus.ts';

const n = Number(process.argv[2] ?? 10_000);
const brute = process.argv.includes('--brute');
const BATCH = 1000;

const events = benchCorpus(n);
global.gc?.();
const memBefore = process.memoryUsage();
const rssBefore = memBefore.rss;
const engine = createEngine();
const latencies: number[] = [];
let pairs = 0;
let out = 0;
const t0 = performance.now();
for (let i = 0, b = 0; i < events.length; i += BATCH, b++) {
  const slice = events.slice(i, i + BATCH).map((event, j) => ({ position: `bench:${i + j}`, event }));
  const s = performance.now();
  const o = engine.applyBatch(slice, { from: `bench:${i}`, to: `bench:${i + slice.length}` });
  latencies.push(performance.now() - s);
  pairs += o.stats.pairs_scored;
  out += o.events.length;
}
const secs = (performance.now() - t0) / 1000;
global.gc?.();
const memAfter = process.memoryUsage();
const rssAfter = memAfter.rss;
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
const status = engine.status();
const result: Record<string, unknown> = {
  identities: n,
  events: events.length,
  seconds: +secs.toFixed(2),
  events_per_s: Math.round(events.length / secs),
  batch_p50_ms: +pct(50).toFixed(2),
  batch_p99_ms: +pct(99).toFixed(2),
  batch_max_ms: +latencies[latencies.length - 1].toFixed(2),
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
  const nodes = [...engine.features.values()];
  const s = performance.now();
  bruteForcePartition(nodes);
  const bruteSecs = (performance.now() - s) / 1000;
  result.brute_force_seconds = +bruteSecs.toFixed(3);
  result.speedup_vs_brute_force = +(bruteSecs / secs).toFixed(1);
}
console.log(JSON.stringify(result));
