/**
 * The stores a read command (`events`, `tables`, `membership`) reads, from `--store` as given:
 * a SQLite store directory (every clustering domain in it, or the one `--domain` names) or a
 * PostgreSQL URL (`postgres://…?schema=…`, which the pipeline writes). Read commands see only
 * the ports, so they print the same bytes from either store for the same log.
 *
 * A PostgreSQL store keeps each domain in a schema of its own, listed in its catalog
 * (src/adapters/postgres/domain-catalog.ts); naming a domain it does not hold is `store_missing`.
 */
import { domainStoreUrl, storedPostgresDomains } from '../adapters/postgres/domain-catalog.ts';
import { isPostgresUrl, maskPassword, openPostgresStore, type PostgresStore } from '../adapters/postgres/open.ts';
import type { Domain } from '../domain/domains.ts';
import { isStoreError, StoreError } from '../ports/errors.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { TableCheckpointReader } from '../ports/table-checkpoints.ts';
import type { TableReader } from '../ports/table-sink.ts';
import { domainOption, domainsToRead, openDomainForReading } from './store-dir.ts';

export interface ReadableStore {
  readonly log: EventLog;
  readonly tables: TableReader;
  /** Where an as-of position starts its fold (tables-as-of.ts); absent: from the log start. */
  readonly tableCheckpoints?: TableCheckpointReader;
}

/** Each domain's store in print order, opened read-only and closed once the caller moves on. */
export async function* storesToRead(store: string, domainName: string | undefined): AsyncGenerator<{ domain: Domain; store: ReadableStore }> {
  if (isPostgresUrl(store)) {
    for (const domain of await postgresDomainsToRead(store, domainName)) {
      let pg: PostgresStore;
      try {
        pg = await openPostgresStore(domainStoreUrl(store, domain), { readonly: true, poolSize: 1, applicationName: 'campaigns-read' });
      } catch (e) {
        // A domain entered in the catalog whose store was not written yet: nothing to print.
        if (domain !== null && isStoreError(e) && e.code === 'store_missing') continue;
        throw e;
      }
      try {
        yield { domain, store: pg };
      } finally {
        await pg.close();
      }
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

/** Like domainsToRead, for a PostgreSQL store's catalog of domains. */
async function postgresDomainsToRead(url: string, name: string | undefined): Promise<Domain[]> {
  if (name === undefined) return [null, ...await storedPostgresDomains(url)];
  const domain = domainOption.parse(name);
  if (domain !== null && !(await storedPostgresDomains(url)).includes(domain)) {
    throw new StoreError('store_missing', `no domain ${domain} in the store at ${maskPassword(url)}`);
  }
  return [domain];
}

/** The `--store` option of the read commands. */
export const readStoreOption = {
  type: 'string',
  required: true,
  placeholder: 'dir|postgres://…',
  description: 'store: a SQLite store directory or a PostgreSQL URL (postgres://…?schema=…)',
} as const;
