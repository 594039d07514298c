/**
 * The pure parts of the KurrentDB adapter: stream layout and revision arithmetic, batch → append
 * payload, recorded event → campaign event / batch record, the folded view and its checks, and
 * client error → StoreError. No server and no fake gRPC: the "stream" here is the list of
 * payloads the adapter would append, read back the way the client hands events over.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DeadlineExceededError, MaxAppendSizeExceededError, NotFoundError, StreamDeletedError, UnavailableError,
  WrongExpectedVersionError, type EventData,
} from '@kurrent/kurrentdb-client';
import { classify, toStoreError } from '../../src/adapters/kurrentdb/errors.ts';
import { batchEventId, fromRecorded, kurrentEventId, toAppendPayload, type Recorded } from '../../src/adapters/kurrentdb/event-mapping.ts';
import {
  checkClosed, checkContinues, checkpointsOf, checkShape, emptyView, expectedRevision, foldCommit, foldEntry, type LogView,
} from '../../src/adapters/kurrentdb/log-view.ts';
import { isKurrentDbUrl, NO_TABLES, openKurrentDbStore } from '../../src/adapters/kurrentdb/open.ts';
import {
  BATCH_EVENT_TYPE, batchHolding, readWindow, revisionAfter, revisionOf, streamName,
} from '../../src/adapters/kurrentdb/stream-layout.ts';
import { eventId } from '../../src/domain/ids.ts';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import { isStoreError, StoreError } from '../../src/ports/errors.ts';
import type { BatchCommit } from '../../src/ports/event-log.ts';
import { commitOf, formed } from '../runtime/event-log-contract.ts';

const STREAM = 'campaigns-test';

/** What readStream yields for the payload entry at `revision`: data parsed back from its JSON bytes. */
const recorded = (e: EventData, revision: bigint): Recorded => ({
  type: e.type,
  revision,
  isJson: e.contentType === 'application/json',
  data: JSON.parse(JSON.stringify(e.data)),
});

/** Batches of the given sizes, as the pipeline would commit them. */
function commitsOf(sizes: readonly number[]): BatchCommit[] {
  let first = 1;
  return sizes.map((n, k) => {
    const c = commitOf(k + 1, first, n);
    first += n;
    return c;
  });
}

/** The stream the adapter would build from these commits: every append's payload, in order. */
const streamOf = (commits: readonly BatchCommit[]): EventData[] => commits.flatMap(toAppendPayload);

function foldStream(stream: readonly EventData[]): LogView {
  const view = emptyView();
  stream.forEach((e, i) => foldEntry(view, fromRecorded(recorded(e, BigInt(i)), STREAM), BigInt(i), STREAM));
  checkClosed(view, STREAM);
  return view;
}

const refusedWith = (code: string) => (e: unknown): boolean => {
  assert.ok(isStoreError(e), `expected a StoreError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  return true;
};

const sizes = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 12 });

describe('KurrentDB stream layout', () => {
  it('names one stream per clustering domain, campaigns-default by default', () => {
    assert.equal(streamName(), 'campaigns-default');
    assert.equal(streamName('fleet-a.eu_1'), 'campaigns-fleet-a.eu_1');
    assert.throws(() => streamName(''), refusedWith('store_failure'));
    assert.throws(() => streamName('a/b'), refusedWith('store_failure'));
    assert.throws(() => streamName('$all'), refusedWith('store_failure'));
  });

  it('the stream revision after batch k ending at head h is h + k - 1, none before the first batch', () => {
    assert.equal(revisionAfter(0, 0), null);
    assert.equal(revisionAfter(3, 1), 3n); // 3 events + 1 record: revisions 0..3
    assert.equal(revisionAfter(3, 2), 4n); // an empty batch adds its record only
    assert.equal(revisionAfter(0, 1), 0n); // a first batch without events is just its record
    assert.equal(revisionOf(1, 1), 0n);
    assert.equal(revisionOf(4, 3), 5n);
  });

  it('every sequence sits at the revision the arithmetic gives, for any batch sizes', () => {
    fc.assert(fc.property(sizes, (ns) => {
      const commits = commitsOf(ns);
      const stream = streamOf(commits);
      const batches = commits.map((c) => c.batch);
      let head = 0;
      for (const c of commits) {
        head += c.batch.event_count;
        assert.equal(stream[Number(revisionAfter(head, c.batch.index))].type, BATCH_EVENT_TYPE);
      }
      assert.equal(revisionAfter(head, commits.length), BigInt(stream.length - 1));
      for (let s = 1; s <= head; s++) {
        const at = stream[Number(revisionOf(s, batchHolding(batches, s)))];
        assert.equal((at.data as unknown as CampaignEvent).sequence, s);
      }
    }));
  });

  it('a read window covers exactly the wanted events and the batch records between them', () => {
    fc.assert(fc.property(sizes, fc.integer({ min: -1, max: 50 }), fc.integer({ min: 0, max: 50 }), (ns, from, limit) => {
      const commits = commitsOf(ns);
      const stream = streamOf(commits);
      const head = ns.reduce((a, b) => a + b, 0);
      const w = readWindow(commits.map((c) => c.batch), head, from, limit);
      const want = Array.from({ length: head }, (_, i) => i + 1).filter((s) => s >= from).slice(0, limit);
      if (want.length === 0) {
        assert.equal(w, null);
        return;
      }
      assert.ok(w !== null);
      const window = stream.slice(Number(w.fromRevision), Number(w.fromRevision) + w.maxCount);
      const got = window.filter((e) => e.type !== BATCH_EVENT_TYPE).map((e) => (e.data as unknown as CampaignEvent).sequence);
      assert.deepEqual(got, want);
      assert.notEqual(window[0].type, BATCH_EVENT_TYPE);
      assert.notEqual(window.at(-1)?.type, BATCH_EVENT_TYPE);
    }));
  });
});

describe('KurrentDB append payload', () => {
  it('a batch is its campaign events in sequence order, then one record carrying range, segments and counts', () => {
    const c = commitOf(2, 4, 3);
    const payload = toAppendPayload(c);
    assert.deepEqual(payload.map((e) => e.type), ['campaign.formed', 'campaign.formed', 'campaign.formed', BATCH_EVENT_TYPE]);
    assert.ok(payload.every((e) => e.contentType === 'application/json'));
    assert.deepEqual(payload.slice(0, 3).map((e) => JSON.stringify(e.data)), c.events.map((e) => JSON.stringify(e)));
    assert.deepEqual(payload[3].data, c.batch);
    assert.deepEqual(payload[0].metadata, { batch_index: 2, sequence: 4 });
    assert.deepEqual(payload[3].metadata, { batch_index: 2 });
  });

  it('a batch without events is appended as its record alone', () => {
    const payload = toAppendPayload(commitOf(5, 9, 0));
    assert.deepEqual(payload.map((e) => e.type), [BATCH_EVENT_TYPE]);
  });

  it('campaign events keep their deterministic uuid as the server-side id', () => {
    const id = eventId(42, 'campaign.merged');
    assert.equal(kurrentEventId(id), id);
    assert.equal(kurrentEventId(id.toUpperCase()), id);
    const [e] = toAppendPayload({ ...commitOf(1, 1, 1), events: [{ ...formed(1, { from: 'a', to: 'b' }), event_id: id }] });
    assert.equal(e.id, id);
  });

  it('a non-uuid event id maps to a stable uuid of its own', () => {
    const a = kurrentEventId('e-1-c1');
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(kurrentEventId('e-1-c1'), a);
    assert.notEqual(kurrentEventId('e-2-c1'), a);
  });

  it('the batch record id is the same for the same batch and differs when anything in it differs', () => {
    const c = commitOf(3, 5, 2);
    const id = batchEventId(c);
    assert.equal(batchEventId(commitOf(3, 5, 2)), id);
    const b = c.batch;
    const reordered = { ...c, batch: { rejects_mark: b.rejects_mark, event_count: b.event_count, first_sequence: b.first_sequence, input_count: b.input_count, segments: b.segments, range: b.range, index: b.index } };
    assert.equal(batchEventId(reordered), id);
    // Same index and event ids, different content: a stale writer's batch must not pass as a retry.
    const other = { ...c, events: [c.events[0], { ...c.events[1], time: '2026-01-03T10:00:01Z' } as CampaignEvent] };
    assert.notEqual(batchEventId(other), id);
    assert.notEqual(batchEventId({ ...c, batch: { ...c.batch, rejects_mark: 'x' } }), id);
    assert.notEqual(batchEventId(commitOf(4, 5, 2)), id);
  });
});

describe('KurrentDB recorded events', () => {
  it('a recorded campaign event reads back equal and serialises to the same bytes', () => {
    const c = commitOf(1, 1, 2);
    const payload = toAppendPayload(c);
    const entry = fromRecorded(recorded(payload[1], 1n), STREAM);
    assert.equal(entry.kind, 'event');
    assert.ok(entry.kind === 'event');
    assert.deepEqual(entry.event, c.events[1]);
    assert.equal(JSON.stringify(entry.event), JSON.stringify(c.events[1]));
  });

  it('a recorded batch record reads back as the BatchRecord', () => {
    const c = commitOf(1, 1, 2);
    const entry = fromRecorded(recorded(toAppendPayload(c)[2], 2n), STREAM);
    assert.deepEqual(entry, { kind: 'batch', batch: c.batch });
  });

  it('anything else in the stream is store_corrupt', () => {
    const ok = recorded(toAppendPayload(commitOf(1, 1, 1))[0], 0n);
    assert.throws(() => fromRecorded({ ...ok, type: 'something.else' }, STREAM), refusedWith('store_corrupt'));
    assert.throws(() => fromRecorded({ ...ok, isJson: false }, STREAM), refusedWith('store_corrupt'));
    assert.throws(() => fromRecorded({ ...ok, data: '{not json' }, STREAM), refusedWith('store_corrupt'));
    assert.throws(() => fromRecorded({ ...ok, type: 'campaign.merged' }, STREAM), refusedWith('store_corrupt'));
    assert.throws(() => fromRecorded({ ...ok, type: BATCH_EVENT_TYPE }, STREAM), refusedWith('store_corrupt'));
  });
});

describe('KurrentDB log view', () => {
  it('folding the stream gives head, batches, latest checkpoints and the next expected revision', () => {
    const commits = commitsOf([2, 0, 3]);
    const view = foldStream(streamOf(commits));
    assert.equal(view.head, 5);
    assert.deepEqual(view.batches, commits.map((c) => c.batch));
    assert.deepEqual(checkpointsOf(view).map((c) => [c.source, c.batch_index, c.position.offset]), [['in.ndjson', 3, 300]]);
    assert.equal(expectedRevision(view), 7n); // 5 events + 3 records
    assert.equal(expectedRevision(emptyView()), null);
  });

  it('folding a commit the server accepted equals folding it read back', () => {
    fc.assert(fc.property(sizes, (ns) => {
      const commits = commitsOf(ns);
      const byCommit = emptyView();
      for (const c of commits) foldCommit(byCommit, c);
      assert.deepEqual(byCommit, foldStream(streamOf(commits)));
    }));
  });

  it('checkpoints list by source in byte order', () => {
    const view = emptyView();
    const c = commitOf(1, 1, 0);
    foldCommit(view, { ...c, batch: { ...c.batch, segments: ['b.avro', 'B.ndjson', 'a.ndjson'].map((source) => ({ ...c.batch.segments[0], source })) } });
    assert.deepEqual(checkpointsOf(view).map((x) => x.source), ['B.ndjson', 'a.ndjson', 'b.avro']);
  });

  it('refuses a commit that does not continue the log, with the contract codes', () => {
    const view = foldStream(streamOf(commitsOf([2, 1])));
    checkContinues(view, commitOf(3, 4, 1));
    assert.throws(() => checkContinues(view, commitOf(3, 6, 1)), refusedWith('sequence_conflict'));
    assert.throws(() => checkContinues(view, commitOf(3, 3, 1)), refusedWith('sequence_conflict'));
    assert.throws(() => checkContinues(view, commitOf(2, 3, 1)), refusedWith('sequence_conflict'));
    assert.throws(() => checkContinues(view, commitOf(4, 4, 1)), refusedWith('batch_conflict'));
    const c = commitOf(3, 4, 2);
    assert.throws(() => checkContinues(view, { ...c, events: [c.events[0], { ...c.events[1], event_id: 'e-1-c1' } as CampaignEvent] }), refusedWith('duplicate_event'));
    assert.throws(() => checkContinues(view, { ...c, events: [c.events[0], { ...c.events[1], event_id: c.events[0].event_id } as CampaignEvent] }), refusedWith('duplicate_event'));
  });

  it('refuses a commit whose parts disagree, and any commit carrying table rows as unsupported', () => {
    const c = commitOf(1, 1, 3);
    assert.throws(() => checkShape({ ...c, events: c.events.slice(0, 2) }), refusedWith('sequence_conflict'));
    assert.throws(() => checkShape({ ...c, events: [c.events[0], c.events[2], c.events[1]] }), refusedWith('sequence_conflict'));
    assert.throws(() => checkShape({ ...c, tables: [] }), refusedWith('unsupported'));
  });

  it('a stream that breaks the layout is store_corrupt', () => {
    const stream = streamOf(commitsOf([2, 1]));
    const skipped = emptyView();
    assert.throws(() => foldEntry(skipped, fromRecorded(recorded(stream[0], 1n), STREAM), 1n, STREAM), refusedWith('store_corrupt'));
    const noRecord = emptyView();
    foldEntry(noRecord, fromRecorded(recorded(stream[0], 0n), STREAM), 0n, STREAM);
    assert.throws(() => checkClosed(noRecord, STREAM), refusedWith('store_corrupt'));
    const early = emptyView();
    foldEntry(early, fromRecorded(recorded(stream[0], 0n), STREAM), 0n, STREAM);
    assert.throws(() => foldEntry(early, fromRecorded(recorded(stream[2], 1n), STREAM), 1n, STREAM), refusedWith('store_corrupt'));
  });
});

describe('KurrentDB errors', () => {
  it('a wrong expected revision is a non-retriable sequence_conflict naming both revisions', () => {
    const e = toStoreError(new WrongExpectedVersionError(undefined, { streamName: STREAM, expected: 3n, current: 5n }), 'appending batch 2');
    assert.equal(e.code, 'sequence_conflict');
    assert.equal(e.retriable, false);
    assert.match(e.message, /expected revision 3, found 5/);
  });

  it('an unavailable or slow server is retriable', () => {
    for (const err of [new UnavailableError(), new DeadlineExceededError()]) {
      assert.deepEqual(classify(err), { code: 'store_failure', retriable: true });
    }
  });

  it('a deleted stream is store_missing; an oversized batch says the limit; the rest is not retriable', () => {
    assert.deepEqual(classify(StreamDeletedError.fromStreamName(STREAM)), { code: 'store_missing', retriable: false });
    const big = toStoreError(MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576), 'appending batch 9');
    assert.equal(big.retriable, false);
    assert.match(big.message, /1048576 bytes/);
    assert.deepEqual(classify(new NotFoundError()), { code: 'store_failure', retriable: false });
    assert.deepEqual(classify(new Error('boom')), { code: 'store_failure', retriable: false });
    const own = new StoreError('store_busy', 'x', true);
    assert.equal(toStoreError(own, 'y'), own);
  });
});

describe('KurrentDB store without a server', () => {
  it('recognises the connection-string schemes the client accepts', () => {
    for (const u of ['kurrentdb://127.0.0.1:2113?tls=false', 'kurrentdb+discover://h:2113', 'kdb://h', 'kurrent://h']) assert.ok(isKurrentDbUrl(u), u);
    for (const u of ['postgres://h/db', '/tmp/store', 'esdb://h']) assert.ok(!isKurrentDbUrl(u), u);
  });

  it('an invalid connection string fails at open with store_failure', () => {
    assert.throws(() => openKurrentDbStore('nonsense://x'), refusedWith('store_failure'));
  });

  it('tables are refused as unsupported', async () => {
    await assert.rejects(NO_TABLES.rows(), refusedWith('unsupported'));
    await assert.rejects(NO_TABLES.write([], 1), refusedWith('unsupported'));
    await assert.rejects(NO_TABLES.replaceAll([], 1), refusedWith('unsupported'));
    await assert.rejects(NO_TABLES.sequence(), refusedWith('unsupported'));
  });

  it('a commit with table rows is refused before contacting the server; an unreachable server is retriable', async () => {
    // Port 1 on loopback: nothing listens, so the client's call fails fast with "unavailable".
    const store = openKurrentDbStore('kurrentdb://127.0.0.1:1?tls=false');
    try {
      await assert.rejects(store.log.append({ ...commitOf(1, 1, 1), tables: [] }), refusedWith('unsupported'));
      await assert.rejects(store.log.head(), (e: unknown) => refusedWith('store_failure')(e) && (e as StoreError).retriable);
    } finally {
      await store.close();
    }
  });
});
