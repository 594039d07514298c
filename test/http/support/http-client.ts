/** Small HTTP and SSE clients for the query-surface tests (node:http, no dependency). */
import http from 'node:http';

export interface Response {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

/**
 * `path` is resolved against `base` as a URL, unless `raw`: then it is sent as the request
 * target exactly (`//app.js` would otherwise be a URL of host `app.js`).
 */
export function request(base: string, path: string, opts: { method?: string; headers?: Record<string, string>; raw?: boolean } = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const u = opts.raw ? new URL(base) : new URL(path, base);
    const req = http.request({
      hostname: u.hostname, port: u.port, path: opts.raw ? path : u.pathname + u.search, method: opts.method ?? 'GET', headers: opts.headers,
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let json: unknown = undefined;
        if (text !== '' && String(res.headers['content-type']).startsWith('application/json')) json = JSON.parse(text);
        resolve({ status: res.statusCode!, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export interface SseFrame {
  readonly event: string;
  readonly id: string | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly data: any;
  /** Comment lines (keepalives), without the colon. */
  readonly comments: readonly string[];
}

export interface SseClient {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly frames: SseFrame[];
  /** The first frame (from the start of the stream) matching `pred`, waiting up to `ms`. */
  waitFor(pred: (f: SseFrame) => boolean, ms?: number): Promise<SseFrame>;
  /** Stops reading (the server's writes back up), and reads on again. */
  pause(): void;
  resume(): void;
  close(): void;
  readonly closed: Promise<void>;
}

export function openStream(base: string, path = '/api/v1/campaigns/events', headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(path, base), { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      const frames: SseFrame[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const raw = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let event = 'message';
          let id: string | null = null;
          const data: string[] = [];
          const comments: string[] = [];
          for (const line of raw.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          frames.push({ event: data.length === 0 ? 'comment' : event, id, data: data.length ? JSON.parse(data.join('\n')) : null, comments });
          for (const w of waiters) w();
        }
      });
      const closed = new Promise<void>((r) => res.on('close', () => r()));
      resolve({
        status: res.statusCode!,
        headers: res.headers,
        frames,
        closed,
        close: () => req.destroy(),
        pause: () => res.pause(),
        resume: () => res.resume(),
        waitFor(pred, ms = 5_000) {
          return new Promise((ok, fail) => {
            const check = (): boolean => {
              const f = frames.find(pred);
              if (f === undefined) return false;
              waiters.delete(check);
              clearTimeout(timer);
              ok(f);
              return true;
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no matching frame within ${ms} ms; got ${JSON.stringify(frames.map((f) => f.event))}`));
            }, ms);
            if (!check()) waiters.add(check);
          });
        },
      });
    });
    req.on('error', reject);
  });
}
