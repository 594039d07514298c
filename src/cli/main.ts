/**
 * The `campaigns` dispatcher: picks the command, parses its flags, runs it, turns failures
 * into exit codes (0 ok, 1 failure, 2 bad command line). Commands live in `commands/`.
 * `--debug` is every command's flag: it is taken off the line here, and failures then print
 * their stack (report-error.ts).
 */
import type { Clock } from '../ports/clock.ts';
import { describeOptions, parseArgs, UsageError } from './args.ts';
import type { Command } from './command.ts';
import { COMMANDS, type CommandEntry } from './commands/index.ts';
import { emit, processIo, type CliIo } from './io.ts';
import { describeFailure, EXIT_OK, EXIT_USAGE } from './report-error.ts';

const systemClock: Clock = { now: () => Date.now() };

export function toolHelp(commands: readonly Pick<CommandEntry, 'name' | 'summary'>[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'campaigns: event-sourced campaign clustering of attacker identities',
    '',
    'Usage: campaigns <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'campaigns <command> --help' for a command's options.",
    '',
  ].join('\n');
}

export const commandHelp = (c: Command): string =>
  `Usage: campaigns ${c.name} ${c.usage}\n\n${c.description}\n\nOptions:\n${describeOptions(c.options)}\n`;

export const DEBUG_FLAG = '--debug';

export async function main(argv: readonly string[], io: CliIo = processIo(), clock: Clock = systemClock): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    await emit(io.stderr, toolHelp());
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    await emit(io.stdout, topic !== undefined ? commandHelp(await topic.load()) : toolHelp());
    return EXIT_OK;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    await emit(io.stderr, `campaigns: unknown command '${name}'\n\n${toolHelp()}`);
    return EXIT_USAGE;
  }
  const debug = rest.includes(DEBUG_FLAG);
  try {
    const command = await entry.load();
    const parsed = parseArgs(command.options, rest.filter((a) => a !== DEBUG_FLAG));
    if (parsed.help) {
      await emit(io.stdout, commandHelp(command));
      return EXIT_OK;
    }
    return await command.run(parsed.options, { io, clock });
  } catch (e) {
    const { text, exit } = describeFailure(entry.name, e, debug);
    await emit(io.stderr, text);
    return exit;
  }
}

export { UsageError };
