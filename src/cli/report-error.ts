/**
 * Failures → one line on stderr and an exit code: `campaigns <command>: error [<code>]: <message>`,
 * exit 1. Errors that carry a `code` and a `retriable` flag (adapters, pipeline) print their
 * code; anything else is `internal` (a bug, or a failure no adapter has mapped yet) and prints
 * only its message, so a user never has to read a stack trace to learn what went wrong. With
 * `--debug`, every failure also prints its stack and its causes. A bad command line exits 2.
 */
import { UsageError } from './args.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The code printed for an error that carries none of its own. */
export const INTERNAL = 'internal';

interface Coded {
  readonly code: string;
  readonly retriable: boolean;
  readonly message: string;
}

const isCoded = (e: unknown): e is Coded =>
  e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { retriable?: unknown }).retriable === 'boolean';

/** The stack of `e` and of every cause behind it. */
function stacks(e: unknown): string {
  const out: string[] = [];
  for (let c: unknown = e, depth = 0; c !== undefined && c !== null && depth < 8; c = (c as { cause?: unknown }).cause, depth++) {
    out.push((depth === 0 ? '' : 'caused by: ') + (c instanceof Error ? c.stack ?? c.message : String(c)));
  }
  return out.join('\n') + '\n';
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

export function describeFailure(command: string, e: unknown, debug = false): { text: string; exit: number } {
  if (e instanceof UsageError) {
    return { text: `campaigns ${command}: ${e.message}\nRun 'campaigns ${command} --help' for usage.\n`, exit: EXIT_USAGE };
  }
  const trace = debug ? stacks(e) : '';
  if (isCoded(e)) {
    const hint = e.retriable ? ' (temporary: retrying may succeed)' : '';
    return { text: `campaigns ${command}: error [${e.code}]: ${oneLine(e.message)}${hint}\n${trace}`, exit: EXIT_FAILURE };
  }
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const more = debug ? '' : ' (run with --debug for the stack)';
  return { text: `campaigns ${command}: error [${INTERNAL}]: ${oneLine(message)}${more}\n${trace}`, exit: EXIT_FAILURE };
}
