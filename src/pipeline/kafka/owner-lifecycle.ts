/**
 * The life of one store held by a pipeline member: opened (its writer lock taken), the engine
 * and tables restored from snapshot + log (batches re-derived from the topic), a committer and
 * an outbox relay started; re-synchronised from the store after a failed commit; released (the
 * relay drained, a snapshot taken, the store closed). The single owner of the topic holds one
 * (ownership.ts); a member assigned domains holds one per domain it owns (domain-ownership.ts).
 */
import type { Domain } from '../../domain/domains.ts';
import { InputError } from '../../ports/errors.ts';
import type { IdentitySource } from '../../ports/identity-source.ts';
import type { BatchControl, PartitionSource } from '../../ports/topic-input.ts';
import { BatchCommitter, fingerprintedSegments } from '../batch-committer.ts';
import type { DomainFilter } from '../domain-filter.ts';
import type { EngineFactory } from '../engine-factory.ts';
import { PipelineError } from '../errors.ts';
import { patientDeadLetters } from '../patient-rejects.ts';
import { restoreRuntime, type RuntimeState } from '../restore.ts';
import { describeError, type PipelineContext } from './context.ts';
import { OutboxRelay } from './outbox-relay.ts';
import type { OwnerState, RestoreTarget } from './owner-state.ts';
import { rowsChangedAfter } from './published-rows.ts';
import { Quarantine } from './quarantine.ts';
import type { PipelineStore } from './store.ts';

export interface HeldStore {
  /** The engines of this store (of its domain). */
  readonly engines: EngineFactory;
  /** The store's one domain, when the partitions it reads mix domains: other records are skipped. */
  readonly domain?: DomainFilter;
  /** Where the relay reports what it published (health). */
  readonly onPublished?: (sequence: number) => void;
}

/** `a`'s view of a partition of the input topic (created on first use). */
export function partitionSourceOf(c: PipelineContext, a: RestoreTarget, partition: number): PartitionSource {
  let s = a.partitionSources.get(partition);
  if (s === undefined) {
    s = c.deps.input.partition(partition, a.quarantine);
    a.partitionSources.set(partition, s);
    a.sourcesByName.set(s.name, s);
  }
  return s;
}

/** Opens the store (waiting while another writer holds it) and restores everything from it. */
export async function holdStore(c: PipelineContext, open: () => Promise<PipelineStore>, held: HeldStore): Promise<OwnerState> {
  const store = await c.patiently(open, {
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
    const { runtime, committer, lastIndex } = await restoreHeld(c, base, null, held);
    const a: OwnerState = {
      ...base,
      runtime,
      committer,
      lastIndex,
      head: runtime.head,
      dirty: false,
      committing: false,
      released: false,
      relay: new OutboxRelay({
        log: store.log,
        cursor: store.side.cursor(c.options.outboxName),
        publisher: c.deps.publisher,
        timers: c.deps.timers,
        rowsChangedAfter: (after, upTo) => rowsBetweenCommits(c, a, after, upTo, held.domain?.name ?? null),
        onRetry: (e) => {
          c.health.lastError = describeError(e);
          c.notice(`publishing paused: ${describeError(e)}`);
        },
        ...(held.onPublished !== undefined ? { onPublished: held.onPublished } : {}),
        // The log would grow unpublished behind a healthy-looking process: stop, loudly.
        onFailure: (e) => c.fail(e),
      }, c.options.relay),
    };
    a.relay.start();
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
export async function restoreHeld(
  c: PipelineContext, a: RestoreTarget, control: BatchControl | null, held: HeldStore,
): Promise<{ runtime: RuntimeState; committer: BatchCommitter; lastIndex: number }> {
  const ticker = control === null ? null : c.deps.timers.every(2_000, () => void control.heartbeat().catch(() => {}));
  try {
    const runtime = await c.patiently(() => restoreRuntime({
      log: a.store.log,
      tables: a.store.tables,
      snapshots: a.store.snapshots,
      settings: a.store.settings,
      engines: held.engines,
      ...(held.domain !== undefined ? { domain: held.domain } : {}),
      openSource: async (name, locator) => {
        const partition = c.deps.input.partitionOf(name);
        if (partition === null) {
          throw new InputError('input_missing',
            `the store holds batches read from ${name} (${locator}); this pipeline reads ${c.deps.input.topic} only and cannot re-derive them`);
        }
        return partitionSourceOf(c, a, partition);
      },
      onProgress: ({ batches, total }) => {
        if (batches === total || batches % 100 === 0) c.notice(`restore: re-derived ${batches}/${total} batches`);
      },
    }), { onRetry: (e) => c.notice(`restore paused: ${describeError(e)}`) });
    for (const w of runtime.warnings) c.notice(`restore: ${w}`);
    // Positions only move with commits, so the checkpoints are what `expected` should hold; a
    // partition never committed keeps its start (chosen at assignment).
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

/** Throws away `a`'s in-memory state and restores it from its store. */
export async function resyncHeld(c: PipelineContext, a: OwnerState, control: BatchControl | null, held: HeldStore): Promise<void> {
  const { runtime, committer, lastIndex } = await restoreHeld(c, a, control, held);
  a.runtime = runtime;
  a.committer = committer;
  a.lastIndex = lastIndex;
  a.head = runtime.head;
  a.dirty = false;
}

/** Lets go of the store: publish what is pending, snapshot (the next holder restores from there), close. */
export async function releaseHeld(c: PipelineContext, a: OwnerState): Promise<void> {
  a.released = true;
  await a.relay.stop(c.options.drainMs ?? 5_000);
  if (!a.dirty && !a.committing) {
    await a.committer.snapshot().catch((e: unknown) => c.notice(`snapshot at hand-over failed: ${describeError(e)}`));
  }
  await a.store.close().catch((e: unknown) => c.notice(`closing the store: ${describeError(e)}`));
}

/** Rows for the relay, read while the in-memory tables equal the log (between commits). */
async function rowsBetweenCommits(c: PipelineContext, a: OwnerState, after: number, upTo: number, domain: Domain) {
  while (a.committing || a.dirty) {
    if (a.released && a.dirty) throw new PipelineError('aborted', 'the store was handed over');
    await c.deps.timers.sleep(10);
  }
  return rowsChangedAfter(a.runtime.tables, after, upTo, domain);
}
