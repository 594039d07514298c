/**
 * The clustering domains of a PostgreSQL store: one schema per domain, as a SQLite store has
 * one directory per domain (docs/SCALING.md). The default domain's store is the URL's own schema
 * (`campaign_stream` by default), exactly as before domains existed; every other domain's is
 * `<schema>_d_<12 hex of sha256(domain)>` (schema names are 1-55 letters, digits and `_`, and a
 * domain name may hold `.` and `-` and be 64 long, so the name cannot be used as it is). The
 * catalog `<schema>.store_domains` names each domain and its schema, so operators and read
 * commands find them, and a domain is entered there before its first record is committed (the
 * rule `run` keeps with directories): a restart never misses a domain it met.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { domainNameProblem, type Domain } from '../../domain/domains.ts';
import { StoreError } from '../../ports/errors.ts';
import { toStoreError } from './errors.ts';
import { maskPassword, splitSchema } from './open.ts';
import { checkSchemaName, DEFAULT_SCHEMA } from './schema.ts';

/** The schema of a domain's store, beside the store of schema `base`. */
export function domainSchema(base: string, domain: Domain): string {
  if (domain === null) return base;
  if (base.length > 40) {
    throw new StoreError('store_failure', `schema ${base} is too long to hold domains (at most 40 characters: a domain's schema adds 15)`);
  }
  const schema = `${base}_d_${createHash('sha256').update(domain).digest('hex').slice(0, 12)}`;
  checkSchemaName(schema);
  return schema;
}

/** The URL of a domain's store (its schema in the `schema` parameter). */
export function domainStoreUrl(url: string, domain: Domain): string {
  if (domain === null) return url;
  const u = new URL(url);
  u.searchParams.set('schema', domainSchema(baseSchema(url), domain));
  return u.toString();
}

const baseSchema = (url: string): string => splitSchema(url).schema ?? DEFAULT_SCHEMA;

async function withClient<T>(url: string, what: string, fn: (c: pg.Client, catalog: string) => Promise<T>): Promise<T> {
  const { connectionString, schema } = splitSchema(url);
  const base = schema ?? DEFAULT_SCHEMA;
  checkSchemaName(base);
  const client = new pg.Client({ connectionString, application_name: 'campaigns-domains' });
  try {
    await client.connect();
    return await fn(client, `${pg.escapeIdentifier(base)}.store_domains`);
  } catch (e) {
    throw e instanceof StoreError ? e : toStoreError(e, `${what} in ${maskPassword(url)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The non-default domains the store holds, in name order (none when it has no catalog). */
export function storedPostgresDomains(url: string): Promise<string[]> {
  return withClient(url, 'listing the domains', async (client, catalog) => {
    const { rows: [exists] } = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [catalog]);
    if (exists.t === null) return [];
    const { rows } = await client.query<{ domain: string }>(`SELECT domain FROM ${catalog} ORDER BY domain`);
    return rows.map((r) => r.domain).filter((d) => domainNameProblem(d) === null);
  });
}

/** Enters a domain in the catalog (durably, before its store is written), creating the catalog on first use. */
export function registerPostgresDomain(url: string, domain: string): Promise<void> {
  const schema = domainSchema(baseSchema(url), domain);
  return withClient(url, `entering domain ${domain}`, async (client, catalog) => {
    const base = pg.escapeIdentifier(baseSchema(url));
    // Members meeting their first domains at once race on CREATE … IF NOT EXISTS (a unique
    // violation in the catalogs): one advisory lock per store serialises the DDL.
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`campaign-stream domains ${baseSchema(url)}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${base}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${catalog} (domain text PRIMARY KEY, schema_name text NOT NULL UNIQUE)`);
    await client.query(`INSERT INTO ${catalog} (domain, schema_name) VALUES ($1, $2) ON CONFLICT (domain) DO NOTHING`, [domain, schema]);
    await client.query('COMMIT');
  });
}
