/**
 * Opens a campaign store in PostgreSQL and hands out its adapters, which share one pool.
 *
 *   const store = await openPostgresStore('postgres://user@host:5432/db?schema=fleet_a');
 *
 * The schema comes from `options.schema`, else the URL's `schema` query parameter (removed
 * before the URL reaches pg), else `campaign_stream`. A writable open creates or migrates the
 * layout; a read-only open never creates anything and its sessions run with
 * default_transaction_read_only, so a read command cannot modify the store even by mistake.
 */
import pg from 'pg';
import { StoreError } from '../../ports/errors.ts';
import { toStoreError } from './errors.ts';
import { PostgresEventLog } from './event-log.ts';
import { listenForHead, type HeadSubscription } from './head-listener.ts';
import { DEFAULT_SCHEMA, ensureLayout, LAYOUT_VERSION, tableNames } from './schema.ts';
import { PostgresSettings } from './settings-store.ts';
import { PostgresSnapshots } from './snapshot-store.ts';
import { PostgresTableCheckpoints } from './table-checkpoints.ts';
import { PostgresTables } from './table-store.ts';
import { storeTypes } from './type-parsers.ts';

export interface PostgresStoreOptions {
  /** The schema holding the store (isolates stores, and tests, in one database). */
  readonly schema?: string;
  /** Read commands open read-only and never create a store. */
  readonly readonly?: boolean;
  /** Connections in the pool. One writer needs 1; readers running beside it need more. */
  readonly poolSize?: number;
  /** How long to wait for a connection before failing with a retriable store_failure. */
  readonly connectTimeoutMs?: number;
  /** Shown in pg_stat_activity: tells operators (and tests) which backend is which. */
  readonly applicationName?: string;
  /** Minimum of campaign events between two table checkpoints (default CHECKPOINT_MIN_EVENTS); tests use a few. */
  readonly checkpointMinEvents?: number;
}

export interface PostgresStore {
  /** The connection URL with any password masked, for messages. */
  readonly url: string;
  readonly schema: string;
  readonly log: PostgresEventLog;
  readonly tables: PostgresTables;
  readonly tableCheckpoints: PostgresTableCheckpoints;
  readonly snapshots: PostgresSnapshots;
  readonly settings: PostgresSettings;
  /** Calls `onHead` with the log head after each committed append (see head-listener.ts); `close()` ends it too. */
  subscribe(onHead: (head: number) => void, onError?: (e: StoreError) => void): Promise<HeadSubscription>;
  close(): Promise<void>;
}

/** Does a `--store` value name a PostgreSQL store rather than a SQLite file? */
export const isPostgresUrl = (s: string): boolean => /^postgres(ql)?:\/\//i.test(s);

/** `user:secret@` → `user:***@`. */
export const maskPassword = (url: string): string => url.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');

/** Splits the `schema` query parameter off a connection URL. */
export function splitSchema(url: string): { connectionString: string; schema: string | null } {
  if (!/[?&]schema=/.test(url)) return { connectionString: url, schema: null };
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  u.searchParams.delete('schema');
  return { connectionString: u.toString(), schema: schema === '' ? null : schema };
}

const POOL_SIZE = 4;
const CONNECT_TIMEOUT_MS = 10_000;

export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  if (!isPostgresUrl(url)) throw new StoreError('store_failure', `not a PostgreSQL URL: ${maskPassword(url)}`);
  const { connectionString, schema: fromUrl } = splitSchema(url);
  const t = tableNames(options.schema ?? fromUrl ?? DEFAULT_SCHEMA);
  const readonly = options.readonly ?? false;
  const masked = maskPassword(url);
  const config: pg.ClientConfig = {
    connectionString,
    types: storeTypes(),
    application_name: options.applicationName ?? 'campaign-stream',
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    ...(readonly ? { options: '-c default_transaction_read_only=on' } : {}),
  };
  const pool = new pg.Pool({ ...config, max: options.poolSize ?? POOL_SIZE });
  // An idle pooled connection that dies (server restart, failover) emits 'error' on the pool;
  // unhandled, that event would crash the process. The pool has already dropped the connection,
  // and the next query opens a new one or fails with a mapped, retriable StoreError.
  pool.on('error', () => {});

  let layout: number;
  try {
    const client = await pool.connect();
    // As in transaction.ts: a socket dying under a checked-out client must not crash the process.
    const ignore = (): void => {};
    client.on('error', ignore);
    try {
      layout = await ensureLayout(client, t, !readonly);
    } finally {
      client.off('error', ignore);
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => {});
    throw toStoreError(e, `opening the store in schema ${t.schema} at ${masked}`);
  }

  // Listeners hold their own connections: closing the store closes them too.
  const listeners = new Set<HeadSubscription>();
  const subscribe = async (onHead: (head: number) => void, onError?: (e: StoreError) => void): Promise<HeadSubscription> => {
    const sub = await listenForHead(config, t.channel, onHead, onError);
    const tracked: HeadSubscription = {
      close: async () => {
        listeners.delete(tracked);
        await sub.close();
      },
    };
    listeners.add(tracked);
    return tracked;
  };
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all([...listeners].map((l) => l.close()));
      await pool.end();
    })().catch((e: unknown) => { throw toStoreError(e, `closing ${masked}`); });
    return closing;
  };
  const tables = new PostgresTables(pool, t);
  const tableCheckpoints = new PostgresTableCheckpoints(pool, t, layout >= LAYOUT_VERSION, options.checkpointMinEvents);
  return {
    url: masked,
    schema: t.schema,
    log: new PostgresEventLog(pool, t, tables, close, tableCheckpoints),
    tables,
    tableCheckpoints,
    snapshots: new PostgresSnapshots(pool, t),
    settings: new PostgresSettings(pool, t),
    subscribe,
    close,
  };
}
