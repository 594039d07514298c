#!/usr/bin/env node
// `npm run bench`: every benchmark, each in its own process (so RSS is its own), printing one
// JSON line per measurement. `npm run bench -- --quick` runs the small sizes only; name a
// group to run just it: engine, dense, fleet, runtime, kafka, handoff, domains, serve.
// Numbers go into docs/BENCHMARKS.md with the machine and the date.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));
const want = (g) => only.length === 0 || only.includes(g);

const runs = [];
if (want('engine')) {
  // the benchmark corpus (benign: crews on a 200-decky fleet), default profiles old and new
  for (const n of quick ? [10_000] : [10_000, 100_000, 1_000_000]) {
    for (const profile of ['default@1', 'default@2']) runs.push(['engine', ['bench/engine.ts', String(n), `--profile=${profile}`]]);
  }
  runs.push(['engine', ['bench/engine.ts', '4000', '--brute']]);
}
if (want('dense')) {
  // the dense fleet (bench/dense-corpus.ts): every profile, per-batch time first and last tenth
  for (const n of quick ? [20_000] : [200_000, 1_000_000]) {
    for (const profile of ['default@2', 'default@1', 'reference']) runs.push(['dense', ['bench/engine.ts', String(n), '--corpus=dense', `--profile=${profile}`]]);
  }
}
if (want('fleet')) runs.push(['fleet', ['bench/fleet.ts', quick ? 'scenarios/fleet_10k.yaml' : 'scenarios/fleet_100k.yaml', '--profile=both']]);
if (want('runtime')) {
  const events = quick ? 20_000 : 1_000_000;
  runs.push(['runtime', ['bench/runtime.ts', 'run', String(events)]]);
  runs.push(['runtime', ['bench/runtime.ts', 'replay', String(quick ? 200_000 : 10_000_000), String(events)]]);
}
// 100,000 identities = 200,000 identity events on 3 partitions (issue #12's target size)
if (want('kafka')) runs.push(['kafka', ['bench/kafka.ts', quick ? '5000' : '100000']]);
if (want('handoff')) runs.push(['handoff', ['bench/handoff-rule.ts', quick ? '100' : '1000']]);
// 30 domains on 12 partitions, 1 vs 2 members, then the hand-over of a 100k-identity domain (issue #14)
if (want('domains')) runs.push(['domains', ['bench/domains.ts', quick ? '200' : '2000', '--handover', quick ? '5000' : '100000']]);
// `campaigns serve` at fleet scale: read model build, start, RSS, p99 per route under 20 clients,
// membership. The store is made once beforehand (bench/serve.ts says how); --quick: fewer requests.
if (want('serve')) runs.push(['serve', ['bench/serve.ts', 'suite', 'bench/out/store-1000000-default@1', ...(quick ? ['--requests=200'] : [])]]);

let failed = 0;
for (const [group, argv] of runs) {
  console.error(`[${group}] node ${argv.join(' ')}`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=16384', '--import', 'tsx', ...argv], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`[${group}] exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed ? 1 : 0);
