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
});
