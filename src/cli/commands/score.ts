/** `campaigns score`: the whole pipeline on a scenario, scored against its truth. */
import { PROFILE_NAMES, profileByName, type ScoringProfile } from '../../domain/profile.ts';
import {
  parseSeedRange, scoreSeed, scoreSeedAcross, sweep, sweepAcross, type ScoreLine, type SweepSummary,
} from '../../sim/score-run.ts';
import { UsageError } from '../args.ts';
import { defineCommand } from '../command.ts';
import { emit } from '../io.ts';

const fmt = (l: ScoreLine) =>
  `${l.fixture} seed ${l.seed}${l.profile === undefined ? '' : ` ${l.profile}`}: ARI ${l.adjusted_rand_index.toFixed(4)}  ` +
  `homogeneity ${l.homogeneity.toFixed(4)}  completeness ${l.completeness.toFixed(4)}  singleton recall ${l.singleton_recall.toFixed(4)}  ` +
  `pair precision ${l.pair_precision.toFixed(4)}  pair recall ${l.pair_recall.toFixed(4)}  ` +
  `bot singleton recall ${l.bot_singleton_recall.toFixed(4)}  largest campaign ${l.largest_campaign}  ${l.pass ? 'PASS' : 'FAIL'}`;

const fmtSummary = (s: SweepSummary) =>
  `${s.fixture}${s.profile === undefined ? '' : ` ${s.profile}`}: ${s.passed} of ${s.seeds} seeds pass` +
  (s.failed.length ? `; failing seeds: ${s.failed.join(', ')}` : '') + '\n';

/**
 * `--profile` → the profiles to score, in order. `both` is the newest default and `reference`;
 * a comma-separated list names any others. Names resolve first (`default` → `default@2`), so
 * `default,default@2` is one profile listed twice and refused.
 */
export function parseProfiles(text: string | undefined): ScoringProfile[] {
  const names = text === undefined ? ['default'] : text === 'both' ? ['default', 'reference'] : text.split(',').map((s) => s.trim());
  const profiles: ScoringProfile[] = [];
  for (const name of names) {
    let p: ScoringProfile;
    try {
      p = profileByName(name);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (profiles.some((q) => q.name === p.name)) throw new UsageError(`--profile lists ${p.name} twice`);
    profiles.push(p);
  }
  return profiles;
}

export const scoreCommand = defineCommand({
  name: 'score',
  summary: 'simulate a scenario, cluster it, and score the campaigns against the truth',
  usage: '<fixture.yaml> [--seed N | --sweep A..B] [--expected bounds.yaml] [--profile NAME | both | A,B] [--json]',
  description:
    'Runs simulate → identity layer → campaign engine (in batches) → membership and prints ARI,\n' +
    'homogeneity, completeness, singleton recall, pair precision and pair recall, scored per attacker\n' +
    'row as the reference does, plus bot singleton recall (the background alone: fleet bots and noise\n' +
    'scanners) and the identities of the largest predicted campaign. Bounds come from --expected or the\n' +
    'fixture\'s own .expected.yaml. Exit code 0 iff every bound holds (for a sweep: on every seed).\n' +
    '--json prints one object per seed, and for a sweep a final summary {"fixture","seeds","passed","failed":[…]}.\n' +
    '--profile both (or a comma-separated list) scores the same simulated corpus under each profile:\n' +
    'one object per (seed, profile) with a "profile" field (the resolved name, e.g. "default@2"), one\n' +
    'summary per profile for a sweep, and an exit code that follows the first profile only (for both:\n' +
    'the default).',
  options: {
    _: { type: 'strings', required: true, placeholder: 'fixture.yaml', description: 'the scenario to score' },
    seed: { type: 'integer', min: 0, default: 0, placeholder: 'N', description: 'random seed' },
    sweep: { type: 'string', placeholder: 'A..B', description: 'score every seed of an inclusive range' },
    expected: { type: 'string', placeholder: 'bounds.yaml', description: 'bounds to check (default: the fixture\'s .expected.yaml)' },
    profile: {
      type: 'string',
      placeholder: 'name',
      description: `scoring profile: ${PROFILE_NAMES.join(', ')}; both (= default,reference); or a comma-separated list (default: default)`,
    },
    'batch-size': { type: 'integer', min: 1, default: 1000, placeholder: 'N', description: 'engine batch size' },
    json: { type: 'boolean', description: 'machine-readable output' },
  },
  async run(opts, { io }) {
    if (opts._.length !== 1) throw new UsageError(`expected one fixture, got ${opts._.length}`);
    const profiles = parseProfiles(opts.profile);
    const several = profiles.length > 1;
    const fixture = opts._[0];
    const show = (l: ScoreLine) => (opts.json ? JSON.stringify(l) : fmt(l)) + '\n';
    let seeds: number[] | undefined;
    if (opts.sweep !== undefined) {
      try {
        seeds = parseSeedRange(opts.sweep);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const common = { batchSize: opts['batch-size'], expected: opts.expected };
    if (seeds === undefined) {
      const lines = several ? scoreSeedAcross(fixture, opts.seed, { ...common, profiles }) : [scoreSeed(fixture, opts.seed, { ...common, profile: profiles[0] })];
      for (const l of lines) await emit(io.stdout, show(l));
      return lines[0].pass ? 0 : 1;
    }
    const run = several ? sweepAcross(fixture, seeds, { ...common, profiles }) : sweep(fixture, seeds, { ...common, profile: profiles[0] });
    for (let r = run.next(); ; r = run.next()) {
      if (r.done) {
        const summaries = Array.isArray(r.value) ? r.value : [r.value];
        for (const s of summaries) await emit(io.stdout, opts.json ? JSON.stringify(s) + '\n' : fmtSummary(s));
        return summaries[0].failed.length === 0 ? 0 : 1;
      }
      await emit(io.stdout, show(r.value));
    }
  },
});
