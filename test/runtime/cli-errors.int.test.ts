/**
 * Every failure a user can cause from the command line (issue #13, case 7) is one line,
 * `campaigns <command>: error [<code>]: <message>`, and exit 1: no stack trace, and no
 * "success" that hides the mistake. The commands run as child processes, as users run them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { identityLines, writeLines } from './support/identity-stream.ts';
import { runCli, type Finished } from './support/spawn-cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-cli-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const input = writeLines(path.join(dir, 'events.ndjson'), identityLines({ seed: 2, events: 50 }));
const store = path.join(dir, 'store');

function assertReported(r: Finished, command: string, code: string, message: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, no stack:\n${r.stderr}`);
  assert.match(lines[0], new RegExp(`^campaigns ${command}: error \\[${code}\\]: `));
  assert.match(lines[0], message);
}

before(async () => {
  const r = await runCli(['run', '--input', input, '--store', store]);
  assert.equal(r.code, 0, r.stderr);
});

describe('store failures', () => {
  it('run --store <a file> is store_failure', async () => {
    assertReported(await runCli(['run', '--input', input, '--store', input]), 'run', 'store_failure', /is a file, not a store directory/);
  });

  it('a store that cannot be written (a read-only file system) is store_failure, whether the directory exists or not', async () => {
    // sysfs takes no new files or directories, for root too.
    assertReported(await runCli(['run', '--input', input, '--store', '/sys/kernel']), 'run', 'store_failure', /cannot lock the store/);
    assertReported(await runCli(['run', '--input', input, '--store', '/sys/campaigns-store']), 'run', 'store_failure', /cannot create the store directory/);
  });

  it('replay --store <missing> is store_missing and creates nothing', async () => {
    const missing = path.join(dir, 'no-such-store');
    assertReported(await runCli(['replay', '--store', missing]), 'replay', 'store_missing', /no store at/);
    assert.equal(existsSync(missing), false);
  });
});

describe('serve failures', () => {
  it('a token file that does not exist is config_unreadable', async () => {
    assertReported(await runCli(['serve', '--store', store, '--port', '0', '--token-file', path.join(dir, 'nope.txt')]), 'serve', 'config_unreadable', /cannot read the token file/);
  });

  it('a token no client could send (a space inside) refuses to start: config_invalid', async () => {
    const f = path.join(dir, 'token.txt');
    writeFileSync(f, 'two words\n');
    assertReported(await runCli(['serve', '--store', store, '--port', '0', '--token-file', f]), 'serve', 'config_invalid', /characters a bearer token cannot carry/);
  });

  it('a port in use is address_in_use', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (taken.address() as net.AddressInfo).port;
      assertReported(await runCli(['serve', '--store', store, '--port', String(port)]), 'serve', 'address_in_use', new RegExp(`127\\.0\\.0\\.1:${port} is in use`));
    } finally {
      taken.close();
    }
  });
});

describe('--debug', () => {
  it('is accepted by every command, and adds the stack to a failure report', async () => {
    const r = await runCli(['run', '--input', input, '--store', input, '--debug']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^campaigns run: error \[store_failure\]: .*\nStoreError: .*\n\s+at /);
    for (const command of ['events', 'tables', 'membership']) {
      assert.equal((await runCli([command, '--store', store, '--debug'])).code, 0, command);
    }
  });
});
