/**
 * The identity route's snapshot cache: when it reads and parses the store's engine snapshot
 * (rarely: snapshots are large), and how every way a snapshot can fail becomes a reason.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SnapshotFeatures } from '../../src/adapters/http/snapshot-features.ts';
import { createEngine } from '../../src/domain/engine.ts';
import type { EngineSnapshotRecord } from '../../src/ports/snapshot-store.ts';
import { observed, positioned } from '../support/builders.ts';

function snapshotRecord(batch: number, identities: readonly string[]): EngineSnapshotRecord {
  const e = createEngine();
  const events = identities.map((id) => observed(id, { payload_hashes: [`p-${id}`] }));
  e.applyBatch(positioned(events), { from: 't:0', to: `t:${events.length}` });
  return { batch_index: batch, sequence: batch * 10, state: JSON.stringify(e.snapshot()) };
}

/** A snapshot reader that counts its reads, with a settable answer. */
function reader(initial: EngineSnapshotRecord | null | Error) {
  const r = {
    answer: initial as EngineSnapshotRecord | null | Error,
    reads: 0,
    async latest(): Promise<EngineSnapshotRecord | null> {
      r.reads++;
      await new Promise((ok) => setImmediate(ok));
      if (r.answer instanceof Error) throw r.answer;
      return r.answer;
    },
  };
  return r;
}

function cache(snapshots: ReturnType<typeof reader> | undefined, opts: { recheckMs?: number } = {}) {
  const env = { lastBatch: 1, now: 0, errors: [] as unknown[] };
  const features = new SnapshotFeatures({
    snapshots, lastBatch: () => env.lastBatch, now: () => env.now, recheckMs: opts.recheckMs ?? 1_000, onError: (e) => env.errors.push(e),
  });
  return { features, env };
}

describe('snapshot features cache', () => {
  it('reads and parses the snapshot once while no newer batch exists, whatever the request count', async () => {
    const r = reader(snapshotRecord(1, ['a', 'b']));
    const { features, env } = cache(r, { recheckMs: 0 });
    for (let i = 0; i < 5; i++) {
      env.now += 10_000;
      const got = await features.featuresOf(i % 2 ? 'a' : 'b');
      assert.equal(got.found, true);
    }
    assert.equal(r.reads, 1);
    assert.deepEqual(features.stats, { reads: 1, parses: 1 });
  });

  it('concurrent first requests share one read', async () => {
    const r = reader(snapshotRecord(1, ['a']));
    const { features } = cache(r);
    const all = await Promise.all([features.featuresOf('a'), features.featuresOf('a'), features.featuresOf('zz')]);
    assert.deepEqual(all.map((x) => x.found), [true, true, false]);
    assert.equal(r.reads, 1);
  });

  it('after a newer batch, re-reads at most once per recheck interval, and re-parses only a changed snapshot', async () => {
    const r = reader(snapshotRecord(1, ['a']));
    const { features, env } = cache(r, { recheckMs: 1_000 });
    await features.featuresOf('a');
    env.lastBatch = 2;
    env.now = 500;
    await features.featuresOf('a');
    assert.equal(r.reads, 1, 'within the recheck interval');
    env.now = 1_000;
    await features.featuresOf('a');
    assert.deepEqual(features.stats, { reads: 2, parses: 1 }, 'same snapshot: read, not parsed again');
    r.answer = snapshotRecord(2, ['a', 'b']);
    env.now = 1_999;
    assert.equal((await features.featuresOf('b')).found, false, 'the newer snapshot waits for the interval');
    env.now = 2_000;
    const b = await features.featuresOf('b');
    assert.ok(b.found);
    assert.deepEqual(b.as_of, { batch_index: 2, sequence: 20 });
    assert.deepEqual(b.record.payload_hashes, ['p-b']);
    assert.deepEqual(features.stats, { reads: 3, parses: 2 });
    env.now = 10_000;
    await features.featuresOf('b');
    assert.equal(r.reads, 3, 'the held snapshot is as new as the last batch: nothing newer can exist');
  });

  it('answers not_in_snapshot, with the snapshot\'s position, for an identity newer than it', async () => {
    const { features } = cache(reader(snapshotRecord(3, ['a'])));
    assert.deepEqual(await features.featuresOf('late'), {
      found: false, as_of: { batch_index: 3, sequence: 30 }, reason: 'not_in_snapshot',
      detail: 'the identity is newer than the engine snapshot (batch 3, sequence 30)',
    });
  });

  it('answers no_snapshot without a reader and for a store without a snapshot', async () => {
    for (const features of [cache(undefined).features, cache(reader(null)).features]) {
      const got = await features.featuresOf('a');
      assert.equal(got.found, false);
      assert.equal(!got.found && got.reason, 'no_snapshot');
      assert.equal(got.as_of, null);
    }
  });

  it('answers unsupported_snapshot for a foreign version and unreadable_snapshot for broken text, never throwing', async () => {
    const foreign = cache(reader({ batch_index: 4, sequence: 40, state: JSON.stringify({ snapshot_version: 99, identities: [] }) }));
    const got = await foreign.features.featuresOf('a');
    assert.deepEqual(got, {
      found: false, as_of: { batch_index: 4, sequence: 40 }, reason: 'unsupported_snapshot',
      detail: 'engine snapshot format version 99; this server reads versions 2 and 3',
    });
    assert.deepEqual(foreign.env.errors, [], 'a foreign version is expected after an upgrade, not an error');
    const broken = cache(reader({ batch_index: 4, sequence: 40, state: '{"snapshot_version":2,' }));
    const b = await broken.features.featuresOf('a');
    assert.equal(!b.found && b.reason, 'unreadable_snapshot');
    assert.equal(broken.env.errors.length, 1);
  });

  it('keeps the snapshot it holds when a re-read fails, reports a failure once, and says unavailable only with nothing held', async () => {
    const r = reader(snapshotRecord(1, ['a']));
    const { features, env } = cache(r, { recheckMs: 0 });
    await features.featuresOf('a');
    r.answer = new Error('store gone');
    env.lastBatch = 2;
    for (let i = 0; i < 3; i++) assert.equal((await features.featuresOf('a')).found, true);
    assert.equal(r.reads, 4);
    assert.equal(env.errors.length, 1);

    const cold = cache(reader(new Error('store gone')));
    const got = await cold.features.featuresOf('a');
    assert.equal(!got.found && got.reason, 'snapshot_unavailable');
  });
});
