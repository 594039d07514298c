/**
 * Flag parsing for every command, declared per command so `--help` and the checks come from
 * one place. Anything not declared is a usage error (exit 2), never ignored: a mistyped
 * `--batchsize 10` must not silently run with the default.
 *
 * Forms: `--name value`, `--name=value`, boolean `--name`, and list flags that take every
 * following word up to the next flag (`--input a.ndjson b.avro`).
 */

export type OptionSpec =
  | { readonly type: 'boolean'; readonly description: string }
  | { readonly type: 'string'; readonly required?: boolean; readonly placeholder: string; readonly description: string }
  | { readonly type: 'strings'; readonly required?: boolean; readonly placeholder: string; readonly description: string }
  | {
    readonly type: 'integer'; readonly min?: number; readonly default?: number;
    readonly placeholder: string; readonly description: string;
  };

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> =
  S extends { type: 'boolean' } ? boolean
  : S extends { type: 'strings'; required: true } ? string[]
  : S extends { type: 'strings' } ? string[] | undefined
  : S extends { type: 'string'; required: true } ? string
  : S extends { type: 'string' } ? string | undefined
  : S extends { type: 'integer'; default: number } ? number
  : number | undefined;

export type ParsedOptions<O extends OptionSpecs> = { -readonly [K in keyof O]: ValueOf<O[K]> };

/** A bad command line: reported with the command's usage hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'usage';
  readonly retriable = false;
}

export type ParseResult<O extends OptionSpecs> = { readonly help: true } | { readonly help: false; readonly options: ParsedOptions<O> };

export function parseArgs<O extends OptionSpecs>(specs: O, argv: readonly string[]): ParseResult<O> {
  // Asking for help is never an error, whatever else is on the line.
  if (argv.includes('--help') || argv.includes('-h')) return { help: true };
  const values: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '--') {
      // Commands that take operands (`score <fixture.yaml>`) declare them as the `_` option.
      const operands = specs['_'];
      if (operands?.type !== 'strings' || arg === '--' || arg.startsWith('-')) throw new UsageError(`unexpected argument '${arg}'`);
      ((values['_'] as string[] | undefined) ?? (values['_'] = [] as string[]) as string[]).push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const spec = Object.prototype.hasOwnProperty.call(specs, name) ? specs[name] : undefined;
    if (spec === undefined) throw new UsageError(`unknown option --${name}`);
    if (spec.type !== 'strings' && name in values) throw new UsageError(`--${name} is given twice`);
    switch (spec.type) {
      case 'boolean':
        if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
        values[name] = true;
        break;
      case 'strings': {
        const list = (values[name] as string[] | undefined) ?? [];
        if (inline !== undefined) list.push(inline);
        while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) list.push(argv[++i]);
        if (list.length === 0) throw new UsageError(`--${name} needs at least one ${spec.placeholder}`);
        values[name] = list;
        break;
      }
      case 'string':
      case 'integer': {
        const value = inline ?? (i + 1 < argv.length && !argv[i + 1].startsWith('--') ? argv[++i] : undefined);
        if (value === undefined || value === '') throw new UsageError(`--${name} needs a value (${spec.placeholder})`);
        values[name] = spec.type === 'string' ? value : integer(name, value, spec.min);
        break;
      }
    }
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (name in values) continue;
    if (spec.type === 'boolean') values[name] = false;
    else if (spec.type === 'integer' && spec.default !== undefined) values[name] = spec.default;
    else if ((spec.type === 'string' || spec.type === 'strings') && spec.required) {
      throw new UsageError(name === '_' ? `missing ${spec.placeholder}` : `--${name} is required`);
    }
  }
  return { help: false, options: values as ParsedOptions<O> };
}

function integer(name: string, raw: string, min = Number.MIN_SAFE_INTEGER): number {
  const n = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${name} must be an integer, got '${raw}'`);
  if (n < min) throw new UsageError(`--${name} must be at least ${min}, got ${n}`);
  return n;
}

/** The options part of a command's help. */
export function describeOptions(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const flag = name === '_' && s.type === 'strings' ? `<${s.placeholder}>` : s.type === 'boolean' ? `--${name}` : s.type === 'strings' ? `--${name} <${s.placeholder}…>` : `--${name} <${s.placeholder}>`;
    const notes = [
      (s.type === 'string' || s.type === 'strings') && s.required ? 'required' : '',
      s.type === 'integer' && s.default !== undefined ? `default ${s.default}` : '',
    ].filter(Boolean);
    return [flag, s.description + (notes.length > 0 ? ` (${notes.join(', ')})` : '')];
  });
  rows.push(['--debug', 'on failure, print the stack as well'], ['--help', 'show this help']);
  const width = Math.max(...rows.map(([f]) => f.length));
  return rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`).join('\n');
}
