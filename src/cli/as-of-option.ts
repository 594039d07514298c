/** The `--as-of` option of the read commands: a log sequence or an ISO-8601 time (domain/as-of.ts). */
import { AS_OF_EXPECTED, parseAsOf, type AsOf } from '../domain/as-of.ts';
import { UsageError } from './args.ts';

export const asOfOption = {
  type: 'string',
  placeholder: 'SEQ|TIME',
  description:
    'the tables as they were at this log position: a sequence (rounded down to the end of its batch) or an ' +
    'ISO-8601 time (the longest prefix whose events are all at or before it); past the head: the head',
  /** The position a value names, or a usage error saying what it should have been. */
  parse(raw: string): AsOf {
    const asOf = parseAsOf(raw);
    if (asOf === null) throw new UsageError(`--as-of ${JSON.stringify(raw)}: expected ${AS_OF_EXPECTED}`);
    return asOf;
  },
} as const;
