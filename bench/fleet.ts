/**
 * Fleet benchmark: a fleet scenario with ground truth (default scenarios/fleet_1m.yaml, ~1M
 * identities) through simulate → identity layer → engine in batches → membership, scored under
 * each profile on the same simulated corpus. One JSON line for the simulation, then one per
 * profile: the engine's time and throughput beside what it got right (largest campaign, ARI,
 * pair precision and recall, completeness, bot singleton recall) — a fast wrong answer is not a
 * result.
 *
 * Usage: node --max-old-space-size=16384 --import tsx bench/fleet.ts [scenario.yaml]
 *          [--profile=both|NAME|A,B] [--seed=N] [--batch-size=N]
 * (1M identities: ~3.5M events; simulating takes a couple of minutes and ~5 GB of heap before
 * the engine starts.)
 */
import { performance } from 'node:perf_hooks';
import { basename } from 'node:path';
import { parseProfiles } from '../src/cli/commands/score.ts';
import { engineClusterer } from '../src/sim/engine-clusterer.ts';
import { boundsFor, scoreSimulation, simulateFixture } from '../src/sim/scenario.ts';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const scenario = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? new URL('../scenarios/fleet_1m.yaml', import.meta.url).pathname;
const profiles = parseProfiles(flag('profile') ?? 'both');
const seed = Number(flag('seed') ?? 0);
const batchSize = Number(flag('batch-size') ?? 1000);
const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);

const t0 = performance.now();
const sim = simulateFixture(scenario, seed);
const bounds = boundsFor(sim.fixture);
console.log(JSON.stringify({
  scenario: basename(scenario), seed, rows: sim.rows.length, identities: sim.identities, events: sim.emitted.events.length,
  simulate_seconds: +((performance.now() - t0) / 1000).toFixed(1), rss_mb: mb(),
}));

for (const profile of profiles) {
  const cluster = engineClusterer(profile, batchSize);
  let engineSeconds = 0;
  const s = scoreSimulation(sim, (events) => {
    const t = performance.now();
    const labels = cluster(events);
    engineSeconds = (performance.now() - t) / 1000;
    return labels;
  }, bounds);
  const m = s.metrics;
  console.log(JSON.stringify({
    scenario: basename(scenario), seed, profile: profile.name,
    engine_seconds: +engineSeconds.toFixed(1),
    events_per_s: Math.round(sim.emitted.events.length / engineSeconds),
    largest_campaign: m.largest_campaign, largest_true_campaign: s.counts.largest_true_campaign,
    adjusted_rand_index: +m.adjusted_rand_index.toFixed(4), pair_precision: +m.pair_precision.toFixed(4), pair_recall: +m.pair_recall.toFixed(4),
    completeness: +m.completeness.toFixed(4), bot_singleton_recall: +m.bot_singleton_recall.toFixed(4),
    predicted_campaigns: s.counts.predicted_campaigns, pass: s.breaches.length === 0, rss_mb: mb(),
  }));
}
