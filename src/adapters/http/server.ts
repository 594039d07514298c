/**
 * The query server: the campaign API under `/api/v1`, its event stream, `/metrics` and the
 * explorer page, over the EventLog port (and optionally the TableReader and the engine
 * snapshots' reader), so it serves any store adapter. node:http and a tiny router: the surface
 * is a dozen GET routes, and one POST (analyst overrides, override-route.ts) that writes to the
 * input, never to the store, and only when an overrides sink and a token are configured.
 *
 * Request order: Host check → route → method (GET/HEAD, or the route's own) → token →
 * heavy-request slot → parameters → handler. Every failure is a JSON `{error, detail, parameter?}` with a 4xx (or a
 * 503 `busy`); an unexpected one is a 500 without internals in the body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DEFAULT_DOMAIN_NAME } from '../../domain/domains.ts';
import type { FollowedReadModel } from '../../ports/campaign-queries.ts';
import type { EventLog } from '../../ports/event-log.ts';
import type { OverrideSink } from '../../ports/override-sink.ts';
import type { SnapshotStore } from '../../ports/snapshot-store.ts';
import type { TableReader } from '../../ports/table-sink.ts';
import { bearerGuard } from './auth.ts';
import { takeDomain } from './domain-param.ts';
import { domainsRoute } from './domains-route.ts';
import { detailRoute, evidenceRoute, historyRoute, identitiesRoute, listRoute, mergedRoute } from './campaign-routes.ts';
import { HttpError, isHttpError, ListenError } from './errors.ts';
import { INTERRUPTED, StreamRegistry, streamRoute } from './event-stream.ts';
import { stixRoute } from './export-routes.ts';
import { explorerRoutes } from './explorer-assets.ts';
import { HeavyGate } from './heavy-gate.ts';
import { PrefixIndexes } from './prefix-indexes.ts';
import { identityRoute } from './identity-routes.ts';
import { labelsRoute } from './labels-route.ts';
import { DEFAULT_POLL_MS, LogFollower } from './log-follower.ts';
import { positionsRoute } from './log-positions.ts';
import { MemoryReadModel } from './log-index-view.ts';
import { MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from './metrics.ts';
import { overrideRoute } from './override-route.ts';
import type { Limits, Reply, Route, RouteContext } from './route-context.ts';
import { Router } from './router.ts';
import { ServedDomains, type DomainCatalog, type DomainSource } from './served-domains.ts';
import { SnapshotFeatures } from './snapshot-features.ts';
import { registerStoreMetrics } from './store-metrics.ts';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8787;

export const DEFAULT_LIMITS: Limits = {
  maxPageSize: 1_000,
  maxStreams: 32,
  keepaliveMs: 15_000,
  maxStreamBufferBytes: 4 * 1024 * 1024,
  maxReplayEvents: 100_000,
  streamStallMs: 60_000,
  maxHeavyRequests: 4,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

/** Where each served domain's read model comes from. */
export interface ReadModels {
  /** Answers from store indexes (a page costs the page): campaign pages are then light requests. */
  readonly indexed: boolean;
  /**
   * Opens the read model of a domain's store (`domain` null: the default one). Its position may
   * be anywhere at or before the log head: the follower catches it up.
   */
  open(source: DomainSource, domain: string | null): Promise<FollowedReadModel>;
}

/** The whole log indexed in memory: folded from sequence 1 at every start. */
export const MEMORY_READ_MODELS: ReadModels = { indexed: false, open: async () => new MemoryReadModel() };

export interface HttpServerOptions {
  readonly log: EventLog;
  /** Default: MEMORY_READ_MODELS. */
  readonly readModels?: ReadModels;
  /**
   * Listen only once every domain's read model has reached the log head (true, the default), or
   * only when it is at most this many events behind (a number): a persisted read model further
   * behind answers at once from where it stands and catches up meanwhile (each answer says which
   * `sequence` it reflects).
   */
  readonly waitForCatchUp?: boolean | number;
  /** Optional: read only to report how far the tables lag the log. */
  readonly tables?: TableReader;
  /**
   * Optional: the store's engine snapshots, read for the identity route's engine features.
   * Without it, that route answers from the log alone.
   */
  readonly snapshots?: Pick<SnapshotStore, 'latest'>;
  /** Least time between two reads of the snapshot (see snapshot-features.ts). */
  readonly snapshotRecheckMs?: number;
  readonly host?: string;
  readonly port?: number;
  /** Bearer token required on every API route and /metrics; null or absent: no auth. */
  readonly token?: string | null;
  readonly limits?: Partial<Limits>;
  readonly pollMs?: number;
  /** A registry shared with the pipeline when both run in one process. */
  readonly registry?: MetricsRegistry;
  /**
   * Host header names accepted. Default: when bound to loopback, only loopback names, so a web
   * page on another origin cannot reach the API through DNS rebinding; otherwise any.
   */
  readonly allowedHosts?: readonly string[] | 'any';
  readonly onError?: (error: unknown) => void;
  /**
   * The store's other clustering domains (`?domain=`); absent: the default domain only (the
   * stores opened from it are closed with the server).
   */
  readonly domains?: DomainCatalog;
  /**
   * Where `POST /api/v1/overrides` appends (an overrides file, the identity topic); absent or
   * null: the route answers 403 `writes_disabled`, as it does without a token. The caller owns
   * it and closes it after the server.
   */
  readonly overrides?: OverrideSink | null;
}

export interface RunningServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The default domain's follower. */
  readonly follower: LogFollower;
  readonly domains: ServedDomains;
  readonly registry: MetricsRegistry;
  close(): Promise<void>;
}

const READ_METHODS: readonly string[] = ['GET', 'HEAD'];

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** Host header → host name without the port (`[::1]:80` → `[::1]`). */
const hostName = (h: string): string => (h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.replace(/:\d*$/, '')).toLowerCase();

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
} as const;

export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const onError = options.onError ?? ((e: unknown) => console.error('campaigns serve:', e));
  const registry = options.registry ?? new MetricsRegistry();
  const readModels = options.readModels ?? MEMORY_READ_MODELS;
  const startDomain = async (source: DomainSource, label: string | null, beforeStart: (f: LogFollower) => void = () => {}) => {
    // Errors name the domain: several followers report through one stderr.
    const report = label === null ? onError : (e: unknown) => onError(new Error(`domain ${label}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
    const model = await readModels.open(source, label);
    const follower = new LogFollower({ log: source.log, model, tables: source.tables, pollMs: options.pollMs ?? DEFAULT_POLL_MS, onError: report });
    beforeStart(follower);
    try {
      await follower.start({ wait: options.waitForCatchUp ?? true });
    } catch (e) {
      await follower.stop();
      await model.close();
      throw e;
    }
    const engineFeatures = new SnapshotFeatures({
      snapshots: source.snapshots,
      lastBatch: () => follower.lastBatch?.index ?? 0,
      recheckMs: options.snapshotRecheckMs,
      onError: report,
    });
    return { follower, engineFeatures };
  };
  // The store metrics describe the default domain's log, as before domains existed.
  const { follower, engineFeatures } = await startDomain(
    { log: options.log, tables: options.tables, snapshots: options.snapshots, close: () => {} }, null,
    (f) => registerStoreMetrics(registry, f));
  const domains = new ServedDomains(
    { name: DEFAULT_DOMAIN_NAME, isDefault: true, log: options.log, follower, engineFeatures },
    options.domains,
    (name, source) => startDomain(source, name),
    onError,
  );
  await domains.discover();

  const requests = registry.counter('campaign_stream_http_requests_total', 'HTTP requests by route and status.', ['route', 'status']);
  const openStreams = registry.gauge('campaign_stream_http_streams_open', 'Open event streams.');
  openStreams.set({}, 0);
  const heavyRunning = registry.gauge('campaign_stream_http_heavy_requests_running', 'Heavy requests (evidence, identities, identity, STIX export, as_of) being answered.');
  heavyRunning.set({}, 0);
  const heavy = new HeavyGate(limits.maxHeavyRequests, (n) => heavyRunning.set({}, n));
  const streams = new StreamRegistry();
  const metricsRoute: Route = {
    async handle() {
      await follower.refreshStats();
      return { kind: 'body', body: registry.render(), contentType: PROMETHEUS_CONTENT_TYPE };
    },
  };

  const router = new Router<Route>()
    .add('/api/v1/campaigns', listRoute)
    .add('/api/v1/campaigns/events', streamRoute(streams, (n) => openStreams.set({}, n)))
    .add('/api/v1/campaigns/:uuid', detailRoute)
    .add('/api/v1/campaigns/:uuid/identities', identitiesRoute)
    .add('/api/v1/campaigns/:uuid/evidence', evidenceRoute)
    .add('/api/v1/campaigns/:uuid/history', historyRoute)
    .add('/api/v1/campaigns/:uuid/merged', mergedRoute)
    .add('/api/v1/identities/:uuid', identityRoute)
    .add('/api/v1/domains', domainsRoute)
    .add('/api/v1/export/stix', stixRoute)
    .add('/api/v1/overrides', overrideRoute({ sink: options.overrides ?? null, tokenRequired: (options.token ?? null) !== null }))
    // For the explorer: the time slider's stops, and the labels the campaign rows do not carry yet.
    .add('/api/v1/log/positions', positionsRoute)
    .add('/api/v1/labels', labelsRoute)
    .add('/metrics', metricsRoute);
  for (const [path, route] of explorerRoutes()) router.add(path, route);

  // One per domain's log, made on the first `?as_of=` for it.
  const histories = new WeakMap<EventLog, PrefixIndexes>();
  const historyOf = (log: EventLog): PrefixIndexes => {
    let h = histories.get(log);
    if (h === undefined) histories.set(log, (h = new PrefixIndexes(log)));
    return h;
  };

  const authorize = bearerGuard(options.token ?? null);
  const allowed = options.allowedHosts ?? (LOOPBACK.has(host) ? LOOPBACK_HOSTS : 'any');

  const handle = async (req: IncomingMessage, res: ServerResponse, seen: { route: string }): Promise<void> => {
    if (allowed !== 'any' && req.headers.host !== undefined && !allowed.includes(hostName(req.headers.host))) {
      throw new HttpError(421, 'misdirected_request', 'this server answers loopback host names only', 'Host');
    }
    const target = req.url ?? '/';
    let url: URL;
    try {
      // Only origin-form targets: resolved against a base, `//app.js` would be a URL of host
      // `app.js` and path `/`, and serve the page.
      if (!target.startsWith('/')) throw new Error('not origin-form');
      url = new URL(`http://localhost${target}`);
    } catch {
      throw new HttpError(400, 'invalid_parameter', 'malformed request target', 'path');
    }
    const match = router.match(url.pathname);
    if (match === null) throw new HttpError(404, 'not_found', 'No such route');
    seen.route = match.route;
    const methods = match.handler.methods ?? READ_METHODS;
    if (!methods.includes(req.method ?? '')) {
      const what = methods === READ_METHODS ? 'the API is read-only: GET and HEAD only' : `${match.route} takes ${methods.join(', ')} only`;
      throw new HttpError(405, 'method_not_allowed', what, undefined, { Allow: methods.join(', ') });
    }
    if (!match.handler.public) authorize(req);
    const heavyRequest = typeof match.handler.heavy === 'function' ? match.handler.heavy(url, readModels.indexed) : match.handler.heavy === true;
    if (heavyRequest) {
      heavy.enter(res);
      // Requests that arrived meanwhile (light ones among them) are read before this one's work.
      await new Promise((resolve) => setImmediate(resolve));
    }
    let routeUrl = url;
    let domain = domains.defaultDomain;
    if (match.handler.perDomain) {
      const taken = takeDomain(url);
      routeUrl = taken.url;
      domain = await domains.resolve(taken.domain);
    }
    const ctx: RouteContext = {
      req, res, url: routeUrl, params: match.params, follower: domain.follower, log: domain.log, limits,
      engineFeatures: domain.engineFeatures, domain: domain.isDefault ? null : domain.name, domains, history: historyOf(domain.log),
    };
    const reply = await match.handler.handle(ctx);
    send(req, res, domain.isDefault ? reply : namingDomain(reply, domain.name));
  };

  // Node checks headersTimeout every connectionsCheckingInterval (30 s by default), and only for
  // a request it has begun to parse: a connection that sent nothing, or half a request line,
  // stayed open indefinitely. Every connection now gets its first request's headers within
  // the bound or is closed; later requests on it are Node's (keepAliveTimeout, headersTimeout).
  const firstRequest = new WeakMap<Socket, NodeJS.Timeout>();
  const server: Server = createServer({ connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs) }, (req, res) => {
    clearTimeout(firstRequest.get(req.socket));
    for (const [k, v] of Object.entries(COMMON_HEADERS)) res.setHeader(k, v);
    // Counted by route pattern, never by raw path: ids in paths would make label values unbounded.
    const seen = { route: 'unmatched' };
    handle(req, res, seen).then(
      () => requests.inc({ route: seen.route, status: String(res.statusCode) }),
      (e: unknown) => {
        if (!isHttpError(e)) onError(e);
        const err = isHttpError(e) ? e : new HttpError(500, 'internal', 'internal error');
        if (!res.headersSent) {
          send(req, res, { kind: 'json', status: err.status, body: err.body() }, err.headers);
        } else res.destroy();
        requests.inc({ route: seen.route, status: String(err.status) });
      },
    );
  });
  // Slow-loris bounds: a client must send its request line and headers promptly.
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), limits.headersTimeoutMs);
    timer.unref();
    firstRequest.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });

  const port = options.port ?? DEFAULT_PORT;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await domains.close();
    await follower.stop();
    await follower.model.close();
    const code = (e as NodeJS.ErrnoException).code;
    throw code === 'EADDRINUSE'
      ? new ListenError('address_in_use', `${host}:${port} is in use by another process`, false, { cause: e })
      : new ListenError('listen_failed', `cannot listen on ${host}:${port}: ${(e as Error).message}`, false, { cause: e });
  }
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    follower,
    domains,
    registry,
    async close() {
      streams.endAll(INTERRUPTED);
      await domains.close();
      await follower.stop();
      await follower.model.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // A request still in flight gets a moment to finish; then its connection goes too.
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
    },
  };
}

/** An answer of a non-default domain says which domain it is about (first, beside the rest). */
function namingDomain(reply: Reply, domain: string): Reply {
  if (reply.kind !== 'json' || typeof reply.body !== 'object' || reply.body === null || Array.isArray(reply.body)) return reply;
  return { ...reply, body: { domain, ...reply.body } };
}

function send(req: IncomingMessage, res: ServerResponse, reply: Reply, extraHeaders: Readonly<Record<string, string>> = {}): void {
  if (reply.kind === 'handled') return;
  let status = 200;
  let body: string | Buffer;
  const headers: Record<string, string> = { ...extraHeaders };
  if (reply.kind === 'json') {
    status = reply.status ?? 200;
    body = JSON.stringify(reply.body);
    headers['Content-Type'] = 'application/json; charset=utf-8';
    headers['Cache-Control'] = 'no-store';
  } else {
    body = reply.body;
    headers['Content-Type'] = reply.contentType;
    headers['Cache-Control'] = 'no-store';
    Object.assign(headers, reply.headers);
  }
  headers['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
