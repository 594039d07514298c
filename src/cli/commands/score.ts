/** `campaigns score`: the whole pipeline on a scenario, scored against its truth. */
import { profileByName } from '../../domain/profile.ts';
import { parseSeedRange, scoreSeed, sweep, type ScoreLine } from '../../sim/score-run.ts';
import { UsageError } from '../args.ts';
import { defineCommand } from '../command.ts';
import { emit } from '../io.ts';

const fmt = (l: ScoreLine) =>
  `${l.fixture} seed ${l.seed}: ARI ${l.adjusted_rand_index.toFixed(4)}  homogeneity ${l.homogeneity.toFixed(4)}  ` +
  `completeness ${l.completeness.toFixed(4)}  singleton recall ${l.singleton_recall.toFixed(4)}  ${l.pass ? 'PASS' : 'FAIL'}`;

export const scoreCommand = defineCommand({
  name: 'score',
  summary: 'simulate a scenario, cluster it, and score the campaigns against the truth',
  usage: '<fixture.yaml> [--seed N | --sweep A..B] [--expected bounds.yaml] [--profile NAME] [--json]',
  description:
    'Runs simulate → identity layer → campaign engine (in batches) → membership and prints ARI,\n' +
    'homogeneity, completeness and singleton recall, scored per attacker row as the reference does.\n' +
    'Bounds come from --expected or the fixture\'s own .expected.yaml. Exit code 0 iff every bound holds\n' +
    '(for a sweep: on every seed). --json prints one object per seed, and for a sweep a final summary\n' +
    '{"fixture","seeds","passed","failed":[…]}.',
  options: {
    _: { type: 'strings', required: true, placeholder: 'fixture.yaml', description: 'the scenario to score' },
    seed: { type: 'integer', min: 0, default: 0, placeholder: 'N', description: 'random seed' },
    sweep: { type: 'string', placeholder: 'A..B', description: 'score every seed of an inclusive range' },
    expected: { type: 'string', placeholder: 'bounds.yaml', description: 'bounds to check (default: the fixture\'s .expected.yaml)' },
    profile: { type: 'string', placeholder: 'name', description: 'scoring profile: default or reference (default: default)' },
    'batch-size': { type: 'integer', min: 1, default: 1000, placeholder: 'N', description: 'engine batch size' },
    json: { type: 'boolean', description: 'machine-readable output' },
  },
  async run(opts, { io }) {
    if (opts._.length !== 1) throw new UsageError(`expected one fixture, got ${opts._.length}`);
    let profile;
    try {
      profile = profileByName(opts.profile ?? 'default');
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const fixture = opts._[0];
    const options = { profile, batchSize: opts['batch-size'], expected: opts.expected };
    if (opts.sweep === undefined) {
      const line = scoreSeed(fixture, opts.seed, options);
      await emit(io.stdout, (opts.json ? JSON.stringify(line) : fmt(line)) + '\n');
      return line.pass ? 0 : 1;
    }
    let seeds: number[];
    try {
      seeds = parseSeedRange(opts.sweep);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const run = sweep(fixture, seeds, options);
    for (let r = run.next(); ; r = run.next()) {
      if (r.done) {
        const s = r.value;
        await emit(io.stdout, opts.json ? JSON.stringify(s) + '\n' :
          `${s.fixture}: ${s.passed} of ${s.seeds} seeds pass` + (s.failed.length ? `; failing seeds: ${s.failed.join(', ')}` : '') + '\n');
        return s.failed.length === 0 ? 0 : 1;
      }
      await emit(io.stdout, (opts.json ? JSON.stringify(r.value) : fmt(r.value)) + '\n');
    }
  },
});
