/**
 * The time slider's stops (adapters/http/log-positions.ts) over a log of 1,000 batches, some
 * of them empty: sampling keeps the first and last batch, stays within the bound, keeps the same
 * stops while the log grows, and resolves a bare sequence the way `as_of` does. A fake log
 * counts its reads: a stop is read once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import type { BatchRecord, EventLog } from '../../src/ports/event-log.ts';
import { LogPositions, START } from '../../src/adapters/http/log-positions.ts';

/** Batch i (from 1) has i % 7 === 0 ? 0 : 1 + i % 3 events; event s has time T0 + s minutes. */
function fakeLog(batchCount: number): EventLog & { reads: number; grow(n: number): void } {
  const batches: BatchRecord[] = [];
  let next = 1;
  const add = (n: number) => {
    for (let k = 0; k < n; k++) {
      const index = batches.length + 1;
      const events = index % 7 === 0 ? 0 : 1 + (index % 3);
      batches.push({ index, range: { from: '', to: '' } as never, segments: [], input_count: events, first_sequence: next, event_count: events, rejects_mark: '' });
      next += events;
    }
  };
  add(batchCount);
  const log = {
    reads: 0,
    grow: add,
    async batches(from: number, limit: number) {
      log.reads++;
      return batches.slice(from - 1, from - 1 + limit);
    },
    async lastBatch() {
      return batches.at(-1) ?? null;
    },
    async read(from: number, limit: number) {
      log.reads++;
      const out: CampaignEvent[] = [];
      for (let s = from; s < Math.min(next, from + limit); s++) {
        out.push({ sequence: s, time: new Date(Date.UTC(2026, 0, 1) + s * 60_000).toISOString().replace('.000Z', 'Z') } as CampaignEvent);
      }
      return out;
    },
    async head() {
      return next - 1;
    },
  };
  return log as unknown as EventLog & { reads: number; grow(n: number): void };
}

const end = (b: number): number => {
  let s = 0;
  for (let i = 1; i <= b; i++) s += i % 7 === 0 ? 0 : 1 + (i % 3);
  return s;
};

describe('log positions (time slider stops)', () => {
  it('gives every non-empty batch end, with its last event time, when the log is short', async () => {
    const p = new LogPositions(fakeLog(20));
    const stops = await p.sample(200, await p.lastBatch());
    assert.deepEqual(stops.map((s) => s.batch), [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20]);
    for (const s of stops) {
      assert.equal(s.sequence, end(s.batch));
      assert.equal(s.time, new Date(Date.UTC(2026, 0, 1) + s.sequence * 60_000).toISOString().replace('.000Z', 'Z'));
    }
  });

  it('samples a long log within the bound, first and last batch included, the same stops as it grows', async () => {
    const log = fakeLog(1_000);
    const p = new LogPositions(log);
    const stops = await p.sample(100, 1_000);
    assert.ok(stops.length <= 102, `${stops.length} stops`);
    assert.ok(stops.length >= 50, `${stops.length} stops`);
    assert.equal(stops[0].batch, 1);
    assert.equal(stops.at(-1)!.batch, 1_000);
    for (let i = 1; i < stops.length; i++) assert.ok(stops[i].sequence > stops[i - 1].sequence);

    log.grow(10);
    const reads = log.reads;
    const later = await p.sample(100, 1_010);
    assert.equal(later.at(-1)!.batch, 1_010);
    // The stops before the old last one stay (multiples of the same step); the new ones are
    // the multiples past it and the new last batch, and only they are read.
    const kept = stops.slice(0, -1).map((s) => s.batch);
    assert.deepEqual(later.slice(0, kept.length).map((s) => s.batch), kept);
    assert.deepEqual(later.slice(kept.length).map((s) => s.batch), [1_008, 1_010]);
    assert.ok(log.reads - reads <= 4, `${log.reads - reads} reads for two new stops`);
  });

  it('resolves a sequence to the batch end as_of selects', async () => {
    const p = new LogPositions(fakeLog(50));
    const last = await p.lastBatch();
    assert.deepEqual(await p.atOrBefore(0, last), START);
    for (const b of [1, 2, 7, 13, 14, 50]) {
      const at = await p.atOrBefore(end(b), last);
      assert.equal(at.sequence, end(b), `the end of batch ${b}`);
      if (end(b) > end(b - 1)) {
        // One before its end (inside it, or the end of the batch before): the batch before's end.
        const inside = await p.atOrBefore(end(b) - 1, last);
        assert.equal(inside.sequence, end(b - 1), `inside batch ${b}`);
      }
    }
    assert.equal((await p.atOrBefore(1e9, last)).sequence, end(50));
  });

  it('an empty log has no stop', async () => {
    const p = new LogPositions(fakeLog(0));
    assert.deepEqual(await p.sample(10, await p.lastBatch()), []);
    assert.deepEqual(await p.atOrBefore(5, 0), START);
  });
});
