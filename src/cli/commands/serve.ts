/**
 * `campaigns serve`: the query server (HTTP API, event stream, /metrics, explorer page) over a
 * store: a store directory (SQLite) or a PostgreSQL URL. Runs until SIGINT or SIGTERM. It opens
 * the store read-only, so it can run beside `campaigns run`; the store's engine snapshots are
 * read too, for the identity route's engine features. With an overrides file or topic (and a
 * token) it also takes analyst overrides, which go to that input, never to the store.
 */
import { readFileSync } from 'node:fs';
import {
  DEFAULT_HOST, DEFAULT_LIMITS, DEFAULT_PORT, MEMORY_READ_MODELS, startHttpServer, type ReadModels, type RunningServer,
} from '../../adapters/http/server.ts';
import { DEFAULT_POLL_MS } from '../../adapters/http/log-follower.ts';
import type { DomainCatalog } from '../../adapters/http/served-domains.ts';
import { domainStoreUrl, storedPostgresDomains } from '../../adapters/postgres/domain-catalog.ts';
import { isPostgresUrl, maskPassword, openPostgresStore } from '../../adapters/postgres/open.ts';
import { PgReadModel } from '../../adapters/postgres/read-model.ts';
import { READ_MODEL_FILE, SqliteReadModel } from '../../adapters/sqlite/read-model.ts';
import path from 'node:path';
import { isStoreError, StoreError } from '../../ports/errors.ts';
import type { EventLog } from '../../ports/event-log.ts';
import type { OverrideSink } from '../../ports/override-sink.ts';
import type { SnapshotStore } from '../../ports/snapshot-store.ts';
import type { TableReader } from '../../ports/table-sink.ts';
import { UsageError } from '../args.ts';
import { defineCommand } from '../command.ts';
import { ConfigError } from '../config-error.ts';
import { emit, type CliIo } from '../io.ts';
import { overrideSinkOf, overrideTopicOptions } from '../override-sinks.ts';
import { isServeWorker, leaveCluster, reportListening, runServeWorkers } from '../serve-workers.ts';
import { domainStoreDir, openDomainForReading, openStoreForReading, storedDomains } from '../store-dir.ts';

export const TOKEN_ENV = 'CAMPAIGNS_API_TOKEN';

/** Events a read model applies before serve listens: a few seconds' worth (docs/BENCHMARKS.md). */
export const CATCH_UP_BEFORE_LISTENING = 50_000;

const options = {
  store: { type: 'string', required: true, placeholder: 'dir|url', description: 'store directory, or a postgres:// URL' },
  port: { type: 'integer', min: 0, default: DEFAULT_PORT, placeholder: 'N', description: 'TCP port (0: any free port)' },
  host: { type: 'string', placeholder: 'H', description: `address to bind (default ${DEFAULT_HOST}; loopback only unless set)` },
  'token-file': {
    type: 'string', placeholder: 'file',
    description: `file holding the bearer token clients must send (else $${TOKEN_ENV}; neither: no auth)`,
  },
  'poll-ms': { type: 'integer', min: 10, default: DEFAULT_POLL_MS, placeholder: 'N', description: 'how often to poll the log head, ms' },
  'max-streams': { type: 'integer', min: 1, default: DEFAULT_LIMITS.maxStreams, placeholder: 'N', description: 'open event streams at once' },
  'max-page-size': { type: 'integer', min: 1, default: DEFAULT_LIMITS.maxPageSize, placeholder: 'N', description: 'largest limit= a list accepts' },
  'read-model': {
    type: 'string', placeholder: 'store|memory',
    description: "store (default): indexed tables kept beside the log (read-model.sqlite, or rm_* tables in the PostgreSQL schema), updated as it grows; memory: the whole log indexed in memory at every start",
  },
  'max-heavy-requests': {
    type: 'integer', min: 1, default: DEFAULT_LIMITS.maxHeavyRequests, placeholder: 'N',
    description: 'evidence, identities and identity requests answered at once (the next gets 503 busy)',
  },
  workers: {
    type: 'integer', min: 1, default: 1, placeholder: 'N',
    description: 'processes answering on the port (one answers on one core; each keeps its own store connections and follower)',
  },
  'overrides-file': { type: 'string', placeholder: 'file', description: 'take analyst overrides (POST /api/v1/overrides; needs a token) and append them to this file' },
  'overrides-topic': { type: 'string', placeholder: 'topic', description: 'or: produce them to this identity topic' },
  ...overrideTopicOptions,
} as const;

export interface ServeSettings {
  readonly store: string;
  readonly port: number;
  readonly host?: string;
  readonly token: string | null;
  readonly pollMs: number;
  readonly maxStreams: number;
  readonly maxPageSize: number;
  readonly maxHeavyRequests?: number;
  /** Opens where posted overrides go; absent: the server takes none (403 writes_disabled). */
  readonly overrides?: () => Promise<OverrideSink>;
  /** Default 'store'. */
  readonly readModel?: 'store' | 'memory';
}

interface OpenedStore {
  readonly log: EventLog;
  readonly tables: TableReader;
  /** Read for the identity route's engine features; never written. */
  readonly snapshots: Pick<SnapshotStore, 'latest'>;
  readonly label: string;
  /** The store's other clustering domains. */
  readonly domains?: DomainCatalog;
  /** The store's read models (each domain's beside its log). */
  readonly readModels: ReadModels;
  /** PostgreSQL tells readers when the head moves; SQLite has no such hook (polling only). */
  watch?(onHead: () => void): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

async function openStore(spec: string): Promise<OpenedStore> {
  if (isPostgresUrl(spec)) {
    const pg = await openPostgresStore(spec, { readonly: true, applicationName: 'campaigns serve' });
    const domains: DomainCatalog = {
      names: () => storedPostgresDomains(spec),
      async open(name) {
        try {
          const d = await openPostgresStore(domainStoreUrl(spec, name), { readonly: true, poolSize: 2, applicationName: 'campaigns serve' });
          return { log: d.log, tables: d.tables, snapshots: d.snapshots, close: () => d.close() };
        } catch (e) {
          if (isStoreError(e) && e.code === 'store_missing') return null; // entered in the catalog, not written yet
          throw e;
        }
      },
    };
    return {
      log: pg.log, tables: pg.tables, snapshots: pg.snapshots, label: maskPassword(spec), domains,
      readModels: { indexed: true, open: (source, domain) => withHint(PgReadModel.open(domainStoreUrl(spec, domain), source.log)) },
      watch: (onHead) => pg.subscribe(() => onHead()),
      close: () => pg.close(),
    };
  }
  const s = openStoreForReading(spec);
  const domains: DomainCatalog = {
    names: () => storedDomains(spec),
    open(name) {
      const d = openDomainForReading(spec, name);
      return d === null ? null : { log: d.log, tables: d.tables, snapshots: d.snapshots, close: () => d.close() };
    },
  };
  const readModels: ReadModels = {
    indexed: true,
    open: (source, domain) => withHint(SqliteReadModel.open(path.join(domainStoreDir(spec, domain), READ_MODEL_FILE), source.log, { writerThread: true })),
  };
  return { log: s.log, tables: s.tables, snapshots: s.snapshots, label: spec, domains, readModels, close: async () => s.close() };
}

/** A read model that cannot be opened says how to serve without one. */
async function withHint<T>(opening: Promise<T>): Promise<T> {
  try {
    return await opening;
  } catch (e) {
    if (!isStoreError(e) || e.retriable) throw e;
    throw new StoreError(e.code, `${e.message} (serve keeps its read model beside the log and needs to write it there; --read-model memory needs no write access)`, false, { cause: e });
  }
}

/**
 * What a bearer token may hold (RFC 6750 `b68token`): anything else, a space inside it say,
 * could never arrive in an `Authorization: Bearer` header, and every request would get 401.
 */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export function readToken(file: string | undefined, env: string | undefined = process.env[TOKEN_ENV]): string | null {
  let raw: string | undefined;
  if (file !== undefined) {
    try {
      raw = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError('config_unreadable', `cannot read the token file ${file}: ${(e as Error).message}`, false, { cause: e });
    }
  } else raw = env;
  if (raw === undefined) return null;
  const where = file !== undefined ? `the token file ${file}` : `$${TOKEN_ENV}`;
  // Surrounding whitespace (the newline an editor adds) is not part of the token.
  const token = raw.trim();
  if (token.length === 0) throw new UsageError(`${where} is empty`);
  if (!BEARER_TOKEN.test(token)) {
    throw new ConfigError('config_invalid', `${where} holds characters a bearer token cannot carry (letters, digits and -._~+/ only, = at the end): no client could send it`);
  }
  return token;
}

/** Serves until `stop` aborts; resolves to the exit code. Separate from the command for tests. */
export async function serve(settings: ServeSettings, io: CliIo, stop: AbortSignal, onListening?: (s: RunningServer) => void): Promise<number> {
  const store = await openStore(settings.store);
  let server: RunningServer | null = null;
  let watcher: { close(): Promise<void> } | null = null;
  let overrides: OverrideSink | null = null;
  try {
    overrides = (await settings.overrides?.()) ?? null;
    const memory = settings.readModel === 'memory';
    server = await startHttpServer({
      log: store.log,
      readModels: memory ? MEMORY_READ_MODELS : store.readModels,
      // The in-memory index has nothing to answer from before it has read the log. A persisted
      // read model close to the head catches up first (seconds); one far behind (a first start
      // on a large store) answers at once from where it stands, and catches up meanwhile.
      waitForCatchUp: memory || !store.readModels.indexed ? true : CATCH_UP_BEFORE_LISTENING,
      tables: store.tables,
      snapshots: store.snapshots,
      domains: store.domains,
      host: settings.host,
      port: settings.port,
      token: settings.token,
      overrides,
      pollMs: settings.pollMs,
      limits: {
        maxStreams: settings.maxStreams, maxPageSize: settings.maxPageSize,
        ...(settings.maxHeavyRequests !== undefined ? { maxHeavyRequests: settings.maxHeavyRequests } : {}),
      },
      onError: (e) => void emit(io.stderr, `campaigns serve: ${e instanceof Error ? e.message : String(e)}\n`),
    });
    const running = server;
    // A notification only says "read now": if the listener dies, polling still catches up.
    watcher = (await store.watch?.(() => void running.follower.poll()).catch(() => null)) ?? null;
    const open = settings.host !== undefined && !['127.0.0.1', '::1', 'localhost'].includes(settings.host);
    const banner =
      `campaigns serve: ${store.label} (${position(running.follower)}${otherDomains(running)}) on ${running.url}/\n` +
      (open && settings.token === null ? `campaigns serve: warning: bound to ${settings.host} without a token: anyone who can reach it can read the campaigns\n` : '') +
      (overrides !== null ? `campaigns serve: overrides posted to ${running.url}/api/v1/overrides go to the ${overrides.kind} ${overrides.target}\n` : '');
    if (isServeWorker()) reportListening(banner);
    else await emit(io.stderr, banner);
    onListening?.(running);
    if (!stop.aborted) await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
    return 0;
  } finally {
    await watcher?.close();
    await server?.close();
    // After the server: a request still writing finishes before its sink closes.
    await overrides?.close();
    await store.close();
  }
}

/** The other domains served, for the start line; nothing for a single-domain store (the line as before). */
function otherDomains(running: RunningServer): string {
  const others = running.domains.list().filter((d) => !d.isDefault);
  return others.length === 0 ? '' : `; domains ${others.map((d) => `${d.name} (${position(d.follower)})`).join(', ')}`;
}

/** Where a domain's read model stands: at the log head, or catching up to it. */
function position(f: { sequence: number; logHead: number }): string {
  return f.sequence >= f.logHead ? `log head ${f.sequence}` : `read model at ${f.sequence} of log head ${f.logHead}, catching up`;
}

function readModelOption(v: string | undefined = 'store'): 'store' | 'memory' {
  if (v !== 'store' && v !== 'memory') throw new UsageError(`--read-model must be store or memory, not ${JSON.stringify(v)}`);
  return v;
}

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'serve the HTTP API, event stream, metrics and explorer page',
  usage: '--store <dir|url> [--port N] [--host H] [--workers N] [--token-file F] [--overrides-file F | --overrides-topic T [--brokers B] [--registry URL] [--key-by identity|domain]]',
  description:
    'Serves the campaigns of a store, read-only: the JSON API under /api/v1, a Server-Sent Events\n' +
    'stream of campaign events, Prometheus metrics at /metrics and the campaign explorer page at /.\n' +
    'A store directory is served with all its clustering domains: every read route takes ?domain=NAME.\n' +
    `Binds ${DEFAULT_HOST} unless --host says otherwise. With --token-file or $${TOKEN_ENV}, every API\n` +
    'request needs "Authorization: Bearer <token>". With --overrides-file or --overrides-topic (and a token),\n' +
    'POST /api/v1/overrides takes analyst overrides and appends them to that input. See docs/API.md.',
  options,
  async run(opts, { io }) {
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const overrides = overrideSinkOf(
        { ...opts, file: opts['overrides-file'], topic: opts['overrides-topic'] }, { file: 'overrides-file', topic: 'overrides-topic' }, 'campaigns-serve',
      );
      const token = readToken(opts['token-file']);
      if (overrides !== null && token === null) {
        // Writes need a token (the route answers 403 without one): a server started for writes that takes none is a mistake to report now.
        throw new UsageError(`--overrides-file and --overrides-topic need a token (--token-file or $${TOKEN_ENV}): without one nobody could write`);
      }
      if (opts.workers > 1 && opts['overrides-file'] !== undefined) {
        // Two processes appending to one file could interleave a line; a topic takes both.
        throw new UsageError('--workers above 1 cannot share an --overrides-file: use --overrides-topic, or one worker');
      }
      if (opts.workers > 1 && !isServeWorker()) return await runServeWorkers(opts.workers, io, stop.signal);
      return await serve({
        store: opts.store, port: opts.port, host: opts.host, token,
        pollMs: opts['poll-ms'], maxStreams: opts['max-streams'], maxPageSize: opts['max-page-size'], maxHeavyRequests: opts['max-heavy-requests'],
        ...(overrides !== null ? { overrides } : {}),
        readModel: readModelOption(opts['read-model']),
      }, io, stop.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      leaveCluster();
    }
  },
});
