/**
 * The writer lock of a PostgreSQL store. A PostgreSQL store has no lock of its own (several
 * processes may open it to read), so whoever writes beyond the log's own continuity check (the
 * active pipeline member, `replay` swapping the tables) holds a session advisory lock named by
 * the schema. It dies with its connection: a killed writer leaves nothing to clean up.
 */
import pg from 'pg';
import { StoreError } from '../../ports/errors.ts';
import { toStoreError } from './errors.ts';

export const writerLockName = (schema: string): string => `campaign-stream writer ${schema}`;

/** Takes the lock on `client`'s session, or fails with retriable `store_busy` naming `holder`. */
export async function takeWriterLock(client: pg.ClientBase, schema: string, holder: string): Promise<void> {
  const { rows: [lock] } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [writerLockName(schema)]);
  if (!lock.ok) throw new StoreError('store_busy', `${holder} is writing to schema ${schema}`, true);
}

export interface HeldWriterLock {
  release(): Promise<void>;
}

/** The lock on a connection of its own, held until `release()` (or until the process dies). */
export async function holdWriterLock(connectionString: string, schema: string, holder: string): Promise<HeldWriterLock> {
  const client = new pg.Client({ connectionString, application_name: 'campaign-stream writer lock' });
  try {
    await client.connect();
    await takeWriterLock(client, schema, holder);
  } catch (e) {
    await client.end().catch(() => {});
    throw e instanceof StoreError ? e : toStoreError(e, `taking the writer lock of schema ${schema}`);
  }
  client.on('error', () => {}); // a dropped connection has released the lock; the writer's own queries fail next
  return { release: () => client.end().catch(() => {}) };
}
