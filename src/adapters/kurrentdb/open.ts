/**
 * Opens a domain's event log in KurrentDB.
 *
 *   const store = openKurrentDbStore('kurrentdb://127.0.0.1:2113?tls=false', { domain: 'fleet-a' });
 *
 * Connecting is lazy (the client connects on the first call), so opening never fails for an
 * unreachable server; the first call does, with a retriable StoreError. The store keeps only the
 * log: `tables` refuses every call with 'unsupported' (tables are a fold of the log).
 */
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import type { CampaignRow } from '../../domain/tables.ts';
import { StoreError } from '../../ports/errors.ts';
import type { TableReader, TableSink } from '../../ports/table-sink.ts';
import { KurrentDbEventLog, type KurrentDbEventLogOptions } from './event-log.ts';

export interface KurrentDbStore {
  readonly log: KurrentDbEventLog;
  readonly tables: TableSink & TableReader;
  close(): Promise<void>;
}

/** Does a `--store` value name a KurrentDB server? (The schemes the client's connection string accepts.) */
export const isKurrentDbUrl = (s: string): boolean => /^(kurrentdb|kurrent|kdb)(\+discover)?:\/\//i.test(s);

const noTables = (): never => {
  throw new StoreError('unsupported', 'the KurrentDB store keeps no tables: fold them from the log (src/domain/tables.ts) or keep them in SQLite/PostgreSQL');
};

/** TableSink/TableReader of a store without tables: every call is refused. */
export const NO_TABLES: TableSink & TableReader = {
  write: async (_rows: readonly CampaignRow[], _through: number) => noTables(),
  replaceAll: async (_rows: readonly CampaignRow[], _through: number) => noTables(),
  rows: async () => noTables(),
  sequence: async () => noTables(),
};

export function openKurrentDbStore(url: string, options: KurrentDbEventLogOptions = {}): KurrentDbStore {
  let client: KurrentDBClient;
  try {
    client = KurrentDBClient.connectionString(url);
  } catch (e) {
    throw new StoreError('store_failure', `invalid KurrentDB connection string: ${e instanceof Error ? e.message : String(e)}`, false, { cause: e });
  }
  const log = new KurrentDbEventLog(client, options);
  return { log, tables: NO_TABLES, close: () => log.close() };
}
