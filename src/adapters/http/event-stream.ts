/**
 * `GET /api/v1/campaigns/events`: Server-Sent Events (REFERENCE §8 frames): a `: keepalive`
 * comment, a `snapshot` of the first page of the campaign list, then one event per campaign
 * event as the log grows, named by its type without the leading `campaign.` (`formed`,
 * `identity.assigned`, `merged`, `unmerged`, and ours: `identity.removed`, `profile.updated`).
 * `identity.campaign.assigned` is not on this stream, as in the reference.
 *
 * Every frame carries `id: <log sequence>`. A client reconnecting with `Last-Event-ID` is
 * replayed the events it missed from the log instead of a new snapshot, so a dropped
 * connection loses nothing (EventSource sends the header by itself).
 *
 * Delivery keeps pace with the client (sse.ts): live events are written while the client
 * keeps up; once it has a buffer's worth unread, the stream stops taking live events and
 * catches up from the log instead, a page at a time, each after the client has read the last,
 * then goes live again. A replay after `Last-Event-ID` is the same catch-up. Nothing is dropped
 * for being fast: a stream is only dropped (with an `error` frame naming the last id sent)
 * when its client falls more than `maxReplayEvents` behind the log, which it would not be
 * replayed on reconnecting either, when it stalls, when a log read fails, or on shutdown.
 *
 * Auth is the bearer header like every route (the reference's single-use `?ticket=` exists
 * because EventSource cannot set headers; the explorer page reads the stream with fetch).
 */
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import { parseIso } from '../../domain/time.ts';
import { DEFAULT_PAGE_SIZE } from './campaign-routes.ts';
import { HttpError } from './errors.ts';
import { lastEventId, Query } from './params.ts';
import { campaignResource, inDomain } from './resources.ts';
import type { Route, RouteContext } from './route-context.ts';
import { SseStream } from './sse.ts';

export interface StreamFrame {
  readonly event: string;
  readonly id: number;
  readonly data: unknown;
}

export function streamFrame(ev: CampaignEvent): StreamFrame | null {
  if (ev.type === 'identity.campaign.assigned') return null;
  return {
    event: ev.type.replace(/^campaign\./, ''),
    id: ev.sequence,
    data: {
      // the reference's keys
      topic: ev.type, type: ev.type, ts: parseIso(ev.time), payload: ev.payload,
      // ours
      sequence: ev.sequence, event_id: ev.event_id, time: ev.time, batch: ev.batch, evidence: ev.evidence,
    },
  };
}

/** Events per log read while catching up: bounds one read when a client is far behind. */
const REPLAY_PAGE = 1_000;

/** The open streams: counted against the limit, and ended together on shutdown. */
export class StreamRegistry {
  private readonly open = new Set<SseStream>();

  get size(): number {
    return this.open.size;
  }

  add(s: SseStream): void {
    this.open.add(s);
    s.onClose(() => this.open.delete(s));
  }

  endAll(reason: string): void {
    for (const s of [...this.open]) s.end(reason);
  }
}

export const INTERRUPTED = 'Stream interrupted';
export const FELL_BEHIND = 'Stream dropped: the client fell too far behind; reconnect with Last-Event-ID';

/** One client's delivery: live while it keeps up, from the log while it catches up. */
class Delivery {
  /** Sequence of the last event delivered (written) or skipped as not for the stream. */
  private sent: number;
  private catchingUp = false;

  constructor(
    private readonly sse: SseStream,
    private readonly ctx: Pick<RouteContext, 'follower' | 'log' | 'limits'>,
    from: number,
  ) {
    this.sent = from;
  }

  /** The follower's listener: called with each batch of newly indexed events. */
  live(events: readonly CampaignEvent[]): void {
    if (!this.sse.isOpen) return;
    if (this.catchingUp) {
      // The catch-up reads these from the log; a client this far behind would not be replayed.
      if (this.ctx.follower.sequence - this.sent > this.ctx.limits.maxReplayEvents) this.sse.end(FELL_BEHIND);
      return;
    }
    for (const ev of events) {
      if (ev.sequence <= this.sent) continue;
      if (this.sse.full) {
        this.catchUp();
        return;
      }
      this.emit(ev);
    }
  }

  /** Delivers from the log until the client has everything the index holds, then goes live. */
  catchUp(): void {
    if (this.catchingUp) return;
    this.catchingUp = true;
    void this.run().catch(() => this.sse.end(INTERRUPTED));
  }

  private async run(): Promise<void> {
    const { follower, log, limits } = this.ctx;
    for (;;) {
      if (this.sse.full) await this.sse.drained();
      if (!this.sse.isOpen) return;
      const head = follower.sequence;
      if (this.sent >= head) {
        // Same tick as the check: every later event reaches `live`, none is missed.
        this.catchingUp = false;
        return;
      }
      if (head - this.sent > limits.maxReplayEvents) {
        this.sse.end(FELL_BEHIND);
        return;
      }
      const events = await log.read(this.sent + 1, Math.min(REPLAY_PAGE, head - this.sent));
      if (events.length === 0 || events[0].sequence !== this.sent + 1) throw new Error(`the log has no event ${this.sent + 1}`);
      for (const ev of events) {
        if (!this.sse.isOpen) return;
        if (this.sse.full) break;
        this.emit(ev);
      }
    }
  }

  private emit(ev: CampaignEvent): void {
    const f = streamFrame(ev);
    if (f !== null) this.sse.send(f.event, f.data, f.id);
    this.sent = ev.sequence;
  }
}

export function streamRoute(streams: StreamRegistry, onStreamsChanged: (open: number) => void = () => {}): Route {
  return {
    perDomain: true,
    async handle({ req, res, url, follower, log, limits, domain }: RouteContext) {
      new Query(url, []);
      const header = req.headers['last-event-id'];
      const last = lastEventId(Array.isArray(header) ? header[0] : header);
      if (streams.size >= limits.maxStreams) {
        throw new HttpError(429, 'too_many_streams', `at most ${limits.maxStreams} event streams may be open at once`, undefined, { 'Retry-After': '5' });
      }
      if (req.method === 'HEAD') return { kind: 'body', body: '', contentType: 'text/event-stream; charset=utf-8' };

      const at = follower.sequence;
      const replay = last !== undefined && last <= at && at - last <= limits.maxReplayEvents;
      const sse = new SseStream(res, {
        keepaliveMs: limits.keepaliveMs,
        maxBufferedBytes: limits.maxStreamBufferBytes,
        stallMs: limits.streamStallMs,
        lastEventId: replay ? last : undefined,
      });
      streams.add(sse);
      onStreamsChanged(streams.size);
      sse.onClose(() => onStreamsChanged(streams.size));

      if (replay) {
        const delivery = new Delivery(sse, { follower, log, limits }, last);
        // Subscribed in the same tick as `at` was read: every event after it reaches `live` (or
        // the catch-up, which reads up to the model's head), none before it does.
        sse.onClose(follower.subscribe(({ events }) => delivery.live(events)));
        delivery.catchUp();
        return { kind: 'handled' };
      }
      // The snapshot is read from the model, which may apply a batch meanwhile: the stream
      // listens from now on, drops what arrives before the snapshot is sent, and then catches
      // up from the log from the snapshot's own sequence, so nothing is lost or sent twice.
      let delivery: Delivery | null = null;
      sse.onClose(follower.subscribe(({ events }) => delivery?.live(events)));
      const snapshot = await follower.model.read(async (view) => {
        const { data } = await view.list({ limit: DEFAULT_PAGE_SIZE, offset: 0, sort: 'updated_at', order: 'desc' });
        return { sequence: view.sequence, campaigns: data.map((i) => inDomain(campaignResource(i.row), domain)) };
      });
      if (!sse.isOpen) return { kind: 'handled' };
      sse.send('snapshot', domain === null ? snapshot : { domain, ...snapshot }, snapshot.sequence);
      delivery = new Delivery(sse, { follower, log, limits }, snapshot.sequence);
      delivery.catchUp();
      return { kind: 'handled' };
    },
  };
}
