/**
 * Ownership of the identity topic. One member of the group owns every partition
 * (the adapter's single-owner assigner); when it gets them it opens the store (the store's
 * writer lock passes with ownership), restores the engine from the newest snapshot plus the
 * batches after it (re-read from the topic), and seeks every partition to the position stored
 * with the log. When it loses them (or stops) it lets the relay publish what is pending, saves a
 * snapshot and closes the store, so the next owner starts from there. A standby holds nothing.
 */
import { InputError } from '../../ports/errors.ts';
import type { IdentitySource } from '../../ports/identity-source.ts';
import type { BatchControl, PartitionSource } from '../../ports/topic-input.ts';
import { BatchCommitter, fingerprintedSegments } from '../batch-committer.ts';
import { PipelineError } from '../errors.ts';
import { patientDeadLetters } from '../patient-rejects.ts';
import { restoreRuntime, type RuntimeState } from '../restore.ts';
import { describeError, type PipelineContext } from './context.ts';
import { OutboxRelay } from './outbox-relay.ts';
import type { OwnerState, RestoreTarget } from './owner-state.ts';
import { rowsChangedAfter } from './published-rows.ts';
import { Quarantine } from './quarantine.ts';

export class Ownership {
  /** The owner's state, or null while a standby. */
  private current: OwnerState | null = null;
  /** Ownership changes run one after the other; batches wait for the one in progress. */
  private transition: Promise<void> = Promise.resolve();

  constructor(private readonly c: PipelineContext) {}

  get state(): OwnerState | null {
    return this.current;
  }

  /** The partitions this member owns changed (empty: it is a standby now). */
  assigned(partitions: readonly number[]): void {
    this.c.health.partitions = partitions;
    this.transition = this.transition
      .then(() => this.reassign(partitions))
      .catch((e: unknown) => {
        if (!this.c.isStopping()) this.c.fail(e);
      });
  }

  /** Settles when no ownership change is in progress. */
  settled(): Promise<void> {
    return this.transition.catch(() => {});
  }

  /** Waits for an ownership change in progress, heartbeating while it restores. */
  async waitForTransition(control: BatchControl): Promise<void> {
    let done = false;
    const t = this.transition.finally(() => { done = true; });
    while (!done) {
      await Promise.race([t, this.c.deps.timers.sleep(1_000)]);
      if (!done) await control.heartbeat();
    }
  }

  private async reassign(partitions: readonly number[]): Promise<void> {
    const { c } = this;
    if (c.isStopping()) return;
    if (partitions.length === 0) {
      if (this.current !== null) c.notice('lost the identity topic to another member: now a standby');
      await this.release();
      c.health.role = 'standby';
      return;
    }
    if (this.current === null) {
      c.health.role = 'activating';
      c.notice(`owning ${c.deps.input.topic} partitions ${partitions.join(',')}: restoring state from the store`);
      this.current = await this.activate();
    } else if (((await this.current.store.log.lastBatch())?.index ?? 0) !== this.current.lastIndex) {
      // Someone else appended while we held the partitions (a zombie's last batch): start over from the store.
      await this.resync(this.current, null);
    }
    const a = this.current;
    const offsets = await c.patiently(() => c.deps.input.offsets());
    for (const p of partitions) {
      this.partitionSource(a, p);
      if (!a.expected.has(p)) a.expected.set(p, offsets.get(p)?.low ?? 0);
      c.deps.group.seek(p, a.expected.get(p)!);
    }
    c.health.role = 'active';
    c.notice(`active: ${partitions.length} partition(s) of ${c.deps.input.topic}, resuming after batch ${a.lastIndex}`);
  }

  partitionSource(a: RestoreTarget, partition: number): PartitionSource {
    let s = a.partitionSources.get(partition);
    if (s === undefined) {
      s = this.c.deps.input.partition(partition, a.quarantine);
      a.partitionSources.set(partition, s);
      a.sourcesByName.set(s.name, s);
    }
    return s;
  }

  private async activate(): Promise<OwnerState> {
    const { c } = this;
    const store = await c.patiently(() => c.deps.openStore(), {
      maxMs: 5_000,
      onRetry: (e) => c.notice(`waiting for the store: ${describeError(e)}`),
    });
    try {
      const quarantine = await Quarantine.load(store.side.quarantine);
      const dlq = patientDeadLetters(c.deps.deadLetters, c.deps.timers, c.signal,
        (e) => c.notice(`dead-letter topic unavailable, retrying: ${describeError(e)}`));
      const base: RestoreTarget = {
        store,
        quarantine,
        dlq,
        partitionSources: new Map<number, PartitionSource>(),
        sourcesByName: new Map<string, IdentitySource>(),
        expected: new Map<number, number>(),
        checkpointed: new Set<number>(),
      };
      const { runtime, committer, lastIndex } = await this.restore(base, null);
      const a: OwnerState = {
        ...base,
        runtime,
        committer,
        lastIndex,
        head: runtime.head,
        dirty: false,
        committing: false,
        relay: new OutboxRelay({
          log: store.log,
          cursor: store.side.cursor(c.options.outboxName),
          publisher: c.deps.publisher,
          timers: c.deps.timers,
          rowsChangedAfter: (after, upTo) => this.rowsAfter(a, after, upTo),
          onRetry: (e) => {
            c.health.lastError = describeError(e);
            c.notice(`publishing paused: ${describeError(e)}`);
          },
          onPublished: (seq) => { c.health.publishedSequence = seq; },
          // The log would grow unpublished behind a healthy-looking process: stop, loudly.
          onFailure: (e) => c.fail(e),
        }, c.options.relay),
      };
      a.relay.start();
      c.health.lastBatch = lastIndex;
      c.health.headSequence = runtime.head;
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
  async restore(a: RestoreTarget, control: BatchControl | null): Promise<{ runtime: RuntimeState; committer: BatchCommitter; lastIndex: number }> {
    const { c } = this;
    const ticker = control === null ? null : c.deps.timers.every(2_000, () => void control.heartbeat().catch(() => {}));
    try {
      const runtime = await c.patiently(() => restoreRuntime({
        log: a.store.log,
        tables: a.store.tables,
        snapshots: a.store.snapshots,
        settings: a.store.settings,
        engines: c.deps.engines,
        openSource: async (name, locator) => {
          const partition = c.deps.input.partitionOf(name);
          if (partition === null) {
            throw new InputError('input_missing',
              `the store holds batches read from ${name} (${locator}); this pipeline reads ${c.deps.input.topic} only and cannot re-derive them`);
          }
          return this.partitionSource(a, partition);
        },
        onProgress: ({ batches, total }) => {
          if (batches === total || batches % 100 === 0) c.notice(`restore: re-derived ${batches}/${total} batches`);
        },
      }), { onRetry: (e) => c.notice(`restore paused: ${describeError(e)}`) });
      for (const w of runtime.warnings) c.notice(`restore: ${w}`);
      // Positions only move with commits, so the checkpoints are what `expected` should hold; a
      // partition never committed keeps its start (the low watermark chosen at assignment).
      for (const cp of await a.store.log.checkpoints()) {
        const partition = c.deps.input.partitionOf(cp.source);
        if (partition !== null) {
          a.expected.set(partition, cp.position.offset);
          a.checkpointed.add(partition);
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
          segments: fingerprintedSegments(a.sourcesByName),
        },
        { lastIndex, head: runtime.head, snapshotIndex: runtime.snapshotBatch ?? 0, snapshotEveryRecords: c.options.snapshotEveryRecords },
      );
      return { runtime, committer, lastIndex };
    } finally {
      ticker?.cancel();
    }
  }

  /** Throws away the in-memory state and restores it from the store. */
  async resync(a: OwnerState, control: BatchControl | null): Promise<void> {
    const { runtime, committer, lastIndex } = await this.restore(a, control);
    a.runtime = runtime;
    a.committer = committer;
    a.lastIndex = lastIndex;
    a.head = runtime.head;
    a.dirty = false;
    this.c.health.lastBatch = lastIndex;
    this.c.health.headSequence = runtime.head;
  }

  /** Lets go of the topic: publish what is pending, snapshot, close the store (stop, or a standby now). */
  async release(): Promise<void> {
    const a = this.current;
    if (a === null) return;
    this.current = null;
    const { c } = this;
    await a.relay.stop(c.options.drainMs ?? 5_000);
    if (!a.dirty && !a.committing) {
      // The next owner restores from here instead of re-deriving the batches since the last one.
      await a.committer.snapshot().catch((e: unknown) => c.notice(`snapshot at hand-over failed: ${describeError(e)}`));
    }
    await a.store.close().catch((e: unknown) => c.notice(`closing the store: ${describeError(e)}`));
    c.health.lag.clear();
    c.health.relayLag = null;
  }

  /** Rows for the relay, read while the in-memory tables equal the log (between commits). */
  private async rowsAfter(a: OwnerState, after: number, upTo: number) {
    while (a.committing || a.dirty) {
      if (this.current !== a && a.dirty) throw new PipelineError('aborted', 'the store was handed over');
      await this.c.deps.timers.sleep(10);
    }
    return rowsChangedAfter(a.runtime.tables, after, upTo);
  }
}
