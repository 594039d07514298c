/**
 * One Server-Sent Events response: frames, idle keepalives, and a bound on what a slow client
 * may leave buffered. A client that stops reading would otherwise make the server hold every
 * event since in memory; past the bound the stream is dropped, and the client reconnects with
 * `Last-Event-ID` and is replayed what it missed.
 */
import type { ServerResponse } from 'node:http';

export interface SseOptions {
  /** A `: keepalive` comment after this much idle time (proxies close silent connections). */
  readonly keepaliveMs: number;
  /** Bytes a client may leave unread before it is dropped. */
  readonly maxBufferedBytes: number;
}

export class SseStream {
  private timer: NodeJS.Timeout | null = null;
  private open = true;
  private readonly closeListeners: Array<() => void> = [];

  constructor(private readonly res: ServerResponse, private readonly options: SseOptions) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // nginx buffers responses by default, which would hold events back until it flushes.
      'X-Accel-Buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    res.on('close', () => this.closed());
    this.comment('keepalive');
  }

  get isOpen(): boolean {
    return this.open;
  }

  onClose(fn: () => void): void {
    if (this.open) this.closeListeners.push(fn);
    else fn();
  }

  /** `data` is one JSON line: JSON.stringify escapes newlines, so a frame cannot be split. */
  send(event: string, data: unknown, id?: number): void {
    const head = id === undefined ? '' : `id: ${id}\n`;
    this.write(`${head}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  /** Ends the stream; with a reason, an `error` event first (the reference's interruption frame). */
  end(reason?: string): void {
    if (!this.open) return;
    if (reason !== undefined) this.send('error', { message: reason });
    this.res.end();
    this.closed();
  }

  private write(chunk: string): void {
    if (!this.open) return;
    this.res.write(chunk);
    if (this.res.writableLength > this.options.maxBufferedBytes) {
      this.res.destroy();
      this.closed();
      return;
    }
    this.arm();
  }

  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.comment('keepalive'), this.options.keepaliveMs);
    this.timer.unref();
  }

  private closed(): void {
    if (!this.open) return;
    this.open = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const fn of this.closeListeners.splice(0)) fn();
  }
}
