/** `campaigns simulate`: expand a fixture into identity events (NDJSON) and truth labels. */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { toWireLine } from '../../sim/emit.ts';
import { simulateFixture } from '../../sim/scenario.ts';
import { UsageError } from '../args.ts';
import { defineCommand } from '../command.ts';
import { emit, type OutStream } from '../io.ts';

export const simulateCommand = defineCommand({
  name: 'simulate',
  summary: 'expand a scenario (fixture DSL) into identity events and truth labels',
  usage: '<fixture.yaml> [--seed N] [--out events.ndjson] [--truth truth.json]',
  description:
    'Expands a fixture exactly as the reference generator does (same seed, same corpus), folds its\n' +
    'attacker rows into identities with the reference identity layer, and writes one identity.observed\n' +
    'event per session as NDJSON, in time order (stdout without --out). A fleet scenario (fleet: block,\n' +
    'docs/SIMULATOR.md) adds late reports and C2-only sightings. --truth writes a JSON object mapping\n' +
    'each attacker row id to {identity_uuid, truth_campaign, truth_identity}.',
  options: {
    _: { type: 'strings', required: true, placeholder: 'fixture.yaml', description: 'the scenario to expand' },
    seed: { type: 'integer', min: 0, default: 0, placeholder: 'N', description: 'random seed' },
    out: { type: 'string', placeholder: 'file', description: 'write the events here instead of stdout' },
    truth: { type: 'string', placeholder: 'file', description: 'write the truth labels here' },
  },
  async run(opts, { io }) {
    if (opts._.length !== 1) throw new UsageError(`expected one fixture, got ${opts._.length}`);
    const sim = simulateFixture(opts._[0], opts.seed);
    const out: OutStream = opts.out ? createWriteStream(opts.out) : io.stdout;
    // Lines are made a chunk at a time: a million-identity fleet's lines would not fit at once.
    const events = sim.emitted.events;
    for (let i = 0; i < events.length; i += 5000) {
      await emit(out, events.slice(i, i + 5000).map(toWireLine).join('\n') + '\n');
    }
    if (opts.out) {
      const stream = out as ReturnType<typeof createWriteStream>;
      stream.end();
      await once(stream, 'finish');
    }
    if (opts.truth) {
      const truth: Record<string, { identity_uuid: string; truth_campaign: string; truth_identity: string }> = {};
      for (const [row, l] of sim.emitted.truth) {
        truth[row] = { identity_uuid: l.identity_uuid, truth_campaign: l.truth_campaign, truth_identity: l.truth_identity };
      }
      await writeFile(opts.truth, JSON.stringify(truth, null, 2) + '\n');
    }
    if (opts.out) {
      io.stderr.write(`${sim.emitted.events.length} events from ${sim.rows.length} attacker rows (${sim.identities} identities) → ${opts.out}\n`);
    }
    return 0;
  },
});
