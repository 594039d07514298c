import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withBackoff } from '../../src/adapters/kafka/backoff.ts';
import { KafkaAdapterError } from '../../src/adapters/kafka/errors.ts';
import { Handoff } from '../../src/adapters/kafka/handoff.ts';

describe('handoff between a batch handler and a pulling reader', () => {
  it('holds the handler until the reader takes the batch', async () => {
    const h = new Handoff<number>();
    let taken = false;
    const put = h.put(1).then(() => { taken = true; });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(taken, false);
    assert.equal(await h.take(100), 1);
    await put;
    assert.equal(taken, true);
  });

  it('gives the reader null after its timeout, and releases everyone on close', async () => {
    const h = new Handoff<number>();
    assert.equal(await h.take(5), null);
    const waiting = h.take(10_000);
    const put = h.put(2);
    assert.equal(await waiting, 2);
    await put;
    const pending = h.put(3);
    h.close();
    await pending;
    assert.equal(await h.take(10_000), null);
  });
});

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
      (e: unknown) => e instanceof KafkaAdapterError && (e.code === 'aborted' || e.code === 'broker_unavailable'));
  });
});
