/**
 * The stores a read command (`events`, `tables`, `membership`) reads, from `--store` as given:
 * a SQLite store directory (every clustering domain in it, or the one `--domain` names) or a
 * PostgreSQL URL (`postgres://…?schema=…`, which the pipeline writes). Read commands see only
 * the ports, so they print the same bytes from either store for the same log.
 *
 * A PostgreSQL store holds the default domain only (domains are SQLite store directories for
 * now, docs/SCALING.md): naming another domain is `store_missing`, not an empty answer.
 */
import { isPostgresUrl, maskPassword, openPostgresStore } from '../adapters/postgres/open.ts';
import type { Domain } from '../domain/domains.ts';
import { StoreError } from '../ports/errors.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { TableReader } from '../ports/table-sink.ts';
import { domainOption, domainsToRead, openDomainForReading } from './store-dir.ts';

export interface ReadableStore {
  readonly log: EventLog;
  readonly tables: TableReader;
}

/** Each domain's store in print order, opened read-only and closed once the caller moves on. */
export async function* storesToRead(store: string, domainName: string | undefined): AsyncGenerator<{ domain: Domain; store: ReadableStore }> {
  if (isPostgresUrl(store)) {
    if (domainName !== undefined && domainOption.parse(domainName) !== null) {
      throw new StoreError('store_missing', `no domain ${domainName} in ${maskPassword(store)}: a PostgreSQL store holds the default domain only`);
    }
    const pg = await openPostgresStore(store, { readonly: true, poolSize: 1, applicationName: 'campaigns-read' });
    try {
      yield { domain: null, store: pg };
    } finally {
      await pg.close();
    }
    return;
  }
  for (const domain of domainsToRead(store, domainName)) {
    const sqlite = openDomainForReading(store, domain);
    if (sqlite === null) continue;
    try {
      yield { domain, store: sqlite };
    } finally {
      sqlite.close();
    }
  }
}

/** The `--store` option of the read commands. */
export const readStoreOption = {
  type: 'string',
  required: true,
  placeholder: 'dir|postgres://…',
  description: 'store: a SQLite store directory or a PostgreSQL URL (postgres://…?schema=…)',
} as const;
