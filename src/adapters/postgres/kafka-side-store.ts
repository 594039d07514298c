/**
 * The Kafka side store of a PostgreSQL store (src/ports/pipeline-state.ts): two tables in the
 * store's schema, `kafka_outbox_cursor` and `kafka_quarantine`, plus the writer lock. A
 * PostgreSQL store has no lock of its own (several processes may open it); the
 * active pipeline member takes a session advisory lock, so a member that lost its partitions
 * but has not noticed yet (a zombie after a long pause) cannot keep writing beside the new
 * owner. The lock dies with the connection, so a killed owner leaves nothing behind.
 */
import pg from 'pg';
import { StoreError } from '../../ports/errors.ts';
import type { KafkaSideStore, QuarantineEntry } from '../../ports/pipeline-state.ts';
import type { OutboxCursor } from '../../ports/publisher.ts';
import { toStoreError } from './errors.ts';
import { splitSchema } from './open.ts';
import { DEFAULT_SCHEMA, checkSchemaName } from './schema.ts';
import { takeWriterLock } from './writer-lock.ts';

export async function openPostgresSideStore(url: string): Promise<KafkaSideStore> {
  const { connectionString, schema: fromUrl } = splitSchema(url);
  const schema = fromUrl ?? DEFAULT_SCHEMA;
  checkSchemaName(schema);
  const s = pg.escapeIdentifier(schema);
  const cursorTable = `${s}.kafka_outbox_cursor`;
  const quarantineTable = `${s}.kafka_quarantine`;
  const client = new pg.Client({ connectionString, application_name: 'campaign-stream kafka' });
  try {
    await client.connect();
    await takeWriterLock(client, schema, 'another writer (a pipeline member or replay)');
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${cursorTable} (name text PRIMARY KEY, sequence bigint NOT NULL)`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${quarantineTable} (source text NOT NULL, "offset" bigint NOT NULL, reason text NOT NULL, PRIMARY KEY (source, "offset"))`);
  } catch (e) {
    await client.end().catch(() => {});
    throw e instanceof StoreError ? e : toStoreError(e, `opening the Kafka side tables in schema ${schema}`);
  }
  client.on('error', () => {}); // a dropped connection surfaces on the next query
  const q = async <R extends pg.QueryResultRow>(doing: string, text: string, values: unknown[] = []): Promise<R[]> => {
    try {
      return (await client.query<R>(text, values)).rows;
    } catch (e) {
      throw toStoreError(e, doing);
    }
  };
  return {
    cursor(name: string): OutboxCursor {
      return {
        async published() {
          const rows = await q<{ sequence: string }>('reading the outbox cursor', `SELECT sequence FROM ${cursorTable} WHERE name = $1`, [name]);
          return rows.length === 0 ? 0 : Number(rows[0].sequence);
        },
        async markPublished(sequence: number) {
          await q('moving the outbox cursor',
            `INSERT INTO ${cursorTable} (name, sequence) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET sequence = greatest(${cursorTable}.sequence, excluded.sequence)`, [name, sequence]);
        },
      };
    },
    quarantine: {
      async all() {
        const rows = await q<{ source: string; offset: string; reason: string }>('reading the quarantine',
          `SELECT source, "offset", reason FROM ${quarantineTable} ORDER BY source, "offset"`);
        return rows.map((r): QuarantineEntry => ({ source: r.source, offset: Number(r.offset), reason: r.reason }));
      },
      async add(e) {
        await q('quarantining a message',
          `INSERT INTO ${quarantineTable} (source, "offset", reason) VALUES ($1, $2, $3) ON CONFLICT (source, "offset") DO UPDATE SET reason = excluded.reason`,
          [e.source, e.offset, e.reason]);
      },
    },
    async close() {
      await client.end().catch(() => {});
    },
  };
}

/**
 * The quarantine a PostgreSQL store's pipeline recorded, read-only and without the writer lock
 * (for a rebuild, which must refuse the same poison); none when the pipeline never ran there.
 */
export async function readPostgresQuarantine(url: string): Promise<QuarantineEntry[]> {
  const { connectionString, schema: fromUrl } = splitSchema(url);
  const schema = fromUrl ?? DEFAULT_SCHEMA;
  checkSchemaName(schema);
  const client = new pg.Client({ connectionString, application_name: 'campaign-stream rebuild' });
  try {
    await client.connect();
    const { rows } = await client.query<{ source: string; offset: string; reason: string }>(
      `SELECT source, "offset", reason FROM ${pg.escapeIdentifier(schema)}.kafka_quarantine ORDER BY source, "offset"`);
    return rows.map((r) => ({ source: r.source, offset: Number(r.offset), reason: r.reason }));
  } catch (e) {
    if ((e as { code?: string }).code === '42P01') return []; // undefined_table: the pipeline never ran here
    throw toStoreError(e, `reading the quarantine in schema ${schema}`);
  } finally {
    await client.end().catch(() => {});
  }
}
