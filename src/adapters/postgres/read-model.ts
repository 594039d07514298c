/**
 * A PostgreSQL store's read model: `rm_*` tables in the store's schema (read-model-schema.ts),
 * kept by the follower of `campaigns serve` and read by its routes. In the store's schema rather
 * than a database of their own: the store's schema is where its operators already look, back up
 * and grant, and the model reads nothing but the log, whose events it fetches by sequence.
 *
 * Not in the writer's transaction: a page is applied after the run commits it, by the serve
 * process, on a connection of its own, so the write path pays nothing for the read side. The
 * model's position commits with each page; a restart resumes there. A model the log no longer
 * matches (a rebuilt store) is dropped and rebuilt.
 *
 * `serve` opens the store itself read-only; the model needs a session that may write (its own
 * pool here, the same URL without default_transaction_read_only).
 */
import pg from 'pg';
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import type { CampaignView, FollowedReadModel } from '../../ports/campaign-queries.ts';
import type { EventLog } from '../../ports/event-log.ts';
import { toStoreError } from './errors.ts';
import { maskPassword, splitSchema } from './open.ts';
import { ensureReadModelLayout, readModelTables, resetReadModel, type ReadModelTables } from './read-model-schema.ts';
import { PgReadModelView } from './read-model-view.ts';
import { PgReadModelWriter } from './read-model-writer.ts';
import { DEFAULT_SCHEMA, tableNames } from './schema.ts';
import { storeTypes } from './type-parsers.ts';

export interface PgReadModelOptions {
  readonly schema?: string;
  /** Connections for reading (requests at once), besides the follower's one. */
  readonly readers?: number;
  readonly applicationName?: string;
}

const READERS = 4;

export class PgReadModel implements FollowedReadModel {
  private current: number;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly writerClient: pg.PoolClient,
    private readonly writer: PgReadModelWriter,
    private readonly r: ReadModelTables,
    private readonly log: EventLog,
    at: number,
    readonly rebuilt: boolean,
  ) {
    this.current = at;
  }

  /** Opens (creating or rebuilding as needed) the read model in the store's schema at `url`. */
  static async open(url: string, log: EventLog, options: PgReadModelOptions = {}): Promise<PgReadModel> {
    const { connectionString, schema: fromUrl } = splitSchema(url);
    const r = readModelTables(tableNames(options.schema ?? fromUrl ?? DEFAULT_SCHEMA));
    const pool = new pg.Pool({
      connectionString, types: storeTypes(), application_name: options.applicationName ?? 'campaigns serve (read model)',
      max: (options.readers ?? READERS) + 1,
    });
    pool.on('error', () => {});
    let client: pg.PoolClient | null = null;
    try {
      client = await pool.connect();
      client.on('error', () => {});
      let rebuilt = await ensureReadModelLayout(client, r);
      const writer = new PgReadModelWriter(client, r);
      if (!rebuilt && !(await matchesLog(client, r, log))) {
        await client.query('BEGIN');
        await resetReadModel(client, r);
        await client.query('COMMIT');
        rebuilt = true;
      }
      return new PgReadModel(pool, client, writer, r, log, await writer.sequence(), rebuilt);
    } catch (e) {
      await client?.query('ROLLBACK').catch(() => {});
      client?.release();
      await pool.end().catch(() => {});
      throw toStoreError(e, `opening the read model in schema ${r.schema} at ${maskPassword(url)}`);
    }
  }

  get sequence(): number {
    return this.current;
  }

  async read<T>(fn: (view: CampaignView) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        return await fn(await PgReadModelView.open(client, this.r, this.log));
      } finally {
        await client.query('COMMIT').catch(() => {});
      }
    } catch (e) {
      throw toStoreError(e, 'reading the read model');
    } finally {
      client.release();
    }
  }

  async apply(events: readonly CampaignEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      this.current = await this.writer.apply(events);
    } catch (e) {
      // Another server may have moved the model: the follower resumes from where it stands.
      this.current = await this.writer.sequence().catch(() => this.current);
      throw toStoreError(e, 'applying events to the read model');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.writerClient.release();
    await this.pool.end();
  }
}

/** Does the log still hold, at the model's position, the event the model last applied? */
async function matchesLog(client: pg.PoolClient, r: ReadModelTables, log: EventLog): Promise<boolean> {
  const meta = await client.query<{ key: string; value: string }>(`SELECT key, value FROM ${r.meta} WHERE key IN ('sequence', 'event_id')`);
  const at = Number(meta.rows.find((m) => m.key === 'sequence')!.value);
  if (at === 0) return true;
  const id = meta.rows.find((m) => m.key === 'event_id')!.value;
  const [ev] = await log.read(at, 1);
  return ev !== undefined && ev.sequence === at && ev.event_id === id;
}
