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
 * Auth is the bearer header like every route (the reference's single-use `?ticket=` exists
 * because EventSource cannot set headers; the explorer page reads the stream with fetch).
 */
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import { parseIso } from '../../domain/time.ts';
import { listCampaigns } from './campaign-queries.ts';
import { DEFAULT_PAGE_SIZE } from './campaign-routes.ts';
import { HttpError } from './errors.ts';
import { lastEventId, Query } from './params.ts';
import { campaignResource } from './resources.ts';
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

/** Reads per replay step: bounds one read when a client reconnects far behind. */
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

export function streamRoute(streams: StreamRegistry, onStreamsChanged: (open: number) => void = () => {}): Route {
  return {
    async handle({ req, res, url, follower, log, limits }: RouteContext) {
      new Query(url.searchParams, []);
      const header = req.headers['last-event-id'];
      const last = lastEventId(Array.isArray(header) ? header[0] : header);
      if (streams.size >= limits.maxStreams) {
        throw new HttpError(429, 'too_many_streams', `at most ${limits.maxStreams} event streams may be open at once`, undefined, { 'Retry-After': '5' });
      }
      if (req.method === 'HEAD') return { kind: 'body', body: '', contentType: 'text/event-stream; charset=utf-8' };

      const sse = new SseStream(res, { keepaliveMs: limits.keepaliveMs, maxBufferedBytes: limits.maxStreamBufferBytes });
      streams.add(sse);
      onStreamsChanged(streams.size);
      sse.onClose(() => onStreamsChanged(streams.size));

      const emit = (ev: CampaignEvent): void => {
        const f = streamFrame(ev);
        if (f !== null) sse.send(f.event, f.data, f.id);
      };
      // Read the sequence and subscribe in the same tick: every event after `at` reaches the
      // listener, none before it does, so snapshot/replay + live has no gap and no repeat.
      const index = follower.index;
      const at = index.sequence;
      let pending: CampaignEvent[] | null = [];
      const unsubscribe = follower.subscribe(({ events }) => {
        if (pending !== null) pending.push(...events);
        else for (const ev of events) emit(ev);
      });
      sse.onClose(unsubscribe);

      if (last !== undefined && last <= at && at - last <= limits.maxReplayEvents) {
        try {
          for (let from = last + 1; from <= at && sse.isOpen;) {
            const events = await log.read(from, Math.min(REPLAY_PAGE, at - from + 1));
            if (events.length === 0) break;
            for (const ev of events) emit(ev);
            from = events[events.length - 1].sequence + 1;
          }
        } catch {
          sse.end('Stream interrupted');
          return { kind: 'handled' };
        }
      } else {
        const { items } = listCampaigns(index, { limit: DEFAULT_PAGE_SIZE, offset: 0, sort: 'updated_at', order: 'desc' });
        sse.send('snapshot', { sequence: at, campaigns: items.map((i) => campaignResource(i.row)) }, at);
      }
      const queued = pending;
      pending = null;
      for (const ev of queued) emit(ev);
      return { kind: 'handled' };
    },
  };
}
