/**
 * Failures → one clear line on stderr and an exit code. Errors that carry a `code` (adapters,
 * pipeline) are expected failures and print as `error [code]: message`; anything else is a
 * bug and prints its stack, so it can be reported.
 */
import { UsageError } from './args.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

interface Coded {
  readonly code: string;
  readonly retriable: boolean;
  readonly message: string;
}

const isCoded = (e: unknown): e is Coded =>
  e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { retriable?: unknown }).retriable === 'boolean';

export function describeFailure(command: string, e: unknown): { text: string; exit: number } {
  if (e instanceof UsageError) {
    return { text: `campaigns ${command}: ${e.message}\nRun 'campaigns ${command} --help' for usage.\n`, exit: EXIT_USAGE };
  }
  if (isCoded(e)) {
    const hint = e.retriable ? ' (temporary: retrying may succeed)' : '';
    return { text: `campaigns ${command}: error [${e.code}]: ${e.message}${hint}\n`, exit: EXIT_FAILURE };
  }
  const detail = e instanceof Error ? e.stack ?? e.message : String(e);
  return { text: `campaigns ${command}: unexpected failure: ${detail}\n`, exit: EXIT_FAILURE };
}
