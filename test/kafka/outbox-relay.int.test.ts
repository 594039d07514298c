/**
 * The outbox relay over a real SQLite store: publishes the log in order, moves the cursor only
 * after the publisher acknowledged, waits out publisher outages, and on restart publishes again
 * from the cursor (at-least-once, never a gap).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaAdapterError } from '../../src/adapters/kafka/errors.ts';
import { openSqliteSideStore } from '../../src/adapters/sqlite/kafka-side-store.ts';
import { openSqliteStore } from '../../src/adapters/sqlite/store.ts';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import type { PublishedRow, Publisher } from '../../src/ports/publisher.ts';
import { systemTimers } from '../../src/adapters/system/timers.ts';
import { OutboxRelay } from '../../src/pipeline/kafka/outbox-relay.ts';
import { commitOf } from '../runtime/event-log-contract.ts';
import { waitFor } from '../support/services.ts';
import { tempStoreDir } from './support/kafka-test-kit.ts';

/** A publisher that records what it was given and fails while `failures` lasts. */
class RecordingPublisher implements Publisher {
  published: CampaignEvent[] = [];
  failures = 0;
  async publish(events: readonly CampaignEvent[], _rows: readonly PublishedRow[]): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new KafkaAdapterError('broker_unavailable', 'broker down', true);
    }
    this.published.push(...events);
  }
  async close(): Promise<void> {}
}

describe('outbox relay', () => {
  const dir = tempStoreDir();
  after(() => dir.remove());

  it('publishes the log in order through an outage, and resumes from its cursor', async () => {
    const store = openSqliteStore(`${dir.dir}/store.sqlite`);
    const side = openSqliteSideStore(dir.dir);
    const cursor = side.cursor('events');
    const publisher = new RecordingPublisher();
    const deps = { log: store.log, cursor, publisher, timers: systemTimers, rowsChangedAfter: async () => [] };
    await store.log.append(commitOf(1, 1, 3));
    await store.log.append(commitOf(2, 4, 2));

    publisher.failures = 2;
    const relay = new OutboxRelay(deps, { maxEvents: 2, idleMs: 20 });
    relay.start();
    await waitFor(async () => (await cursor.published()) === 5, { what: 'the cursor to reach 5' });
    assert.deepEqual(publisher.published.map((e) => e.sequence), [1, 2, 3, 4, 5]);

    await store.log.append(commitOf(3, 6, 2));
    relay.notify(7);
    assert.equal(await relay.drained(5_000), true);
    await relay.stop();
    assert.deepEqual(publisher.published.map((e) => e.sequence), [1, 2, 3, 4, 5, 6, 7]);

    // A restart with the cursor behind (a crash after publishing, before recording) repeats, never skips.
    await store.log.append(commitOf(4, 8, 1));
    const again = new RecordingPublisher();
    const relay2 = new OutboxRelay({ ...deps, publisher: again }, { idleMs: 20 });
    relay2.start();
    assert.equal(await relay2.drained(5_000), true);
    await relay2.stop();
    assert.deepEqual(again.published.map((e) => e.sequence), [8]);
    assert.equal(await cursor.published(), 8);
    await side.close();
    store.close();
  });

  it('moves the cursor with every acknowledged chunk: a run that fails half-way is resumed after its last acknowledged chunk', async () => {
    const store = openSqliteStore(`${dir.dir}/chunks.sqlite`);
    const side = openSqliteSideStore(dir.dir);
    const cursor = side.cursor('chunked');
    await store.log.append(commitOf(1, 1, 10));
    const sent: number[][] = [];
    let failAfterChunks = 2;
    const chunked: Publisher = {
      async publish(events, _rows, acknowledged) {
        for (let i = 0; i < events.length; i += 3) {
          const chunk = events.slice(i, i + 3);
          if (failAfterChunks-- === 0) throw new KafkaAdapterError('broker_unavailable', 'broker down', true);
          sent.push(chunk.map((e) => e.sequence));
          acknowledged?.(chunk[chunk.length - 1].sequence);
        }
      },
      async close() {},
    };
    const relay = new OutboxRelay({ log: store.log, cursor, publisher: chunked, timers: systemTimers, rowsChangedAfter: async () => [] }, { idleMs: 20 });
    relay.start();
    await waitFor(async () => (await cursor.published()) === 10, { what: 'the cursor to reach 10' });
    await relay.stop();
    // Two chunks out, a failure, then the rest from sequence 7: nothing published twice, nothing skipped.
    assert.deepEqual(sent, [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]);
    await side.close();
    store.close();
  });
});
