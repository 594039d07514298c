/** What a `campaigns` sub-command is: its flags, its help, and what it does. */
import type { Clock } from '../ports/clock.ts';
import type { OptionSpecs, ParsedOptions } from './args.ts';
import type { CliIo } from './io.ts';

export interface CommandContext {
  readonly io: CliIo;
  readonly clock: Clock;
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  /** One line, for the tool's help. */
  readonly summary: string;
  /** The synopsis after `campaigns <name>`. */
  readonly usage: string;
  /** Paragraphs for the command's own help. */
  readonly description: string;
  readonly options: O;
  /** Resolves to the exit code. Throws for failures (reported by the dispatcher, exit 1). */
  run(options: ParsedOptions<O>, ctx: CommandContext): Promise<number>;
}

/** Keeps a command's option types while letting the registry hold commands of any options. */
export const defineCommand = <O extends OptionSpecs>(c: Command<O>): Command<OptionSpecs> =>
  c as unknown as Command<OptionSpecs>;
