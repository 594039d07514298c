/**
 * The contract every EventLog adapter passes. Call it from an adapter's `*.int.test.ts`:
 *
 *     eventLogContract('sqlite', async () => openSqliteStore(tmpFile()).log);
 *
 * `makeLog` must return a new, empty log each time; the suite closes every log it makes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchRange, CampaignEvent } from '../../src/domain/campaign-events.ts';
import { isStoreError } from '../../src/ports/errors.ts';
import type { BatchCommit, BatchRecord, BatchSegment, EventLog } from '../../src/ports/event-log.ts';

const range = (i: number): BatchRange => ({ from: `in.ndjson:${(i - 1) * 100}`, to: `in.ndjson:${i * 100}` });

const segment = (i: number, source = 'in.ndjson'): BatchSegment => ({
  source,
  locator: `/data/${source}`,
  start: { offset: (i - 1) * 100, index: 0, ordinal: (i - 1) * 10 },
  end: { offset: i * 100, index: 0, ordinal: i * 10 },
  fingerprint: `fp-${source}-${i}`,
});

/** A formed event with every envelope field, including the evidence numbers. */
export const formed = (sequence: number, batch: BatchRange, campaign = `c${sequence}`): CampaignEvent => ({
  event_id: `e-${sequence}-${campaign}`,
  sequence,
  type: 'campaign.formed',
  time: '2026-01-03T10:00:00Z',
  batch,
  payload: { campaign_uuid: campaign, identity_uuids: [`i${sequence}a`, `i${sequence}b`] },
  evidence: [{ a: `i${sequence}a`, b: `i${sequence}b`, weight: 1.05, handoff: 1, shared_infra: 0, temporal: 0.125, cohort: 0.5, keystroke: 0 }],
});

/** Batch `index` with `n` events starting at `first`. */
export function commitOf(index: number, first: number, n: number, segments = [segment(index)]): BatchCommit {
  const r = range(index);
  const events = Array.from({ length: n }, (_, k) => formed(first + k, r));
  const batch: BatchRecord = {
    index, range: r, segments, input_count: 10, first_sequence: first, event_count: n, rejects_mark: String(index * 7),
  };
  return { batch, events };
}

async function rejectsWith(code: string, p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isStoreError(e), `expected a StoreError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.retriable, false);
    return true;
  });
}

export function eventLogContract(name: string, makeLog: () => Promise<EventLog>): void {
  const withLog = (fn: (log: EventLog) => Promise<void>) => async () => {
    const log = await makeLog();
    try {
      await fn(log);
    } finally {
      await log.close();
    }
  };

  describe(`EventLog contract: ${name}`, () => {
    it('an empty log has head 0, no batch, no checkpoint and reads nothing', withLog(async (log) => {
      assert.equal(await log.head(), 0);
      assert.equal(await log.lastBatch(), null);
      assert.deepEqual(await log.checkpoints(), []);
      assert.deepEqual(await log.read(1, 100), []);
      assert.deepEqual(await log.batches(1, 100), []);
    }));

    it('appended events read back equal and serialise to the same bytes', withLog(async (log) => {
      const c1 = commitOf(1, 1, 3);
      const c2 = commitOf(2, 4, 2);
      await log.append(c1);
      await log.append(c2);
      assert.equal(await log.head(), 5);
      const all = await log.read(1, 100);
      assert.deepEqual(all, [...c1.events, ...c2.events]);
      assert.deepEqual(all.map((e) => JSON.stringify(e)), [...c1.events, ...c2.events].map((e) => JSON.stringify(e)));
    }));

    it('read starts at the given sequence inclusive and honours the limit', withLog(async (log) => {
      await log.append(commitOf(1, 1, 5));
      assert.deepEqual((await log.read(3, 100)).map((e) => e.sequence), [3, 4, 5]);
      assert.deepEqual((await log.read(2, 2)).map((e) => e.sequence), [2, 3]);
      assert.deepEqual(await log.read(6, 100), []);
    }));

    it('batch records read back as appended, in index order', withLog(async (log) => {
      const c1 = commitOf(1, 1, 2);
      const c2 = commitOf(2, 3, 0);
      const c3 = commitOf(3, 3, 1);
      for (const c of [c1, c2, c3]) await log.append(c);
      assert.deepEqual(await log.batches(1, 10), [c1.batch, c2.batch, c3.batch]);
      assert.deepEqual(await log.batches(2, 1), [c2.batch]);
      assert.deepEqual(await log.lastBatch(), c3.batch);
    }));

    it('a batch without events still records its input and advances the checkpoint', withLog(async (log) => {
      await log.append(commitOf(1, 1, 2));
      await log.append(commitOf(2, 3, 0));
      assert.equal(await log.head(), 2);
      const [cp] = await log.checkpoints();
      assert.equal(cp.batch_index, 2);
      assert.deepEqual(cp.position, segment(2).end);
    }));

    it('checkpoints keep the latest position of every source ever consumed', withLog(async (log) => {
      await log.append(commitOf(1, 1, 1, [segment(1, 'a.ndjson')]));
      await log.append(commitOf(2, 2, 1, [segment(2, 'a.ndjson'), segment(1, 'b.avro')]));
      await log.append(commitOf(3, 3, 1, [segment(2, 'b.avro')]));
      const cps = await log.checkpoints();
      assert.deepEqual(cps.map((c) => [c.source, c.position.offset, c.fingerprint, c.batch_index, c.locator]), [
        ['a.ndjson', 200, 'fp-a.ndjson-2', 2, '/data/a.ndjson'],
        ['b.avro', 200, 'fp-b.avro-2', 3, '/data/b.avro'],
      ]);
    }));

    it('a batch that does not start at head + 1 is refused and leaves the log unchanged', withLog(async (log) => {
      await log.append(commitOf(1, 1, 2));
      await rejectsWith('sequence_conflict', log.append(commitOf(2, 5, 1)));
      await rejectsWith('sequence_conflict', log.append(commitOf(2, 2, 1)));
      assert.equal(await log.head(), 2);
      assert.equal((await log.lastBatch())?.index, 1);
      assert.equal((await log.checkpoints())[0].batch_index, 1);
    }));

    it('a batch whose events skip a sequence is refused', withLog(async (log) => {
      const c = commitOf(1, 1, 3);
      const gap = { ...c, events: [c.events[0], c.events[2], { ...c.events[2], sequence: 4 } as CampaignEvent] };
      await rejectsWith('sequence_conflict', log.append(gap));
      assert.equal(await log.head(), 0);
    }));

    it('a batch whose index does not follow the last one is refused', withLog(async (log) => {
      await log.append(commitOf(1, 1, 1));
      await rejectsWith('batch_conflict', log.append(commitOf(3, 2, 1)));
      await rejectsWith('batch_conflict', log.append(commitOf(1, 2, 1)));
      assert.equal(await log.head(), 1);
    }));

    it('an event id already in the log is refused and nothing of the batch is written', withLog(async (log) => {
      await log.append(commitOf(1, 1, 1));
      const c = commitOf(2, 2, 2);
      const dup = { ...c, events: [c.events[0], { ...c.events[1], event_id: 'e-1-c1' } as CampaignEvent] };
      await rejectsWith('duplicate_event', log.append(dup));
      assert.equal(await log.head(), 1);
      assert.equal((await log.lastBatch())?.index, 1);
      assert.deepEqual(await log.read(2, 10), []);
    }));

    it('an event id repeated within one batch is refused and nothing of the batch is written', withLog(async (log) => {
      const c = commitOf(1, 1, 3);
      const dup = { ...c, events: [c.events[0], c.events[1], { ...c.events[2], event_id: c.events[0].event_id } as CampaignEvent] };
      await rejectsWith('duplicate_event', log.append(dup));
      assert.equal(await log.head(), 0);
      assert.equal(await log.lastBatch(), null);
      assert.deepEqual(await log.checkpoints(), []);
    }));

    it('a refused append does not block the next valid one', withLog(async (log) => {
      await log.append(commitOf(1, 1, 1));
      await rejectsWith('sequence_conflict', log.append(commitOf(2, 9, 1)));
      await log.append(commitOf(2, 2, 1));
      assert.equal(await log.head(), 2);
    }));
  });
}
