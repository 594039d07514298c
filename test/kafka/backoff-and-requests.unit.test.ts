import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaAdapterError } from '../../src/adapters/kafka/errors.ts';
import { systemTimers } from '../../src/adapters/system/timers.ts';
import { isAborted } from '../../src/ports/errors.ts';
import { withBackoff as retry, type BackoffOptions } from '../../src/pipeline/retry.ts';

const withBackoff = <T>(fn: () => Promise<T>, o: BackoffOptions) => retry(systemTimers, fn, o);

describe('backoff', () => {
  const transient = () => new KafkaAdapterError('broker_unavailable', 'down', true);

  it('retries retriable failures until the call succeeds', async () => {
    let n = 0;
    const v = await withBackoff(async () => {
      if (++n < 4) throw transient();
      return 'ok';
    }, { initialMs: 1, maxMs: 2 });
    assert.equal(v, 'ok');
    assert.equal(n, 4);
  });

  it('throws a non-retriable failure at once', async () => {
    let n = 0;
    await assert.rejects(withBackoff(async () => {
      n++;
      throw new KafkaAdapterError('schema_rejected', 'no', false);
    }, { initialMs: 1 }), /no/);
    assert.equal(n, 1);
  });

  it('stops waiting when aborted', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 20);
    await assert.rejects(withBackoff(async () => { throw transient(); }, { initialMs: 5_000, signal: abort.signal }),
      (e: unknown) => isAborted(e) || (e instanceof KafkaAdapterError && e.code === 'broker_unavailable'));
  });
});

describe('produce requests', () => {
  it('are cut so that no request carries more than the byte budget, keeping message order per topic', async () => {
    const { chunkRequests } = await import('../../src/adapters/kafka/producer.ts');
    const msg = (i: number) => ({ key: `k${i}`, value: Buffer.alloc(100, i), headers: {} });
    const requests = chunkRequests([
      { topic: 'a', messages: Array.from({ length: 10 }, (_, i) => msg(i)) },
      { topic: 'b', messages: Array.from({ length: 3 }, (_, i) => msg(i)) },
    ], 500);
    assert.ok(requests.length > 1);
    const flat = (t: string) => requests.flat().filter((b) => b.topic === t).flatMap((b) => b.messages.map((m) => m.key));
    assert.deepEqual(flat('a'), Array.from({ length: 10 }, (_, i) => `k${i}`));
    assert.deepEqual(flat('b'), ['k0', 'k1', 'k2']);
    for (const r of requests) {
      const bytes = r.flatMap((b) => b.messages).reduce((n, m) => n + 64 + (m.key?.length ?? 0) + (m.value?.length ?? 0), 0);
      assert.ok(bytes <= 500, `a request of ${bytes} bytes`);
    }
  });
});
