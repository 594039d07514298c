import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { demoInput } from '../../src/sim/demo-input.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('the demo', () => {
  it('bundles exactly what the simulator makes of scenarios/demo.yaml (plus its two malformed lines)', () => {
    assert.equal(readFileSync(join(ROOT, 'demo/identity-events.ndjson'), 'utf8'), demoInput(join(ROOT, 'scenarios/demo.yaml')));
  });

  it('runs end to end, finds the three crews, refuses the two bad lines, and a rerun applies nothing twice', () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-'));
    try {
      const store = join(dir, 'store');
      const run = () => execFileSync(process.execPath, [join(ROOT, 'bin/campaigns.mjs'), 'demo', '--store', store], { encoding: 'utf8' });
      const first = run();
      assert.match(first, /applied\s+75\s+duplicates 0\s+stale 0\s+rejected 2/);
      assert.match(first, /44 live campaigns: 3 with several identities/);
      const rejects = readFileSync(join(store, 'rejects.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(rejects.map((r) => [r.line, r.code]), [[21, 'bad_time'], [62, 'bad_time']]);
      const second = run();
      assert.match(second, /read\s+0 input records/);
      assert.match(second, /44 live campaigns: 3 with several identities/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
