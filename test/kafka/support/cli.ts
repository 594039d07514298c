/**
 * Runs `campaigns pipeline` / `rebuild` / `repartition` in a child process for the tests that need a
 * real process (SIGKILL, SIGTERM): the same flag parsing and error reporting as bin/campaigns.mjs,
 * with only this folder's commands, so the tests do not depend on the command registry.
 *
 *   node --import tsx test/kafka/support/cli.ts pipeline --store … --brokers …
 */
import { parseArgs } from '../../../src/cli/args.ts';
import { pipelineCommand } from '../../../src/cli/commands/pipeline.ts';
import { rebuildCommand } from '../../../src/cli/commands/rebuild.ts';
import { repartitionCommand } from '../../../src/cli/commands/repartition.ts';
import { processIo } from '../../../src/cli/io.ts';
import { describeFailure } from '../../../src/cli/report-error.ts';

const [name, ...rest] = process.argv.slice(2);
const command = [pipelineCommand, rebuildCommand, repartitionCommand].find((c) => c.name === name);
if (command === undefined) {
  process.stderr.write(`unknown command ${name}\n`);
  process.exit(2);
}
const io = processIo();
try {
  const parsed = parseArgs(command.options, rest);
  if (parsed.help) throw new Error('no --help here');
  process.exitCode = await command.run(parsed.options, { io, clock: { now: () => Date.now() } });
} catch (e) {
  const { text, exit } = describeFailure(command.name, e);
  io.stderr.write(text);
  process.exitCode = exit;
}
