/**
 * The publisher thread's plain parts: a worker's failure crosses the thread as the
 * KafkaAdapterError it was (code and `retriable`, which the relay's backoff branches on), and the
 * worker gets the parent's execArgv without tsx's flags (its entry registers tsx itself).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaAdapterError } from '../../src/adapters/kafka/errors.ts';
import { errorFromData, errorToData } from '../../src/adapters/kafka/publisher-protocol.ts';
import { workerExecArgv } from '../../src/adapters/threads/start-worker.ts';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('publisher thread protocol', () => {
  it('carries a KafkaAdapterError across with its code, message and retriable flag', () => {
    for (const e of [
      new KafkaAdapterError('broker_unavailable', 'publishing campaign events 1…9: Connection error', true),
      new KafkaAdapterError('publish_failed', 'publishing campaign events 1…9: message too large', false),
    ]) {
      const back = errorFromData(structuredClone(errorToData(e)));
      assert.ok(back instanceof KafkaAdapterError);
      assert.deepEqual([back.code, back.message, back.retriable], [e.code, e.message, e.retriable]);
    }
  });

  it('turns any other failure into a non-retriable kafka_failure naming it, unless it says it is retriable', () => {
    const bug = errorFromData(errorToData(new TypeError("Cannot read properties of undefined (reading 'uuid')")));
    assert.deepEqual([bug.code, bug.retriable], ['kafka_failure', false]);
    assert.match(bug.message, /^TypeError: Cannot read/);
    const flagged = errorFromData(errorToData(Object.assign(new Error('busy'), { retriable: true })));
    assert.equal(flagged.retriable, true);
  });
});

describe('worker execArgv', () => {
  it("drops tsx's loader flags in every spelling and keeps the rest", () => {
    assert.deepEqual(workerExecArgv(['--import', 'tsx']), []);
    assert.deepEqual(workerExecArgv(['--require', '/x/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///x/node_modules/tsx/dist/loader.mjs']), []);
    assert.deepEqual(workerExecArgv(['--import=tsx', '--loader', 'tsx/esm', '--enable-source-maps']), ['--enable-source-maps']);
    assert.deepEqual(workerExecArgv(['--import', './telemetry.mjs', '--conditions', 'development']), ['--import', './telemetry.mjs', '--conditions', 'development']);
    assert.deepEqual(workerExecArgv(['--import', 'tsx-like-but-not.mjs']), ['--import', 'tsx-like-but-not.mjs']);
  });

  it('drops the heap, GC and process flags a worker refuses, in both spellings', () => {
    assert.deepEqual(workerExecArgv(['--expose-gc', '--max-old-space-size=16384', '--enable-source-maps']), ['--enable-source-maps']);
    assert.deepEqual(workerExecArgv(['--expose_gc', '--max_old_space_size=512', '--max-semi-space-size=64', '--stack-size', '984', '--title=x']), []);
    assert.deepEqual(workerExecArgv(['--input-type=module', '--max-old-space-size-suffix-not-a-flag']), ['--max-old-space-size-suffix-not-a-flag']);
  });

  it('starts a worker from a process run with heap and GC flags', () => {
    // The real failure: `node --expose-gc --max-old-space-size=… ` refused to start any worker.
    const code = [
      "import { startWorker } from './src/adapters/threads/start-worker.ts';",
      "import { pathToFileURL } from 'node:url';",
      "const w = startWorker(pathToFileURL('test/support/caller.ts').href, 'probe-worker');",
      "w.on('error', (e) => { console.log('error', e.code ?? e.message); process.exit(1); });",
      "w.on('exit', () => {});",
      "w.on('message', (m) => { console.log(m); process.exit(0); });",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=512', '--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', cwd: ROOT });
    assert.equal(r.stdout.trim(), 'probe ok', r.stderr);
  });
});
