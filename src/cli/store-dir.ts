/**
 * The store directory: everything a run writes lives under `--store <dir>`.
 *
 *   campaigns.sqlite (+ -wal, -shm)  event log, batch records, checkpoints, tables, snapshot
 *   rejects.ndjson                   refused input, one JSON object per line
 *   writer.lock                      held by the one process writing (run, replay)
 *   domains/<domain>/                the same, for each clustering domain but the default one
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { RejectsFile } from '../adapters/file/rejects-file.ts';
import { openSqliteStore, type SqliteStore } from '../adapters/sqlite/store.ts';
import { acquireWriterLock } from '../adapters/sqlite/writer-lock.ts';
import { DEFAULT_DOMAIN_NAME, domainNameProblem, domainOfName, type Domain } from '../domain/domains.ts';
import { StoreError } from '../ports/errors.ts';
import { UsageError } from './args.ts';

export const STORE_FILE = 'campaigns.sqlite';
export const REJECTS_FILE = 'rejects.ndjson';
export const LOCK_FILE = 'writer.lock';

export interface WritableStore {
  readonly store: SqliteStore;
  readonly rejects: RejectsFile;
  close(): void;
}

export interface WriteOptions {
  /** `replay` rebuilds an existing store: a mistyped `--store` must not become a new, empty one. */
  readonly mustExist?: boolean;
  /** Long writers (`run`, the pipeline): the store's writes on a thread of their own (adapters/sqlite/writer-thread.ts). */
  readonly writerThread?: boolean;
  /** Minimum of events between table checkpoints (OpenOptions.checkpointMinEvents): tests use a few. */
  readonly checkpointMinEvents?: number;
}

/** The directory, created if needed; a path that cannot be one is `store_failure`, not a stack trace. */
function storeDirectory(dir: string, mustExist: boolean): void {
  let isDir: boolean | null = null;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = null;
  }
  if (isDir === false) throw new StoreError('store_failure', `--store ${dir} is a file, not a store directory`);
  if (mustExist && (isDir === null || !existsSync(path.join(dir, STORE_FILE)))) {
    throw new StoreError('store_missing', `no store at ${dir}`);
  }
  if (isDir === null) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new StoreError('store_failure', `cannot create the store directory ${dir}: ${(e as Error).message}`, false, { cause: e });
    }
  }
}

/** Creates the directory if needed and takes the writer lock before opening anything. */
export function openStoreForWriting(dir: string, options: WriteOptions = {}): WritableStore {
  storeDirectory(dir, options.mustExist ?? false);
  const lock = acquireWriterLock(path.join(dir, LOCK_FILE));
  try {
    const store = openSqliteStore(path.join(dir, STORE_FILE), {
      writerThread: options.writerThread ?? false,
      ...(options.checkpointMinEvents !== undefined ? { checkpointMinEvents: options.checkpointMinEvents } : {}),
    });
    return {
      store,
      rejects: new RejectsFile(path.join(dir, REJECTS_FILE)),
      close() {
        store.close();
        lock.release();
      },
    };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** Read commands never create a store: a typo in --store is an error, not an empty answer. */
export const openStoreForReading = (dir: string): SqliteStore =>
  openSqliteStore(path.join(dir, STORE_FILE), { readonly: true });

// ---------------------------------------------------------------------------------------------
// Clustering domains (docs/SCALING.md). The default domain IS the store directory above, exactly
// as before domains existed; every other domain is a complete store of its own (same files,
// same layout, its own log, sequences, checkpoints, snapshots, tables and rejects) under
//
//   domains/<domain>/                one sub-store per non-default domain

export const DOMAINS_DIR = 'domains';

/** The directory of a domain's store (the default domain's is the store directory itself). */
export const domainStoreDir = (dir: string, domain: Domain): string =>
  domain === null ? dir : path.join(dir, DOMAINS_DIR, domain);

/** The non-default domains a store holds, in name order (entries that are not domain names are not ours). */
export function storedDomains(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(path.join(dir, DOMAINS_DIR));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new StoreError('store_failure', `cannot list the domains of ${dir}: ${(e as Error).message}`, false, { cause: e });
  }
  return names.filter((n) => domainNameProblem(n) === null && n !== DEFAULT_DOMAIN_NAME && isDirectory(path.join(dir, DOMAINS_DIR, n))).sort();
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false; // gone since it was listed, or a dangling link: not a domain
  }
}

/**
 * Creates a domain's directory, durably, the moment a run first meets the domain: before any
 * other domain's checkpoint can move past that record. A later run then knows the domain from
 * the directory and reads its records from the start, even if this run dies before the domain
 * commits anything.
 */
export function ensureDomainDir(dir: string, domain: string): void {
  const parent = path.join(dir, DOMAINS_DIR);
  const target = path.join(parent, domain);
  try {
    mkdirSync(target, { recursive: true });
    syncDir(parent);
    syncDir(dir);
  } catch (e) {
    throw new StoreError('store_failure', `cannot create the store directory of domain ${domain}: ${(e as Error).message}`, false, { cause: e });
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The domains a read command prints: the one `--domain` names (which must exist), or every
 * domain of the store, the default first.
 */
export function domainsToRead(dir: string, name: string | undefined): Domain[] {
  if (name === undefined) return [null, ...storedDomains(dir)];
  const domain = domainOption.parse(name);
  if (domain !== null && !storedDomains(dir).includes(domain)) {
    // The default domain's store is the directory itself: openStoreForReading reports it missing.
    if (!existsSync(path.join(dir, STORE_FILE))) throw new StoreError('store_missing', `no store at ${dir}`);
    throw new StoreError('store_missing', `no domain ${domain} in the store at ${dir}`);
  }
  return [domain];
}

/** A domain's store for reading; a domain met but not committed yet has no file: an empty answer, not an error. */
export function openDomainForReading(dir: string, domain: Domain): SqliteStore | null {
  if (domain !== null && !existsSync(path.join(domainStoreDir(dir, domain), STORE_FILE))) return null;
  return openStoreForReading(domainStoreDir(dir, domain));
}

/** The `--domain` option of the read commands. */
export const domainOption = {
  type: 'string',
  placeholder: 'name',
  description: `only this clustering domain ('${DEFAULT_DOMAIN_NAME}' for the default one); without it, every domain of the store`,
  /** The domain a `--domain` value names (null: the default), or a usage error for a malformed name. */
  parse(name: string): Domain {
    const problem = domainNameProblem(name);
    if (problem !== null) throw new UsageError(`--domain ${JSON.stringify(name)}: a domain name ${problem}`);
    return domainOfName(name);
  },
} as const;
