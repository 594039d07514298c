/** What a route handler gets and gives back. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventLog } from '../../ports/event-log.ts';
import type { LogFollower } from './log-follower.ts';
import type { PrefixIndexes } from './prefix-indexes.ts';
import type { Params } from './router.ts';
import type { ServedDomains } from './served-domains.ts';
import type { SnapshotFeatures } from './snapshot-features.ts';

export interface Limits {
  /** Largest `limit` a paged route accepts. */
  readonly maxPageSize: number;
  /** Open event streams at once; the next one gets 429. */
  readonly maxStreams: number;
  readonly keepaliveMs: number;
  /** Bytes written ahead of a stream client before the server waits for it to read. */
  readonly maxStreamBufferBytes: number;
  /**
   * Events a reconnecting stream may be replayed; further behind, it gets a fresh snapshot. A
   * connected client that falls this far behind is dropped (it would get a snapshot anyway).
   */
  readonly maxReplayEvents: number;
  /** A stream client that reads nothing for this long while frames wait is dropped. */
  readonly streamStallMs: number;
  /**
   * Heavy requests (routes that walk a whole campaign) running at once; the next one gets 503
   * `busy` with `Retry-After`, so light requests are never queued behind many heavy ones.
   */
  readonly maxHeavyRequests: number;
  /** A client must send its request line and headers within this (slow-loris bound). */
  readonly headersTimeoutMs: number;
  /** ... and its whole request within this. */
  readonly requestTimeoutMs: number;
}

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly params: Params;
  /** The domain `?domain=` named: its follower, log and engine features below. */
  readonly follower: LogFollower;
  readonly log: EventLog;
  /** That domain's name when it is not the default one, else null (answers then name no domain). */
  readonly domain: string | null;
  /** Every domain the server answers for. */
  readonly domains: ServedDomains;
  readonly limits: Limits;
  /** Per-identity engine features from the store's newest engine snapshot (one per server). */
  readonly engineFeatures: SnapshotFeatures;
  /** That domain's indexes of log prefixes, for `?as_of=`. */
  readonly history: PrefixIndexes;
}

export type Reply =
  | { readonly kind: 'json'; readonly body: unknown; readonly status?: number }
  | { readonly kind: 'body'; readonly body: string | Buffer; readonly contentType: string; readonly headers?: Readonly<Record<string, string>> }
  /** The handler wrote the response itself (a stream). */
  | { readonly kind: 'handled' };

export interface Route {
  /** The methods it answers; absent: GET and HEAD (every read route). */
  readonly methods?: readonly string[];
  /** Static assets of the page carry no data and are served without a token. */
  readonly public?: boolean;
  /**
   * Its cost grows with a campaign's size (or, for a request that says so, with the log's): it
   * counts against `maxHeavyRequests`. `indexed`: the server answers from a store's indexed read
   * model, where a page of a campaign costs the page, not the campaign.
   */
  readonly heavy?: boolean | ((url: URL, indexed: boolean) => boolean);
  /** It answers for one domain: it takes `?domain=` (taken off the URL before it reads it). */
  readonly perDomain?: boolean;
  handle(ctx: RouteContext): Reply | Promise<Reply>;
}

export const json = (body: unknown, status = 200): Reply => ({ kind: 'json', body, status });
