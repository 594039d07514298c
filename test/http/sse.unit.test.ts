/** One SSE response: frame format, keepalive timing, and dropping a client that stops reading. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { SseStream } from '../../src/adapters/http/sse.ts';

/** A response whose client reads nothing: everything written stays buffered. */
class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  status = 0;
  destroyed = false;
  ended = false;
  get writableLength(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
  writeHead(status: number): this {
    this.status = status;
    return this;
  }
  write(c: string): boolean {
    this.chunks.push(c);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

const open = (opts = { keepaliveMs: 20, maxBufferedBytes: 1_000 }) => {
  const res = new FakeResponse();
  return { res, sse: new SseStream(res as unknown as ServerResponse, opts) };
};

describe('SSE stream', () => {
  it('writes a keepalive first, then frames with id, event and one JSON data line', () => {
    const { res, sse } = open();
    sse.send('merged', { a: 'x\ny' }, 7);
    assert.equal(res.status, 200);
    assert.deepEqual(res.chunks, [': keepalive\n\n', 'id: 7\nevent: merged\ndata: {"a":"x\\ny"}\n\n']);
    sse.end();
  });

  it('sends a keepalive after the idle period', async () => {
    const { res, sse } = open();
    await new Promise((r) => setTimeout(r, 60));
    assert.ok(res.chunks.filter((c) => c === ': keepalive\n\n').length >= 2);
    sse.end();
  });

  it('drops a client that leaves more than the bound unread, and reports the close once', () => {
    const { res, sse } = open();
    let closes = 0;
    sse.onClose(() => closes++);
    for (let i = 0; i < 50 && sse.isOpen; i++) sse.send('profile.updated', { pad: 'x'.repeat(100) }, i);
    assert.equal(res.destroyed, true);
    assert.equal(sse.isOpen, false);
    const written = res.chunks.length;
    sse.send('merged', {}, 99);
    assert.equal(res.chunks.length, written, 'nothing written after the drop');
    res.emit('close');
    assert.equal(closes, 1);
  });

  it('ends with an error frame when given a reason', () => {
    const { res, sse } = open();
    sse.end('Stream interrupted');
    assert.equal(res.chunks.at(-1), 'event: error\ndata: {"message":"Stream interrupted"}\n\n');
    assert.equal(res.ended, true);
  });
});
