/**
 * The clustering domains one server answers for (docs/SCALING.md): each domain's store has a
 * log, sequences and snapshots of its own, so each gets a follower, index and engine-features
 * reader of its own. The default domain is always there (it is the store the server was given);
 * the others come from a `DomainCatalog` (a SQLite store directory's `domains/`, a PostgreSQL
 * store's catalog of domain schemas).
 *
 * Domains are found at start, and again whenever a request names a domain the server does not
 * know or asks for `/api/v1/domains`: a run that meets a new domain while the server runs creates
 * its directory, and the next such request opens it. Re-reading one directory listing per such
 * request is cheaper than a timer listing it four times a second for nobody, and a client that
 * learns of a domain (from the run, or from `/domains`) sees it on its first request.
 */
import { DEFAULT_DOMAIN_NAME, domainNameProblem } from '../../domain/domains.ts';
import type { EventLog } from '../../ports/event-log.ts';
import type { SnapshotStore } from '../../ports/snapshot-store.ts';
import type { TableReader } from '../../ports/table-sink.ts';
import { badParameter, HttpError } from './errors.ts';
import type { LogFollower } from './log-follower.ts';
import type { SnapshotFeatures } from './snapshot-features.ts';

/** One domain's store, as the server reads it. */
export interface DomainSource {
  readonly log: EventLog;
  readonly tables?: TableReader;
  readonly snapshots?: Pick<SnapshotStore, 'latest'>;
  close(): void | Promise<void>;
}

/** Where a server finds the non-default domains of its store. */
export interface DomainCatalog {
  /** The non-default domain names the store holds now (cheap: called on discovery requests). */
  names(): readonly string[] | Promise<readonly string[]>;
  /** Opens a domain's store for reading; null while it has no store yet (met, not committed). */
  open(name: string): DomainSource | null | Promise<DomainSource | null>;
}

/** One served domain. `name` is `default` for the default domain. */
export interface ServedDomain {
  readonly name: string;
  readonly isDefault: boolean;
  readonly log: EventLog;
  readonly follower: LogFollower;
  readonly engineFeatures: SnapshotFeatures;
}

/** Builds (and starts) the follower and features reader of a domain's store. */
export type DomainStarter = (name: string, source: DomainSource) => Promise<{ follower: LogFollower; engineFeatures: SnapshotFeatures }>;

interface Opened extends ServedDomain {
  readonly source: DomainSource;
}

export class ServedDomains {
  private readonly others = new Map<string, Opened>();
  private discovering: Promise<void> | null = null;
  private nextPass: Promise<void> | null = null;
  private closed = false;

  constructor(
    readonly defaultDomain: ServedDomain,
    private readonly catalog: DomainCatalog | undefined,
    private readonly start: DomainStarter,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Every domain, the default first, then by name. */
  list(): ServedDomain[] {
    return [this.defaultDomain, ...[...this.others.keys()].sort().map((n) => this.others.get(n)!)];
  }

  /**
   * The domain `?domain=` names (absent: the default): 400 for a malformed name, 404
   * `unknown_domain` for one the store does not hold, even after looking again.
   */
  async resolve(name: string | undefined): Promise<ServedDomain> {
    if (name === undefined || name === DEFAULT_DOMAIN_NAME) return this.defaultDomain;
    const problem = domainNameProblem(name);
    if (problem !== null) throw badParameter('domain', `domain: a domain name ${problem}`);
    if (!this.others.has(name)) await this.discover();
    const found = this.others.get(name);
    if (found === undefined) throw new HttpError(404, 'unknown_domain', `no domain ${JSON.stringify(name)} in this store`, 'domain');
    return found;
  }

  /**
   * Opens the domains the catalog holds and the server does not yet. A pass under way may have
   * listed the directory before the caller's domain was created: callers arriving meanwhile share
   * one more pass after it, never a pass that started before they asked.
   */
  discover(): Promise<void> {
    if (this.discovering === null) {
      this.discovering = this.openNew().finally(() => {
        this.discovering = null;
      });
      return this.discovering;
    }
    this.nextPass ??= this.discovering.then(() => {
      this.nextPass = null;
      return this.discover();
    });
    return this.nextPass;
  }

  private async openNew(): Promise<void> {
    if (this.catalog === undefined || this.closed) return;
    let names: readonly string[];
    try {
      names = await this.catalog.names();
    } catch (e) {
      // A listing that fails (permissions, a vanished directory) leaves the known domains served.
      this.onError(e);
      return;
    }
    for (const name of names) {
      if (this.others.has(name) || this.closed) continue;
      let source: DomainSource | null;
      try {
        source = await this.catalog.open(name);
      } catch (e) {
        this.onError(e);
        continue;
      }
      if (source === null) continue;
      try {
        const started = await this.start(name, source);
        if (this.closed) {
          await started.follower.stop();
          await started.follower.model.close();
          await source.close();
          return;
        }
        this.others.set(name, { name, isDefault: false, log: source.log, source, ...started });
      } catch (e) {
        // Not served now; the next discovery tries again.
        this.onError(e);
        await source.close();
      }
    }
  }

  /** Stops the non-default domains' followers and closes their stores (the default's belong to the caller). */
  async close(): Promise<void> {
    this.closed = true;
    await this.nextPass;
    await this.discovering;
    for (const d of this.others.values()) {
      await d.follower.stop();
      await d.follower.model.close();
      await d.source.close();
    }
    this.others.clear();
  }
}
