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
    client.release(broken);
  }
}
