/**
 * The Kafka pipeline: identity topic in, campaign events and tables out.
 *
 *   group membership ─► (owner only) stage + decode ─► batches ─► BatchCommitter ─► outbox relay ─► topics
 *        │                (registry outage: wait)       (ingest)   (engine, fold, dead letters,
 *        │                                                          one store transaction)
 *        └─ standby: holds nothing, waits for the partitions
 *
 * Its roles, one module each: ownership.ts (taking the topic over: store, restore, positions;
 * handing it back), partition-batches.ts (each fetched batch through the ingest loop),
 * recovery.ts (a failed commit: restore and re-read, poison, or stop), lag-monitor.ts. This
 * class starts and stops them and reports health and metrics. It sees the world through ports
 * only (src/ports/): the Kafka adapters are wired in src/cli/wiring/kafka-pipeline.ts.
 *
 * Failures never skip input: a registry or broker outage waits with backoff; a failed commit
 * restores the engine from the store and re-reads from the stored position; an event the
 * engine itself fails on is found, quarantined and dead-lettered.
 */
import { campaignCounts, type CampaignCounts, type CampaignTables } from '../../domain/tables.ts';
import type { PipelineSample } from '../../ports/pipeline-metrics.ts';
import { describeError, pipelineContext, type KafkaPipelineDeps, type KafkaPipelineOptions, type PipelineContext } from './context.ts';
import { HealthState } from './health.ts';
import { LagMonitor } from './lag-monitor.ts';
import { DomainBatches } from './domain-batches.ts';
import { DomainOwnership } from './domain-ownership.ts';
import { Ownership } from './ownership.ts';
import { PartitionBatches } from './partition-batches.ts';
import { Recovery } from './recovery.ts';

export type { KafkaPipelineDeps, KafkaPipelineOptions } from './context.ts';

export class KafkaPipeline {
  readonly health: HealthState;
  private readonly c: PipelineContext;
  private readonly ownership: Ownership | DomainOwnership;
  private readonly batches: PartitionBatches | DomainBatches;
  private readonly lag: LagMonitor;
  private stopping = false;
  private readonly abort = new AbortController();
  private resolveDone!: () => void;
  private rejectDone!: (e: unknown) => void;
  /** Settles when the pipeline has stopped: resolves after `stop()`, rejects on a fatal failure. */
  readonly done: Promise<void>;

  constructor(private readonly deps: KafkaPipelineDeps, options: KafkaPipelineOptions) {
    this.health = new HealthState(options.group, deps.input.topic, options.readyMaxLag ?? 1_000);
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
    this.c = pipelineContext(deps, options, this.health, this.abort.signal, (e) => void this.fail(e), () => this.stopping);
    if (deps.domains !== undefined) {
      const ownership = new DomainOwnership(this.c);
      this.ownership = ownership;
      this.batches = new DomainBatches(this.c, ownership, new Recovery(this.c, ownership));
    } else {
      const ownership = new Ownership(this.c);
      this.ownership = ownership;
      this.batches = new PartitionBatches(this.c, ownership, new Recovery(this.c, ownership));
    }
    this.lag = new LagMonitor(this.c, this.ownership);
  }

  async start(): Promise<void> {
    await this.deps.group.start({
      onAssignment: (partitions) => this.ownership.assigned(partitions),
      onBatch: (batch, control) => this.batches.onBatch(batch, control),
      onConnection: (connected) => { this.health.connected = connected; },
      onCrash: (e, willRestart) => {
        this.health.lastError = describeError(e);
        if (!willRestart && !this.stopping) void this.fail(e);
      },
    });
    this.lag.start();
  }

  /** Finishes (or abandons) the batch in progress, leaves the group, publishes what it can, closes. */
  async stop(): Promise<void> {
    if (this.stopping) return this.done.catch(() => {});
    this.stopping = true;
    this.health.role = 'stopping';
    this.lag.stop();
    // Aborts only waits (outage backoffs): a batch that is being committed completes.
    this.abort.abort();
    await this.deps.group.stop();
    await this.ownership.settled();
    await this.ownership.release();
    this.health.role = 'stopped';
    this.health.connected = false;
    this.resolveDone();
  }

  private async fail(e: unknown): Promise<void> {
    this.c.notice(`pipeline failed: ${describeError(e)}`);
    this.health.lastError = describeError(e);
    if (this.stopping) return;
    this.health.role = 'failed';
    this.stopping = true;
    this.lag.stop();
    this.abort.abort();
    // Not awaited from inside a batch handler: the membership waits for that handler to return.
    void (async () => {
      await this.deps.group.stop();
      await this.ownership.settled();
      await this.ownership.release();
      this.health.role = 'failed';
      this.rejectDone(e);
    })();
  }

  /** For `/metrics` at scrape time. */
  metricsSample(): PipelineSample {
    const r = this.health.report();
    const inputLag: Record<string, number> = {};
    for (const [p, n] of Object.entries(r.lag)) inputLag[`${this.deps.input.topic}/${p}`] = n;
    const counts = this.campaignCounts();
    return {
      role: r.role,
      ready: r.ready,
      inputLag,
      relayLag: r.relay_lag,
      headSequence: r.head_sequence,
      campaigns: counts === null ? null : { live: counts.active, largest: counts.largest },
    };
  }

  private readonly counted = new WeakMap<CampaignTables, { sequence: number; counts: CampaignCounts }>();

  /** Walks every row, so only once per committed change of each store, not once per scrape. */
  private campaignCounts(): { active: number; largest: number } | null {
    const all = this.ownership.tables();
    if (all.length === 0) return null;
    let active = 0;
    let largest = 0;
    for (const tables of all) {
      let c = this.counted.get(tables);
      if (c === undefined || c.sequence !== tables.sequence) {
        c = { sequence: tables.sequence, counts: campaignCounts(tables) };
        this.counted.set(tables, c);
      }
      active += c.counts.active;
      largest = Math.max(largest, c.counts.largest);
    }
    return { active, largest };
  }
}
