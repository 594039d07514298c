/**
 * One Server-Sent Events response: frames, idle keepalives, flow control, and how a stream is
 * dropped.
 *
 * Flow control: frames are written while the client keeps up; once `maxBufferedBytes` wait
 * unread in the process (and the socket asks to drain), `full` is true and the writer waits for
 * `drained()` instead of writing more. A burst (a reconnect replayed from far behind, a large
 * batch) then flows at the client's pace instead of piling up in memory; only a client that
 * stops reading falls behind.
 *
 * A dropped stream always ends with an `error` frame, `{"message", "last_event_id"}`: the id of
 * the last frame written, which is where the client resumes with `Last-Event-ID`. The frame goes
 * after everything already buffered, so a client that reads on receives all of it and then
 * learns where to resume. A client that reads nothing for `stallMs` while frames wait is
 * dropped the same way, and its socket is destroyed `stallMs` later if it still reads nothing:
 * it would hold a stream slot and its buffer forever.
 */
import type { ServerResponse } from 'node:http';

export interface SseOptions {
  /** A `: keepalive` comment after this much idle time (proxies close silent connections). */
  readonly keepaliveMs: number;
  /** Bytes written ahead of the client before the writer waits for it to read. */
  readonly maxBufferedBytes: number;
  /** A client that reads nothing for this long while frames wait is cut off. */
  readonly stallMs: number;
  /** The id the client already has (its `Last-Event-ID`), until a frame with an id is sent. */
  readonly lastEventId?: number;
}

export class SseStream {
  private timer: NodeJS.Timeout | null = null;
  private stallTimer: NodeJS.Timeout | null = null;
  private open = true;
  private readonly closeListeners: Array<() => void> = [];
  private drainWaiters: Array<() => void> = [];
  private last: number | null;

  constructor(private readonly res: ServerResponse, private readonly options: SseOptions) {
    this.last = options.lastEventId ?? null;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // nginx buffers responses by default, which would hold events back until it flushes.
      'X-Accel-Buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    res.on('close', () => this.closed());
    res.on('drain', () => this.drained_());
    this.comment('keepalive');
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** The id of the last frame written (or the client's own `Last-Event-ID`); null before any. */
  get lastEventId(): number | null {
    return this.last;
  }

  /** The client has `maxBufferedBytes` unread: write nothing more until `drained()`. */
  get full(): boolean {
    return this.res.writableNeedDrain && this.res.writableLength >= this.options.maxBufferedBytes;
  }

  onClose(fn: () => void): void {
    if (this.open) this.closeListeners.push(fn);
    else fn();
  }

  /** Resolves once the client has read what was buffered, or the stream has closed. */
  drained(): Promise<void> {
    if (!this.open || !this.res.writableNeedDrain) return Promise.resolve();
    if (this.stallTimer === null) {
      this.stallTimer = setTimeout(() => this.cutOff(), this.options.stallMs);
      this.stallTimer.unref();
    }
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** `data` is one JSON line: JSON.stringify escapes newlines, so a frame cannot be split. */
  send(event: string, data: unknown, id?: number): void {
    const head = id === undefined ? '' : `id: ${id}\n`;
    if (this.write(`${head}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`) && id !== undefined) this.last = id;
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  /**
   * Ends the stream; with a reason, an `error` frame first, naming the last id written so the
   * client can resume after it.
   */
  end(reason?: string): void {
    if (!this.open) return;
    if (reason !== undefined) this.send('error', { message: reason, last_event_id: this.last });
    this.res.end();
    // A client that stopped reading would keep the socket (and its buffer) forever.
    const res = this.res;
    const cut = setTimeout(() => res.destroy(), this.options.stallMs);
    cut.unref();
    res.once('finish', () => clearTimeout(cut));
    this.closed();
  }

  private write(chunk: string): boolean {
    if (!this.open) return false;
    this.res.write(chunk);
    this.arm();
    return true;
  }

  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // A client that is not reading gets no keepalive: there is data waiting for it already.
      if (this.res.writableNeedDrain) this.arm();
      else this.comment('keepalive');
    }, this.options.keepaliveMs);
    this.timer.unref();
  }

  private drained_(): void {
    if (this.stallTimer !== null) clearTimeout(this.stallTimer);
    this.stallTimer = null;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  private cutOff(): void {
    this.stallTimer = null;
    this.end(`Stream stalled: the client read nothing for ${this.options.stallMs} ms`);
  }

  private closed(): void {
    if (!this.open) return;
    this.open = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.drained_();
    for (const fn of this.closeListeners.splice(0)) fn();
  }
}
