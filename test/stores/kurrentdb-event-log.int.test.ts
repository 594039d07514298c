/**
 * The KurrentDB adapter against the EventLog contract and a live server. No KurrentDB server can
 * be obtained on this project's machines (docs/STORES.md), so `npm test` includes this file ONLY
 * when KURRENTDB_URL names one (scripts/run-tests.mjs), e.g.
 *
 *   KURRENTDB_URL='kurrentdb://127.0.0.1:2113?tls=false' npm test
 *
 * Run on its own without it, it fails and says what is missing: nothing skips. The pure mapping
 * is unit-tested everywhere (kurrentdb-mapping.unit.test.ts).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonEvent, KurrentDBClient } from '@kurrent/kurrentdb-client';
import { toAppendPayload } from '../../src/adapters/kurrentdb/event-mapping.ts';
import { openKurrentDbStore, type KurrentDbStore } from '../../src/adapters/kurrentdb/open.ts';
import { revisionAfter, streamName } from '../../src/adapters/kurrentdb/stream-layout.ts';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import { isStoreError } from '../../src/ports/errors.ts';
import type { BatchCommit } from '../../src/ports/event-log.ts';
import { commitOf, eventLogContract } from '../runtime/event-log-contract.ts';

const url = process.env.KURRENTDB_URL?.trim();

if (url === undefined || url === '') {
  it('KurrentDB event log against a live server needs KURRENTDB_URL', () => {
    assert.fail('KURRENTDB_URL is not set and no KurrentDB server can be started here; run with KURRENTDB_URL=kurrentdb://127.0.0.1:2113?tls=false');
  });
} else {
  liveSuite(url);
}

function liveSuite(url: string): void {
  const admin = KurrentDBClient.connectionString(url);
  const prefix = `t${process.pid}-${Date.now().toString(36)}`;
  const domains: string[] = [];
  const freshDomain = (): string => {
    const d = `${prefix}-${domains.length + 1}`;
    domains.push(d);
    return d;
  };
  const stores: KurrentDbStore[] = [];
  const open = (domain = freshDomain()): KurrentDbStore => {
    const s = openKurrentDbStore(url, { domain });
    stores.push(s);
    return s;
  };

  after(async () => {
    await Promise.all(stores.map((s) => s.close().catch(() => {})));
    for (const d of domains) await admin.deleteStream(streamName(d)).catch(() => {});
    await admin.dispose();
  });

  eventLogContract('kurrentdb', async () => open().log);

  const commitBy = (w: string, index: number, first: number, n: number): BatchCommit => {
    const c = commitOf(index, first, n);
    return { ...c, events: c.events.map((e) => ({ ...e, event_id: `${w}-${e.event_id}` }) as CampaignEvent) };
  };

  const isCode = (code: string) => (e: unknown): boolean => {
    assert.ok(isStoreError(e), `expected a StoreError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };

  describe('KurrentDB event log: live server', () => {
    it('two writers racing for the same head: exactly one wins, the other gets sequence_conflict', async () => {
      const domain = freshDomain();
      const a = open(domain);
      const b = open(domain);
      await a.log.head();
      await b.log.head();
      for (let round = 1; round <= 5; round++) {
        const first = (round - 1) * 2 + 1;
        const results = await Promise.allSettled([a.log.append(commitBy('a', round, first, 2)), b.log.append(commitBy('b', round, first, 2))]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}`);
        const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        isCode('sequence_conflict')(lost?.reason);
      }
      const events = await a.log.read(1, 100);
      assert.deepEqual(events.map((e) => e.sequence), Array.from({ length: 10 }, (_, i) => i + 1));
      for (let i = 0; i < 10; i += 2) assert.equal(events[i].event_id[0], events[i + 1].event_id[0]);
    });

    it('a second instance sees what the first appended and continues the log', async () => {
      const domain = freshDomain();
      const a = open(domain);
      const b = open(domain);
      await a.log.append(commitOf(1, 1, 2));
      assert.equal(await b.log.head(), 2);
      await b.log.append(commitOf(2, 3, 1));
      assert.deepEqual((await a.log.batches(1, 10)).map((x) => x.index), [1, 2]);
    });

    it('re-sending the same batch at its old revision is an idempotent no-op; a different batch there conflicts', async () => {
      const domain = freshDomain();
      const s = open(domain);
      const c = commitOf(1, 1, 2);
      await s.log.append(c);
      const stream = streamName(domain);
      // What a writer whose append timed out after the server wrote it would send again.
      const again = await admin.appendToStream(stream, toAppendPayload(c), { streamState: 'no_stream' });
      assert.equal(again.nextExpectedRevision, revisionAfter(2, 1));
      const other = { ...c, batch: { ...c.batch, rejects_mark: 'different' } };
      await assert.rejects(admin.appendToStream(stream, toAppendPayload(other), { streamState: 'no_stream' }));
      assert.equal(await s.log.head(), 2);
      assert.equal((await s.log.batches(1, 10)).length, 1);
    });

    it('a foreign event in the campaign stream is reported as store_corrupt', async () => {
      const domain = freshDomain();
      const s = open(domain);
      await s.log.append(commitOf(1, 1, 1));
      await admin.appendToStream(streamName(domain), jsonEvent({ type: 'something.else', data: { x: 1 } }));
      await assert.rejects(open(domain).log.head(), isCode('store_corrupt'));
    });

    it('reads across many batches, empty ones included, return exactly the wanted events', async () => {
      const s = open();
      let first = 1;
      const sizes = [3, 0, 1, 0, 0, 4, 2];
      for (const [k, n] of sizes.entries()) {
        await s.log.append(commitOf(k + 1, first, n));
        first += n;
      }
      for (let from = 1; from <= 10; from++) {
        for (const limit of [1, 2, 5, 20]) {
          const want = Array.from({ length: 10 }, (_, i) => i + 1).filter((x) => x >= from).slice(0, limit);
          assert.deepEqual((await s.log.read(from, limit)).map((e) => e.sequence), want, `read(${from}, ${limit})`);
        }
      }
    });
  });
}
