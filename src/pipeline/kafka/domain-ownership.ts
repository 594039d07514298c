/**
 * Ownership by domain (`pipeline --assignment domain`, docs/SCALING.md). The group spreads the
 * partitions of a topic keyed by domain over its members; a member owns the partitions it is
 * given and so every domain whose records are on them. Per domain it holds a store of its own
 * (owner-lifecycle.ts: its writer lock, engine, committer and relay), so a domain's log passes
 * between members with its partition and is never written by two.
 *
 * Gaining a partition: open and restore every known domain that lives on it, and start reading
 * at the oldest position one of them still needs (a domain's checkpoint, or the partition's
 * start for a domain that has committed nothing). Losing it: release those domains (publish
 * what is pending, snapshot, close). A domain met for the first time is given its store before
 * any record after it is committed (domain-batches.ts), so no checkpoint can pass a record whose
 * domain a restart would not know.
 */
import { domainName, type Domain } from '../../domain/domains.ts';
import type { BatchControl, PartitionSource, QuarantineView } from '../../ports/topic-input.ts';
import { PipelineError } from '../errors.ts';
import type { PipelineContext } from './context.ts';
import { holdStore, partitionSourceOf, releaseHeld, resyncHeld, type HeldStore } from './owner-lifecycle.ts';
import type { OwnerState, RestoreTarget } from './owner-state.ts';
import type { RecoveryHost } from './recovery.ts';
import { waitHeartbeating } from './held-commit.ts';
import type { LagSource } from './lag-monitor.ts';
import type { CampaignTables } from '../../domain/tables.ts';

/** One owned partition and the domains on it. */
export interface PartitionHold {
  readonly partition: number;
  /** By domain, in the order they were opened. */
  readonly domains: Map<Domain, OwnerState>;
  /** Where the next fetch must start: the oldest position a domain still needs, then each fetch's end. */
  next: number;
  /** The partition for staging fetched messages: quarantined offsets of any of its domains read as invalid. */
  readonly source: PartitionSource;
}

export class DomainOwnership implements RecoveryHost, LagSource {
  private readonly holds = new Map<number, PartitionHold>();
  private readonly domainOf = new Map<OwnerState, Domain>();
  private transition: Promise<void> = Promise.resolve();
  /** Partitions of the input topic (a domain's partition depends on it). */
  private partitionCount = 0;

  constructor(private readonly c: PipelineContext) {}

  private get domains() {
    return this.c.deps.domains!;
  }

  hold(partition: number): PartitionHold | undefined {
    return this.holds.get(partition);
  }

  /** Every domain held, by partition. */
  held(): Iterable<PartitionHold> {
    return this.holds.values();
  }

  /** The partition a domain's records must be on. */
  partitionOf(domain: Domain): number {
    return this.c.deps.input.partitionOfDomain(domain, this.partitionCount);
  }

  assigned(partitions: readonly number[]): void {
    this.c.health.partitions = partitions;
    this.transition = this.transition
      .then(() => this.reassign(partitions))
      .catch((e: unknown) => {
        if (!this.c.isStopping()) this.c.fail(e);
      });
  }

  positions(): Iterable<readonly [number, number]> {
    return [...this.holds.values()].map((h) => [h.partition, h.next] as const);
  }

  relayLag(): number | null {
    if (this.domainOf.size === 0) return null;
    let n = 0;
    for (const a of this.domainOf.keys()) n += a.relay.lag();
    return n;
  }

  /** The tables held (for `/metrics`). */
  tables(): CampaignTables[] {
    return [...this.domainOf.keys()].map((a) => a.runtime.tables);
  }

  settled(): Promise<void> {
    return this.transition.catch(() => {});
  }

  /** Waits for an ownership change in progress, heartbeating while it restores. */
  waitForTransition(control: BatchControl): Promise<void> {
    return waitHeartbeating(this.c, this.transition, control);
  }

  private async reassign(partitions: readonly number[]): Promise<void> {
    const { c } = this;
    if (c.isStopping()) return;
    const keep = new Set(partitions);
    for (const p of [...this.holds.keys()]) {
      if (!keep.has(p)) {
        c.notice(`lost ${c.deps.input.topic} partition ${p}: handing its domains over`);
        await this.releasePartition(p);
      }
    }
    if (partitions.length === 0) {
      c.health.role = 'standby';
      return;
    }
    const offsets = await c.patiently(() => c.deps.input.offsets());
    this.partitionCount = offsets.size;
    const gained = partitions.filter((p) => !this.holds.has(p));
    if (gained.length > 0) {
      c.health.role = 'activating';
      const known = await c.patiently(() => this.domains.stores.known());
      const committed = await c.patiently(() => c.deps.input.groupOffsets(c.options.group));
      for (const p of gained) {
        const mine = known.filter((d) => this.partitionOf(d) === p);
        c.notice(`owning ${c.deps.input.topic} partition ${p}: restoring ${mine.length} domain(s)`);
        const h: PartitionHold = {
          partition: p, domains: new Map(), next: offsets.get(p)?.low ?? 0, source: this.stagingSource(p),
        };
        this.holds.set(p, h);
        for (const d of mine) await this.open(h, d);
        // The group's offset moves only once every domain of a fetch committed (domain-batches.ts):
        // nothing before it is missing from any domain, so a domain silent since long ago does not
        // make every hand-over re-read the partition from its last record.
        h.next = Math.max(this.oldestNeeded(h, offsets.get(p)?.low ?? 0), Math.min(committed.get(p) ?? 0, offsets.get(p)?.high ?? 0));
        c.notice(`partition ${p}: reading from offset ${h.next}`);
      }
    }
    for (const p of partitions) c.deps.group.seek(p, this.holds.get(p)!.next);
    c.health.role = 'active';
    c.health.ownedDomains = this.domainOf.size;
    c.notice(`active: ${partitions.length} partition(s) of ${c.deps.input.topic}, ${this.domainOf.size} domain(s)`);
  }

  /** Opens and restores a domain's store on `h` (creating it when new). */
  async open(h: PartitionHold, domain: Domain): Promise<OwnerState> {
    const a = await holdStore(this.c, () => this.domains.stores.open(domain), this.heldStore(domain));
    h.domains.set(domain, a);
    this.domainOf.set(a, domain);
    partitionSourceOf(this.c, a, h.partition);
    this.c.health.ownedDomains = this.domainOf.size;
    return a;
  }

  private heldStore(domain: Domain): HeldStore {
    return {
      engines: this.domains.engines(domain),
      domain: { name: domain },
      onPublished: (seq) => { this.c.health.publishedSequence = seq; },
    };
  }

  /** The oldest position a domain of `h` still needs on its partition. */
  oldestNeeded(h: PartitionHold, low: number): number {
    let at = Number.POSITIVE_INFINITY;
    for (const a of h.domains.values()) {
      at = Math.min(at, a.checkpointed.has(h.partition) ? a.expected.get(h.partition)! : low);
    }
    return at === Number.POSITIVE_INFINITY ? low : at;
  }

  /** One view over the quarantines of the partition's domains (a quarantined offset is one domain's). */
  private stagingSource(partition: number): PartitionSource {
    const view: QuarantineView = {
      reasonFor: (source, offset) => {
        for (const a of this.holds.get(partition)?.domains.values() ?? []) {
          const r = a.quarantine.reasonFor(source, offset);
          if (r !== undefined) return r;
        }
        return undefined;
      },
    };
    return this.c.deps.input.partition(partition, view);
  }

  private async releasePartition(p: number): Promise<void> {
    const h = this.holds.get(p);
    if (h === undefined) return;
    this.holds.delete(p);
    for (const a of h.domains.values()) this.domainOf.delete(a);
    // Side by side: each relay may wait to publish what it holds, and the next owner waits for all.
    await Promise.all([...h.domains.values()].map((a) => releaseHeld(this.c, a)));
    this.c.health.lag.delete(p);
    this.c.health.ownedDomains = this.domainOf.size;
  }

  /** Lets go of everything (stop). */
  async release(): Promise<void> {
    for (const p of [...this.holds.keys()]) await this.releasePartition(p);
    this.c.health.relayLag = null;
  }

  // RecoveryHost: a domain's failed commit restores that domain and re-reads its partition.

  partitionSource(a: RestoreTarget, partition: number): PartitionSource {
    return partitionSourceOf(this.c, a, partition);
  }

  async resync(a: OwnerState, control: BatchControl | null): Promise<void> {
    const domain = this.domainOf.get(a);
    if (domain === undefined) throw new PipelineError('aborted', 'the domain was handed over');
    await resyncHeld(this.c, a, control, this.heldStore(domain));
  }

  /**
   * `h.next` moves only when a whole fetch is committed by every domain: re-reading from there
   * gives the restored domain everything after its checkpoint, and the others skip what they have.
   */
  rewind(_a: OwnerState, partition: number): void {
    const h = this.holds.get(partition);
    if (h !== undefined) this.c.deps.group.seek(partition, h.next);
  }

  /** For messages. */
  nameOf(a: OwnerState): string {
    return domainName(this.domainOf.get(a) ?? null);
  }
}
