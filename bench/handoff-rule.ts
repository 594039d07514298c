/**
 * Evidence for the default handoff rule (docs/CLUSTERING.md): over many seeds of the reference
 * fixtures, count the handoff pairs each rule accepts, split into pairs of the same truth
 * campaign (genuine) and of different ones (false), and the seeds each profile fails.
 * Usage: tsx bench/handoff-rule.ts [seeds=1000]
 */
import { join, resolve } from 'node:path';
import { createEngine } from '../src/domain/engine.ts';
import { handoffScore } from '../src/domain/edges.ts';
import { DEFAULT_PROFILE, REFERENCE_PROFILE } from '../src/domain/profile.ts';
import { scoreSeed } from '../src/sim/score-run.ts';
import { simulateFixture } from '../src/sim/scenario.ts';

const N = Number(process.argv[2] ?? 1000);
const DIR = resolve(process.env.DECNET_FIXTURE_DIR ?? join(import.meta.dirname, '../../shared/fixtures/decnet'));
const OWN = resolve(import.meta.dirname, '../scenarios');
const W = REFERENCE_PROFILE.handoffWindowSeconds;

for (const [dir, f] of [[DIR, 'noise_floor'], [DIR, 'multi_operator'], [OWN, 'genuine_handoff']] as const) {
  const counts = { reference: { genuine: 0, false: 0 }, foothold: { genuine: 0, false: 0 } };
  const failed = { reference: [] as number[], default: [] as number[] };
  for (let seed = 0; seed < N; seed++) {
    const path = join(dir, `${f}.yaml`);
    const sim = simulateFixture(path, seed);
    const truthOf = new Map([...sim.emitted.truth.values()].map((l) => [l.identity_uuid, l.truth_campaign]));
    const engine = createEngine();
    engine.applyBatch(sim.emitted.events.map((event, i) => ({ position: String(i), event })), { from: '0', to: '1' });
    const nodes = [...engine.features.values()];
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const kind = truthOf.get(nodes[i].uuid) === truthOf.get(nodes[j].uuid) ? 'genuine' : 'false';
        if (handoffScore(nodes[i], nodes[j], W, 'reference')) counts.reference[kind]++;
        if (handoffScore(nodes[i], nodes[j], W, 'foothold')) counts.foothold[kind]++;
      }
    }
    if (!scoreSeed(path, seed, { profile: REFERENCE_PROFILE, batchSize: 50 }).pass) failed.reference.push(seed);
    if (!scoreSeed(path, seed, { profile: DEFAULT_PROFILE, batchSize: 50 }).pass) failed.default.push(seed);
  }
  console.log(JSON.stringify({ fixture: f, seeds: N, handoff_pairs: counts, failed_seeds: failed }));
}
