/**
 * One transaction on one pooled connection. Any failure rolls back and surfaces as a
 * StoreError. A connection whose ROLLBACK also failed (the server went away mid-transaction) is
 * destroyed, not returned to the pool, so the next caller does not inherit a dead socket or an
 * aborted transaction.
 */
import type { Pool, PoolClient } from 'pg';
import { toStoreError } from './errors.ts';

export async function inTransaction<T>(pool: Pool, doing: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    throw toStoreError(e, doing);
  }
  let broken: Error | undefined;
  // A checked-out client whose socket dies emits 'error' besides failing the running query. The
  // pool listens only on idle clients, so without this listener that event would crash the
  // process; the query's own rejection carries the failure to the caller.
  const onSocketError = (e: Error): void => { broken = e; };
  client.on('error', onSocketError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw toStoreError(e, doing);
  } finally {
    client.off('error', onSocketError);
    client.release(broken);
  }
}
