/**
 * The Kafka pipeline: identity topic in, campaign events and tables out.
 *
 *   group consumer ─► (owner only) stage + decode ─► batches ─► BatchCommitter ─► outbox relay ─► topics
 *        │              (registry outage: wait)      (RxJS)     (engine, fold, dead letters,
 *        │                                                        one store transaction)
 *        └─ standby: holds nothing, waits for the partitions
 *
 * One member of the consumer group owns every partition (single-owner-assigner.ts). When it gets
 * them it opens the store (the store's writer lock passes with ownership), restores the engine
 * from the newest snapshot plus the batches after it (re-read from the topic), and seeks every
 * partition to the position stored with the log. Each fetched batch is staged, cut into batches
 * of `batchSize` and committed one by one before kafkajs fetches more: the commit is atomic
 * (events + input position + table rows), so a crash at any point applies nothing twice and
 * loses nothing, and the Kafka group offset is only committed after it (informational).
 *
 * Failures never skip input: a registry or broker outage waits with backoff; a failed commit
 * restores the engine from the store and re-reads from the stored position; an event the
 * engine itself fails on is found (poison.ts), quarantined and dead-lettered.
 */
import { concatMap, defer, from, lastValueFrom, map } from 'rxjs';
import { pause, withBackoff, isRetriable } from '../../adapters/kafka/backoff.ts';
import { isKafkaAdapterError, KafkaAdapterError } from '../../adapters/kafka/errors.ts';
import type { BatchControl, GroupConsumer, PartitionBatch } from '../../adapters/kafka/group-consumer.ts';
import type { IdentityPayloadDecoder } from '../../adapters/kafka/identity-payloads.ts';
import { KafkaDeadLetterSink } from '../../adapters/kafka/dead-letter-sink.ts';
import { KafkaPartitionSource, parseSourceName, type StagedRecord } from '../../adapters/kafka/partition-source.ts';
import type { MessageSender } from '../../adapters/kafka/producer.ts';
import type { TopicReader } from '../../adapters/kafka/topic-reader.ts';
import type { PipelineMetrics, PipelineSample } from '../../adapters/http/pipeline-metrics.ts';
import type { BatchStats } from '../../domain/engine-api.ts';
import { campaignCounts, type CampaignCounts } from '../../domain/tables.ts';
import { InputError, isInputError, isStoreError } from '../../ports/errors.ts';
import { formatPosition, type IdentitySource } from '../../ports/identity-source.ts';
import type { Publisher } from '../../ports/publisher.ts';
import { assembleBatches, type InputBatch } from '../batch-assembly.ts';
import { BatchCommitter } from '../batch-committer.ts';
import { decodeRecord } from '../decode.ts';
import type { EngineFactory } from '../engine-factory.ts';
import { PipelineError } from '../errors.ts';
import { restoreRuntime, type RuntimeState } from '../restore.ts';
import { HealthState } from './health.ts';
import { OutboxRelay, type RelayOptions } from './outbox-relay.ts';
import { findPoison } from './poison.ts';
import { rowsChangedAfter } from './published-rows.ts';
import { Quarantine } from './quarantine.ts';
import type { PipelineStore, StoreOpener } from './store.ts';

export interface KafkaPipelineDeps {
  readonly consumer: GroupConsumer;
  readonly reader: TopicReader;
  readonly decoder: IdentityPayloadDecoder;
  /** Sends dead letters. */
  readonly sender: MessageSender;
  readonly publisher: Publisher;
  readonly openStore: StoreOpener;
  readonly engines: EngineFactory;
  /** Operator messages (one line each, no newline). */
  readonly notice?: (line: string) => void;
  /** Per-batch counters and latency for `/metrics`. */
  readonly metrics?: PipelineMetrics;
}

/** A batch of only stateless rejects never reaches the engine. */
const NO_STATS: BatchStats = { applied: 0, duplicates: 0, stale: 0, rejected: 0, pairs_scored: 0 };

export interface KafkaPipelineOptions {
  readonly topic: string;
  readonly group: string;
  readonly deadLetterTopic: string;
  /** The outbox cursor's name (the events topic). */
  readonly outboxName: string;
  readonly batchSize: number;
  readonly snapshotEveryRecords: number;
  /** Largest total lag still reported as caught up (ready). */
  readonly readyMaxLag?: number;
  readonly relay?: RelayOptions;
  /** How long `stop()` lets the relay publish what is pending. */
  readonly drainMs?: number;
  readonly lagPollMs?: number;
  /** Failed commits in a row at one position with no poison found before giving up. */
  readonly maxCommitFailures?: number;
}

interface Active {
  readonly store: PipelineStore;
  runtime: RuntimeState;
  committer: BatchCommitter;
  lastIndex: number;
  /** Sequence of the last committed event. */
  head: number;
  readonly quarantine: Quarantine;
  readonly partitionSources: Map<number, KafkaPartitionSource>;
  /** By source name, shared with the committer (it fingerprints positions at commit). */
  readonly sourcesByName: Map<string, IdentitySource>;
  /** Next offset to consume per owned partition: the stored checkpoint, then each commit's end. */
  readonly expected: Map<number, number>;
  /** Partitions with a stored position (the others started at their low watermark). */
  readonly checkpointed: Set<number>;
  readonly dlq: KafkaDeadLetterSink;
  readonly relay: OutboxRelay;
  /** The engine or tables ran ahead of the store (a commit failed): never snapshot them. */
  dirty: boolean;
  /** A commit is in progress: the in-memory tables may be ahead of the log. */
  committing: boolean;
}

/** What restoring needs of an Active (also before the Active exists). */
type RestoreTarget = Pick<Active, 'store' | 'dlq' | 'partitionSources' | 'sourcesByName' | 'expected' | 'checkpointed' | 'quarantine'>;

/** Errors that mean "restore from the store and read again", as opposed to a stop. */
const isResyncable = (e: unknown): boolean =>
  isRetriable(e) || (isStoreError(e) && (e.code === 'batch_conflict' || e.code === 'sequence_conflict'));

/** Errors of our own layers: anything else thrown by a commit came from the engine (poison?). */
const isKnownFailure = (e: unknown): boolean =>
  isStoreError(e) || isInputError(e) || isKafkaAdapterError(e) || e instanceof PipelineError;

const describe = (e: unknown): string =>
  e instanceof Error ? `${(e as { code?: string }).code ? `[${(e as { code?: string }).code}] ` : ''}${e.message}` : String(e);

export class KafkaPipeline {
  readonly health: HealthState;
  private active: Active | null = null;
  private transition: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly abort = new AbortController();
  private lagTimer: NodeJS.Timeout | null = null;
  private failures = new Map<string, number>();
  private resolveDone!: () => void;
  private rejectDone!: (e: unknown) => void;
  /** Settles when the pipeline has stopped: resolves after `stop()`, rejects on a fatal failure. */
  readonly done: Promise<void>;

  constructor(private readonly deps: KafkaPipelineDeps, private readonly options: KafkaPipelineOptions) {
    this.health = new HealthState(options.group, options.topic, options.readyMaxLag ?? 1_000);
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
  }

  private notice(line: string): void {
    this.deps.notice?.(line);
  }

  async start(): Promise<void> {
    await this.deps.consumer.start({
      onAssignment: (partitions) => this.onAssignment(partitions),
      onBatch: (batch, control) => this.onBatch(batch, control),
      onConnection: (connected) => { this.health.connected = connected; },
      onCrash: (e, willRestart) => {
        this.health.lastError = describe(e);
        if (!willRestart && !this.stopping) void this.fail(e);
      },
    });
    this.lagTimer = setInterval(() => void this.pollLag(), this.options.lagPollMs ?? 2_000);
    this.lagTimer.unref();
  }

  /** Finishes (or abandons) the batch in progress, leaves the group, publishes what it can, closes. */
  async stop(): Promise<void> {
    if (this.stopping) return this.done.catch(() => {});
    this.stopping = true;
    this.health.role = 'stopping';
    if (this.lagTimer !== null) clearInterval(this.lagTimer);
    // Aborts only waits (outage backoffs): a batch that is being committed completes.
    this.abort.abort();
    await this.deps.consumer.stop();
    await this.transition.catch(() => {});
    await this.deactivate();
    this.health.role = 'stopped';
    this.health.connected = false;
    this.resolveDone();
  }

  private async fail(e: unknown): Promise<void> {
    this.notice(`pipeline failed: ${describe(e)}`);
    this.health.lastError = describe(e);
    if (!this.stopping) {
      this.health.role = 'failed';
      this.stopping = true;
      if (this.lagTimer !== null) clearInterval(this.lagTimer);
      this.abort.abort();
      // Not awaited from inside a batch handler: the consumer waits for that handler to return.
      void (async () => {
        await this.deps.consumer.stop();
        await this.transition.catch(() => {});
        await this.deactivate();
        this.health.role = 'failed';
        this.rejectDone(e);
      })();
    }
  }

  // ---------------------------------------------------------------------------------------
  // Ownership.

  private onAssignment(partitions: readonly number[]): void {
    this.health.partitions = partitions;
    this.transition = this.transition
      .then(() => this.reassign(partitions))
      .catch((e: unknown) => {
        if (!this.stopping) void this.fail(e);
      });
  }

  private async reassign(partitions: readonly number[]): Promise<void> {
    if (this.stopping) return;
    if (partitions.length === 0) {
      if (this.active !== null) this.notice('lost the identity topic to another member: now a standby');
      await this.deactivate();
      this.health.role = 'standby';
      return;
    }
    if (this.active === null) {
      this.health.role = 'activating';
      this.notice(`owning ${this.options.topic} partitions ${partitions.join(',')}: restoring state from the store`);
      this.active = await this.activate();
    } else if (((await this.active.store.log.lastBatch())?.index ?? 0) !== this.active.lastIndex) {
      // Someone else appended while we held the partitions (a zombie's last batch): start over from the store.
      await this.resync(this.active, null);
    }
    const a = this.active;
    const offsets = await withBackoff(() => this.deps.reader.offsets(), { signal: this.abort.signal });
    for (const p of partitions) {
      this.partitionSource(a, p);
      if (!a.expected.has(p)) a.expected.set(p, offsets.get(p)?.low ?? 0);
      this.deps.consumer.seek(p, a.expected.get(p)!);
    }
    this.health.role = 'active';
    this.notice(`active: ${partitions.length} partition(s) of ${this.options.topic}, resuming after batch ${a.lastIndex}`);
  }

  private partitionSource(a: RestoreTarget, partition: number): KafkaPartitionSource {
    let s = a.partitionSources.get(partition);
    if (s === undefined) {
      s = new KafkaPartitionSource(this.options.topic, partition, {
        reader: this.deps.reader, decoder: this.deps.decoder, quarantine: a.quarantine,
      });
      a.partitionSources.set(partition, s);
      a.sourcesByName.set(s.name, s);
    }
    return s;
  }

  private async activate(): Promise<Active> {
    const signal = this.abort.signal;
    const store = await withBackoff(() => this.deps.openStore(), {
      signal,
      maxMs: 5_000,
      onRetry: (e) => this.notice(`waiting for the store: ${describe(e)}`),
    });
    try {
      const quarantine = await Quarantine.load(store.side.quarantine);
      const dlq = new KafkaDeadLetterSink(this.deps.sender, this.options.deadLetterTopic, signal,
        (e) => this.notice(`dead-letter topic unavailable, retrying: ${describe(e)}`));
      const base = {
        store,
        quarantine,
        dlq,
        partitionSources: new Map<number, KafkaPartitionSource>(),
        sourcesByName: new Map<string, IdentitySource>(),
        expected: new Map<number, number>(),
        checkpointed: new Set<number>(),
      };
      const { runtime, committer, lastIndex } = await this.restore(base, null);
      const a: Active = {
        ...base,
        runtime,
        committer,
        lastIndex,
        head: runtime.head,
        dirty: false,
        committing: false,
        relay: new OutboxRelay({
          log: store.log,
          cursor: store.side.cursor(this.options.outboxName),
          publisher: this.deps.publisher,
          rowsChangedAfter: (after, upTo) => this.rowsAfter(a, after, upTo),
          onRetry: (e) => {
            this.health.lastError = describe(e);
            this.notice(`publishing paused: ${describe(e)}`);
          },
          onPublished: (seq) => { this.health.publishedSequence = seq; },
          // The log would grow unpublished behind a healthy-looking process: stop, loudly.
          onFailure: (e) => void this.fail(e),
        }, this.options.relay),
      };
      a.relay.start();
      this.health.lastBatch = lastIndex;
      this.health.headSequence = runtime.head;
      return a;
    } catch (e) {
      await store.close().catch(() => {});
      throw e;
    }
  }

  /**
   * Engine and tables from the store (snapshot + batches re-derived from the topic), the
   * expected positions from its checkpoints, and a committer continuing after its last batch.
   */
  private async restore(a: RestoreTarget, control: BatchControl | null): Promise<{ runtime: RuntimeState; committer: BatchCommitter; lastIndex: number }> {
    const ticker = control === null ? null : setInterval(() => void control.heartbeat().catch(() => {}), 2_000);
    try {
      const runtime = await withBackoff(() => restoreRuntime({
        log: a.store.log,
        tables: a.store.tables,
        snapshots: a.store.snapshots,
        settings: a.store.settings,
        engines: this.deps.engines,
        openSource: async (name, locator) => {
          const parsed = parseSourceName(name);
          if (parsed === null || parsed.topic !== this.options.topic) {
            throw new InputError('input_missing',
              `the store holds batches read from ${name} (${locator}); this pipeline reads ${this.options.topic} only and cannot re-derive them`);
          }
          return this.partitionSource(a, parsed.partition);
        },
        onProgress: ({ batches, total }) => {
          if (batches === total || batches % 100 === 0) this.notice(`restore: re-derived ${batches}/${total} batches`);
        },
      }), { signal: this.abort.signal, onRetry: (e) => this.notice(`restore paused: ${describe(e)}`) });
      for (const w of runtime.warnings) this.notice(`restore: ${w}`);
      // Positions only move with commits, so the checkpoints are what `expected` should hold; a
      // partition never committed keeps its start (the low watermark chosen at assignment).
      for (const cp of await a.store.log.checkpoints()) {
        const parsed = parseSourceName(cp.source);
        if (parsed !== null && parsed.topic === this.options.topic) {
          a.expected.set(parsed.partition, cp.position.offset);
          a.checkpointed.add(parsed.partition);
        }
      }
      const lastIndex = runtime.lastBatch?.index ?? 0;
      const committer = new BatchCommitter(
        {
          engine: runtime.engine,
          tables: runtime.tables,
          log: a.store.log,
          rejects: a.dlq,
          snapshots: a.store.snapshots,
          sources: a.sourcesByName,
        },
        { lastIndex, head: runtime.head, snapshotIndex: runtime.snapshotBatch ?? 0, snapshotEveryRecords: this.options.snapshotEveryRecords },
      );
      return { runtime, committer, lastIndex };
    } finally {
      if (ticker !== null) clearInterval(ticker);
    }
  }

  /** Throws away the in-memory state and restores it from the store. */
  private async resync(a: Active, control: BatchControl | null): Promise<void> {
    const { runtime, committer, lastIndex } = await this.restore(a, control);
    a.runtime = runtime;
    a.committer = committer;
    a.lastIndex = lastIndex;
    a.head = runtime.head;
    a.dirty = false;
    this.health.lastBatch = lastIndex;
    this.health.headSequence = runtime.head;
  }

  private async deactivate(): Promise<void> {
    const a = this.active;
    if (a === null) return;
    this.active = null;
    await a.relay.stop(this.options.drainMs ?? 5_000);
    if (!a.dirty && !a.committing) {
      // The next owner restores from here instead of re-deriving the batches since the last one.
      await a.committer.snapshot().catch((e: unknown) => this.notice(`snapshot at hand-over failed: ${describe(e)}`));
    }
    await a.store.close().catch((e: unknown) => this.notice(`closing the store: ${describe(e)}`));
    this.health.lag.clear();
    this.health.relayLag = null;
  }

  private async rowsAfter(a: Active, after: number, upTo: number) {
    // The tables run ahead of the log while a batch commits (or after a failed one): wait.
    while (a.committing || a.dirty) {
      if (this.active !== a && a.dirty) throw new KafkaAdapterError('aborted', 'the store was handed over');
      await new Promise((r) => setTimeout(r, 10));
    }
    return rowsChangedAfter(a.runtime.tables, after, upTo);
  }

  // ---------------------------------------------------------------------------------------
  // Batches.

  private async waitForTransition(control: BatchControl): Promise<void> {
    let settled = false;
    const t = this.transition.finally(() => { settled = true; });
    while (!settled) {
      await Promise.race([t, new Promise((r) => setTimeout(r, 1_000))]);
      if (!settled) await control.heartbeat();
    }
  }

  /** For `/metrics` at scrape time. */
  metricsSample(): PipelineSample {
    const r = this.health.report();
    const inputLag: Record<string, number> = {};
    for (const [p, n] of Object.entries(r.lag)) inputLag[`${this.options.topic}/${p}`] = n;
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

  private counted: { tables: unknown; sequence: number; counts: CampaignCounts } | null = null;

  /** Walks every row, so only once per committed change, not once per scrape. */
  private campaignCounts(): CampaignCounts | null {
    const tables = this.active?.runtime.tables;
    if (tables === undefined) return null;
    if (this.counted?.tables !== tables || this.counted.sequence !== tables.sequence) {
      this.counted = { tables, sequence: tables.sequence, counts: campaignCounts(tables) };
    }
    return this.counted.counts;
  }

  private canContinue(a: Active, control: BatchControl): boolean {
    return this.active === a && !this.stopping && control.isRunning() && !control.isStale() && !a.dirty;
  }

  private async onBatch(batch: PartitionBatch, control: BatchControl): Promise<void> {
    await this.waitForTransition(control);
    const a = this.active;
    if (a === null || !this.canContinue(a, control)) return;
    const p = batch.partition;
    let expected = a.expected.get(p);
    if (expected === undefined || !this.deps.consumer.assigned().includes(p)) return;
    if (batch.fetchedOffset !== expected) {
      // Fetched before our seek took effect (from the group's offset, which may lag or lead the
      // store's): read again from the stored position. Only a partition never committed may move
      // forward on its own, when retention removed its start.
      if (batch.fetchedOffset > expected && !a.checkpointed.has(p)) {
        const low = (await this.deps.reader.offsets()).get(p)?.low ?? 0;
        if (low > expected) a.expected.set(p, (expected = Math.min(low, batch.fetchedOffset)));
      }
      if (batch.fetchedOffset !== expected) {
        this.deps.consumer.seek(p, expected);
        return;
      }
    }
    this.health.lag.set(p, Math.max(0, batch.highWatermark - expected));
    const source = this.partitionSource(a, p);
    const staged = await withBackoff(() => source.stage(batch.messages, expected), {
      signal: this.abort.signal,
      maxMs: 10_000,
      tick: () => control.heartbeat(),
      onRetry: (e) => {
        this.health.lastError = describe(e);
        this.notice(`waiting to decode ${this.options.topic}/${p}@${expected}: ${describe(e)}`);
      },
    }).catch((e: unknown) => {
      if (isKafkaAdapterError(e) && e.code === 'aborted') return null;
      throw e;
    });
    if (staged === null || staged.length === 0 || !this.canContinue(a, control)) return;
    a.dlq.stage(this.options.topic, p, staged);
    const offsetAt = new Map(staged.map((s) => [formatPosition(s.record.source, s.record.start), s.message.offset]));
    let abandoned = false;
    await lastValueFrom(from(staged).pipe(
      map((s: StagedRecord) => decodeRecord(s.record)),
      assembleBatches(this.options.batchSize),
      concatMap((input) => defer(async () => {
        if (abandoned || !this.canContinue(a, control)) {
          abandoned = true;
          return;
        }
        if (!(await this.commitInput(a, p, input, batch.highWatermark, offsetAt, control))) abandoned = true;
      })),
    ), { defaultValue: undefined });
  }

  /** Commits one batch; false when it failed and the partition was sent back to the stored position. */
  private async commitInput(
    a: Active, p: number, input: InputBatch, highWatermark: number,
    offsetAt: ReadonlyMap<string, number>, control: BatchControl,
  ): Promise<boolean> {
    a.committing = true;
    const started = performance.now();
    let committed;
    try {
      committed = await a.committer.commit(input);
    } catch (e) {
      a.dirty = true;
      await this.recover(a, p, input, offsetAt, e, control);
      return false;
    } finally {
      a.committing = false;
    }
    this.failures.clear();
    const stats = committed.stats ?? NO_STATS;
    this.deps.metrics?.observeBatch(stats, {
      seconds: (performance.now() - started) / 1_000,
      invalid: committed.rejected - stats.rejected,
    });
    a.lastIndex = committed.index;
    const end = input.segments[input.segments.length - 1].end.offset;
    a.expected.set(p, end);
    a.checkpointed.add(p);
    // From the events, not engine.status(): that walks every campaign.
    const head = committed.events.length > 0 ? committed.events[committed.events.length - 1].sequence : a.head;
    a.head = head;
    this.health.lastBatch = committed.index;
    this.health.lastCommitAt = Date.now();
    this.health.headSequence = head;
    this.health.deadLetters += committed.rejected;
    this.health.lag.set(p, Math.max(0, highWatermark - end));
    this.health.relayLag = Math.max(0, head - a.relay.published);
    a.relay.offer(committed.events);
    a.relay.notify(head);
    await control.commit(end);
    await control.heartbeat();
    return true;
  }

  /** After a failed commit: stop, or restore from the store (quarantining poison) and re-read. */
  private async recover(
    a: Active, p: number, input: InputBatch, offsetAt: ReadonlyMap<string, number>, e: unknown, control: BatchControl,
  ): Promise<void> {
    if (this.stopping || (isKafkaAdapterError(e) && e.code === 'aborted')) return;
    this.health.lastError = describe(e);
    const where = input.range.from;
    if (isKnownFailure(e) && !isResyncable(e)) {
      void this.fail(e);
      return;
    }
    this.notice(`batch at ${where} failed (${describe(e)}): restoring from the store`);
    if (isResyncable(e)) await pause(1_000, this.abort.signal, () => control.heartbeat()).catch(() => {});
    if (this.stopping) return;
    await this.resync(a, control);
    if (!isKnownFailure(e)) {
      const poison = findPoison(a.runtime.engines, JSON.stringify(a.runtime.engine.snapshot()), input.events, input.range);
      const source = this.partitionSource(a, p);
      for (const x of poison) {
        const offset = offsetAt.get(x.position);
        if (offset === undefined) continue;
        this.notice(`poison at ${source.name}@${offset} (event ${x.event_id}): ${x.error}; quarantined, it goes to the dead-letter topic`);
        await a.quarantine.add({ source: source.name, offset, reason: x.error });
      }
      if (poison.length === 0) {
        const n = (this.failures.get(where) ?? 0) + 1;
        this.failures.set(where, n);
        if (n >= (this.options.maxCommitFailures ?? 3)) {
          void this.fail(new PipelineError('state_mismatch', `batch at ${where} failed ${n} times and no input event explains it: ${describe(e)}`));
          return;
        }
      }
    }
    this.deps.consumer.seek(p, a.expected.get(p)!);
  }

  private async pollLag(): Promise<void> {
    const a = this.active;
    if (a === null || this.stopping) return;
    try {
      const offsets = await this.deps.reader.offsets();
      for (const [p, next] of a.expected) {
        const o = offsets.get(p);
        if (o !== undefined && this.deps.consumer.assigned().includes(p)) this.health.lag.set(p, Math.max(0, o.high - next));
      }
      this.health.relayLag = a.relay.lag();
    } catch {
      // The next poll, or the next batch, updates the lag.
    }
  }
}

