/** Flag parsing and the progress bar, without a process. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from '../../src/cli/args.ts';
import { describeFailure } from '../../src/cli/report-error.ts';
import { progressBar } from '../../src/cli/progress-bar.ts';

const specs = {
  input: { type: 'strings', required: true, placeholder: 'file', description: 'in' },
  store: { type: 'string', required: true, placeholder: 'dir', description: 'store' },
  'batch-size': { type: 'integer', min: 1, default: 1000, placeholder: 'N', description: 'n' },
  json: { type: 'boolean', description: 'json' },
} as const;

describe('parseArgs', () => {
  it('reads lists, inline values, booleans and defaults', () => {
    const r = parseArgs(specs, ['--input', 'a.ndjson', 'b.avro', '--store=s', '--json']);
    assert.deepEqual(r, { help: false, options: { input: ['a.ndjson', 'b.avro'], store: 's', json: true, 'batch-size': 1000 } });
  });

  it('a repeated list flag accumulates', () => {
    const r = parseArgs(specs, ['--input', 'a', '--store', 's', '--input', 'b']);
    assert.ok(!r.help && r.options.input.join() === 'a,b');
  });

  it('--help wins over anything else', () => {
    assert.deepEqual(parseArgs(specs, ['--bogus', '--help']), { help: true });
  });

  it('refuses what it does not understand', () => {
    for (const argv of [['--json=yes'], ['--batch-size', '1.5'], ['--batch-size', '-3'], ['-x']]) {
      assert.throws(() => parseArgs(specs, ['--input', 'a', '--store', 's', ...argv]), UsageError, argv.join(' '));
    }
  });
});

describe('progress bar', () => {
  const sink = (isTTY: boolean) => {
    const out: string[] = [];
    return { out, stream: { isTTY, columns: 60, write: (s: string) => (out.push(s), true), once: () => undefined } };
  };

  it('draws on a terminal, throttled, and clears its line when finished', () => {
    const { out, stream } = sink(true);
    let now = 0;
    const bar = progressBar(stream, { now: () => now }, 'run');
    bar.update(1, 10, 'x');
    bar.update(2, 10, 'x'); // within the redraw interval: skipped
    now = 500;
    bar.update(5, 10, 'x');
    bar.finish();
    assert.equal(out.length, 3);
    assert.match(out[1], /^\rrun \[#{12}\.{12}\]  50\.0% x/);
    assert.equal(out[2], '\r\x1b[K');
  });

  it('writes nothing when stderr is not a terminal', () => {
    const { out, stream } = sink(false);
    const bar = progressBar(stream, { now: () => 0 }, 'run');
    bar.update(5, 10, 'x');
    bar.finish();
    assert.deepEqual(out, []);
  });
});

describe('failure reports', () => {
  class Coded extends Error {
    readonly code = 'store_busy';
    readonly retriable = true;
  }

  it('print a coded failure as one line, error [code]: message, exit 1', () => {
    assert.deepEqual(describeFailure('run', new Coded('another process is writing')), {
      text: 'campaigns run: error [store_busy]: another process is writing (temporary: retrying may succeed)\n', exit: 1,
    });
  });

  it('print any other failure as error [internal] with its message, without the stack unless --debug', () => {
    const e = new TypeError('x is not a function');
    const plain = describeFailure('serve', e);
    assert.equal(plain.exit, 1);
    assert.equal(plain.text, 'campaigns serve: error [internal]: TypeError: x is not a function (run with --debug for the stack)\n');
    const debug = describeFailure('serve', new Error('outer', { cause: e }), true);
    assert.match(debug.text, /^campaigns serve: error \[internal\]: Error: outer\nError: outer\n\s+at /);
    assert.match(debug.text, /\ncaused by: TypeError: x is not a function\n\s+at /);
  });

  it('keep a usage error at exit 2 with the usage hint', () => {
    assert.deepEqual(describeFailure('run', new UsageError('--input is required')), {
      text: "campaigns run: --input is required\nRun 'campaigns run --help' for usage.\n", exit: 2,
    });
  });
});

describe('command registry', () => {
  it("lists each command under the name and summary its module declares (the registry loads modules lazily)", async () => {
    const { COMMANDS } = await import('../../src/cli/commands/index.ts');
    for (const entry of COMMANDS) {
      const command = await entry.load();
      assert.deepEqual([command.name, command.summary], [entry.name, entry.summary]);
    }
  });
});
