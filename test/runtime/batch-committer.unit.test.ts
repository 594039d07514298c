/**
 * The committer's window of appends in flight (EventLog.maxAppendsInFlight). The real writer
 * thread's ordering and refusals are proven in sqlite-event-log.int.test.ts; here a log whose
 * appends settle when the test says so shows what the committer itself does with the window.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../../src/domain/engine.ts';
import type { BatchCommit, EventLog } from '../../src/ports/event-log.ts';
import type { InputBatch } from '../../src/pipeline/batch-assembly.ts';
import { BatchCommitter } from '../../src/pipeline/batch-committer.ts';

interface Pending {
  readonly commit: BatchCommit;
  settle(error?: Error): void;
}

/** A log that holds every append until the test settles it. */
function heldLog(maxAppendsInFlight: number | undefined) {
  const pending: Pending[] = [];
  const log: Pick<EventLog, 'append' | 'maxAppendsInFlight'> = {
    ...(maxAppendsInFlight !== undefined ? { maxAppendsInFlight } : {}),
    append: (commit) => new Promise<void>((resolve, reject) => {
      pending.push({ commit, settle: (e) => (e === undefined ? resolve() : reject(e)) });
    }),
  };
  return { log, pending };
}

const batch = (k: number): InputBatch => ({
  range: { from: `f:${k}`, to: `f:${k + 1}` }, segments: [], input_count: 1, events: [], rejects: [],
  recordsAt: new Map(), unmappedTactics: 0,
});

function committer(log: Pick<EventLog, 'append' | 'maxAppendsInFlight'>): BatchCommitter {
  return new BatchCommitter(
    { engine: createEngine(), log, rejects: { write: async () => '0', rollback: async () => {} }, segments: async () => [] },
    { lastIndex: 0, head: 0, snapshotIndex: 0, snapshotEveryRecords: 1_000_000 },
  );
}

/** Whether `p` settles within a few turns of the event loop. */
async function settlesSoon(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(() => { done = true; }, () => { done = true; });
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  return done;
}

describe('batch committer: appends in flight', () => {
  it('hands the log up to its window of batches before waiting for the oldest, in batch order', async () => {
    const { log, pending } = heldLog(3);
    const c = committer(log);
    for (let k = 1; k <= 3; k++) await c.commit(batch(k));
    assert.deepEqual(pending.map((p) => p.commit.batch.index), [1, 2, 3]);
    const fourth = c.commit(batch(4));
    assert.equal(await settlesSoon(fourth), false, 'a fourth waits while three are in flight');
    pending[0].settle();
    await fourth;
    assert.deepEqual(pending.map((p) => p.commit.batch.index), [1, 2, 3, 4]);
    for (const p of pending.slice(1)) p.settle();
    await c.drain();
  });

  it('without a window, waits for each append before handing over the next', async () => {
    const { log, pending } = heldLog(undefined);
    const c = committer(log);
    await c.commit(batch(1));
    const second = c.commit(batch(2));
    assert.equal(await settlesSoon(second), false);
    assert.equal(pending.length, 1);
    pending[0].settle();
    await second;
    pending[1].settle();
    await c.drain();
  });

  it('a failed append in the window fails the next commit and every drain, and nothing more is handed over', async () => {
    const { log, pending } = heldLog(3);
    const c = committer(log);
    for (let k = 1; k <= 3; k++) await c.commit(batch(k));
    pending[0].settle();
    pending[1].settle(new Error('disk full'));
    pending[2].settle(new Error('batch_conflict'));
    await assert.rejects(c.commit(batch(4)), /disk full/);
    assert.equal(pending.length, 3, 'the batch after the failure never reached the log');
    assert.equal(c.failed, true);
    await assert.rejects(c.drain(), /disk full/);
    await assert.rejects(c.drain(), /disk full/, 'still, once the queue is empty');
  });
});
