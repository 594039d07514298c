/** One SSE response: frame format, keepalives, flow control, and how a stream is dropped. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { SseStream, type SseOptions } from '../../src/adapters/http/sse.ts';

/**
 * A response whose client reads only when told to: written chunks count as unread until
 * `read()`, and a write past `highWaterMark` asks for a drain, as a socket does.
 */
class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  unread = 0;
  status = 0;
  ended = false;
  destroyed = false;
  writableNeedDrain = false;
  constructor(private readonly highWaterMark = 100) {
    super();
  }
  get writableLength(): number {
    return this.unread;
  }
  writeHead(status: number): this {
    this.status = status;
    return this;
  }
  write(c: string): boolean {
    this.chunks.push(c);
    this.unread += c.length;
    if (this.unread >= this.highWaterMark) this.writableNeedDrain = true;
    this.emit('written', c);
    return !this.writableNeedDrain;
  }
  /** The client reads everything written so far. */
  read(): void {
    this.unread = 0;
    if (this.writableNeedDrain) {
      this.writableNeedDrain = false;
      this.emit('drain');
    }
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

const OPTS: SseOptions = { keepaliveMs: 20, maxBufferedBytes: 300, stallMs: 60_000 };

const open = (opts: Partial<SseOptions> = {}) => {
  const res = new FakeResponse();
  return { res, sse: new SseStream(res as unknown as ServerResponse, { ...OPTS, ...opts }) };
};

/** Resolves when `res` has been written a chunk matching `pred`; fails after `ms`. */
function written(res: FakeResponse, pred: (chunk: string, count: number) => boolean, ms = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const timer = setTimeout(() => reject(new Error(`no such chunk within ${ms} ms: ${JSON.stringify(res.chunks)}`)), ms);
    const on = (c: string) => {
      if (pred(c, ++n)) {
        clearTimeout(timer);
        res.off('written', on);
        resolve();
      }
    };
    res.on('written', on);
  });
}

describe('SSE stream', () => {
  it('writes a keepalive first, then frames with id, event and one JSON data line', () => {
    const { res, sse } = open();
    sse.send('merged', { a: 'x\ny' }, 7);
    assert.equal(res.status, 200);
    assert.deepEqual(res.chunks, [': keepalive\n\n', 'id: 7\nevent: merged\ndata: {"a":"x\\ny"}\n\n']);
    assert.equal(sse.lastEventId, 7);
    sse.end();
  });

  it('sends keepalives while idle', async () => {
    const { res, sse } = open();
    await written(res, (c, n) => c === ': keepalive\n\n' && n >= 2);
    sse.end();
  });

  it('is full once the bound is unread and the socket asks to drain; drained() resolves when the client reads', async () => {
    const { res, sse } = open();
    for (let i = 0; !sse.full; i++) {
      assert.ok(i < 100, 'never full');
      sse.send('profile.updated', { pad: 'x'.repeat(40) }, i);
    }
    assert.ok(res.writableLength >= OPTS.maxBufferedBytes);
    let resolved = false;
    const waiting = sse.drained().then(() => (resolved = true));
    await Promise.resolve();
    assert.equal(resolved, false, 'nothing read yet');
    res.read();
    await waiting;
    assert.equal(sse.full, false);
    assert.equal(sse.isOpen, true, 'a client that keeps up is never dropped for a burst');
    sse.end();
  });

  it('drops a client that reads nothing for the stall period: an error frame with the last id, then the end', async () => {
    const { res, sse } = open({ stallMs: 50, lastEventId: 3 });
    for (let i = 4; !sse.full; i++) sse.send('profile.updated', { pad: 'x'.repeat(40) }, i);
    const last = sse.lastEventId!;
    const closed = new Promise<void>((r) => sse.onClose(r));
    void sse.drained();
    // The stall timer does not keep a process alive; this deadline does, and bounds the wait.
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((_, reject) => (deadline = setTimeout(() => reject(new Error('not dropped within 5 s')), 5_000)))]);
    clearTimeout(deadline);
    const frame = JSON.parse(res.chunks.at(-1)!.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
    assert.match(res.chunks.at(-1)!, /^event: error\n/);
    assert.equal(frame.last_event_id, last);
    assert.match(frame.message, /stalled/);
    assert.equal(res.ended, true);
  });

  it('ends with an error frame naming the last id written (the client resumes after it)', () => {
    const { res, sse } = open({ lastEventId: 41 });
    assert.equal(sse.lastEventId, 41, 'the client\'s own Last-Event-ID until a frame is sent');
    sse.send('merged', {}, 42);
    sse.end('Stream interrupted');
    assert.equal(res.chunks.at(-1), 'event: error\ndata: {"message":"Stream interrupted","last_event_id":42}\n\n');
    assert.equal(res.ended, true);
    const before = res.chunks.length;
    sse.send('merged', {}, 43);
    assert.equal(res.chunks.length, before, 'nothing written after the end');
  });
});
