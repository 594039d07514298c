/**
 * After a failed commit: stop, or restore from the store and read the partition again from the
 * stored position. Failures that retrying cannot fix (a refused append, a bug of ours) stop
 * the pipeline; a busy store, a lost race with another writer or an outage restore and retry.
 * A failure thrown by the engine itself (not one of our layers' coded errors) may be poison:
 * the batch is bisected on fresh engines (poison.ts), the culprits are quarantined (recorded
 * beside the log before anything skips them, so re-deriving skips them too) and go to the
 * dead-letter topic when the batch is read again. A batch that keeps failing with no poison
 * found stops the pipeline.
 */
import { isAborted, isCodedError, isInputError, isStoreError } from '../../ports/errors.ts';
import type { BatchControl, PartitionSource } from '../../ports/topic-input.ts';
import type { InputBatch } from '../batch-assembly.ts';
import { PipelineError } from '../errors.ts';
import { isRetriable, pause } from '../retry.ts';
import { describeError, type PipelineContext } from './context.ts';
import type { OwnerState, RestoreTarget } from './owner-state.ts';
import { findPoison } from './poison.ts';

/** Errors that mean "restore from the store and read again", as opposed to a stop. */
const isResyncable = (e: unknown): boolean =>
  isRetriable(e) || (isStoreError(e) && (e.code === 'batch_conflict' || e.code === 'sequence_conflict'));

/** Errors of our own layers (coded at a port): anything else thrown by a commit came from the engine (poison?). */
const isKnownFailure = (e: unknown): boolean => isCodedError(e) || isInputError(e);

/** Whoever holds the failed batch's store: the single owner (ownership.ts) or a domain's (domain-ownership.ts). */
export interface RecoveryHost {
  /** Throws away `a`'s in-memory state and restores it from its store. */
  resync(a: OwnerState, control: BatchControl | null): Promise<void>;
  partitionSource(a: RestoreTarget, partition: number): PartitionSource;
  /** After `a` was restored: read `partition` again from where the store says. */
  rewind(a: OwnerState, partition: number): void;
}

export class Recovery {
  /** Failed commits in a row, by the position their batch started at. */
  private readonly failures = new Map<string, number>();

  constructor(private readonly c: PipelineContext, private readonly ownership: RecoveryHost) {}

  /** A batch committed: the failures before it are history. */
  succeeded(): void {
    this.failures.clear();
  }

  async recover(
    a: OwnerState, p: number, input: InputBatch, offsetAt: ReadonlyMap<string, number>, e: unknown, control: BatchControl,
  ): Promise<void> {
    const { c } = this;
    if (c.isStopping() || isAborted(e)) return;
    c.health.lastError = describeError(e);
    const where = input.range.from;
    if (isKnownFailure(e) && !isResyncable(e)) {
      c.fail(e);
      return;
    }
    c.notice(`batch at ${where} failed (${describeError(e)}): restoring from the store`);
    if (isResyncable(e)) await pause(c.deps.timers, 1_000, c.signal, () => control.heartbeat()).catch(() => {});
    if (c.isStopping()) return;
    await this.ownership.resync(a, control);
    if (!isKnownFailure(e)) {
      const poison = findPoison(a.runtime.engines, JSON.stringify(a.runtime.engine.snapshot()), input.events, input.range);
      const source = this.ownership.partitionSource(a, p);
      for (const x of poison) {
        const offset = offsetAt.get(x.position);
        if (offset === undefined) continue;
        c.notice(`poison at ${source.name}@${offset} (event ${x.event_id}): ${x.error}; quarantined, it goes to the dead-letter topic`);
        await a.quarantine.add({ source: source.name, offset, reason: x.error });
      }
      if (poison.length === 0) {
        const n = (this.failures.get(where) ?? 0) + 1;
        this.failures.set(where, n);
        if (n >= (c.options.maxCommitFailures ?? 3)) {
          c.fail(new PipelineError('state_mismatch', `batch at ${where} failed ${n} times and no input event explains it: ${describeError(e)}`));
          return;
        }
      }
    }
    this.ownership.rewind(a, p);
  }
}
