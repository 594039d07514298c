/**
 * One batch into a held store (owner-lifecycle.ts), the same for the single owner
 * (partition-batches.ts) and for a domain's owner (domain-batches.ts): commit, wait until it is
 * durable, then move the store's expected position on the partition, the health and the relay.
 * A failure marks the state dirty (never snapshotted or read for publishing) and goes to
 * recovery, which restores the store's state and rewinds the partition.
 */
import type { BatchStats } from '../../domain/engine-api.ts';
import type { BatchControl } from '../../ports/topic-input.ts';
import type { InputBatch } from '../batch-assembly.ts';
import type { CommittedBatch } from '../batch-committer.ts';
import type { PipelineContext } from './context.ts';
import type { OwnerState } from './owner-state.ts';
import type { Recovery } from './recovery.ts';

/** A batch of only stateless rejects never reaches the engine. */
const NO_STATS: BatchStats = { applied: 0, duplicates: 0, stale: 0, rejected: 0, pairs_scored: 0 };

/** The committed batch and the offset after it, or null when it failed (recovery has run). */
export async function commitHeld(
  c: PipelineContext, recovery: Recovery, a: OwnerState, p: number, input: InputBatch,
  offsetAt: ReadonlyMap<string, number>, control: BatchControl,
): Promise<{ committed: CommittedBatch; end: number } | null> {
  a.committing = true;
  const started = c.deps.timers.now();
  let committed: CommittedBatch;
  try {
    committed = await a.committer.commit(input);
    // Published, and its group offset committed, only once it is in the log.
    await committed.durable;
  } catch (e) {
    a.dirty = true;
    await recovery.recover(a, p, input, offsetAt, e, control);
    return null;
  } finally {
    a.committing = false;
  }
  recovery.succeeded();
  const stats = committed.stats ?? NO_STATS;
  c.deps.metrics?.observeBatch(stats, {
    seconds: (c.deps.timers.now() - started) / 1_000,
    invalid: committed.rejected - stats.rejected,
  });
  a.lastIndex = committed.index;
  const end = input.segments[input.segments.length - 1].end.offset;
  a.expected.set(p, end);
  a.checkpointed.add(p);
  // From the events, not engine.status(): that walks every campaign.
  const head = committed.events.length > 0 ? committed.events[committed.events.length - 1].sequence : a.head;
  a.head = head;
  c.health.lastBatch = committed.index;
  c.health.lastCommitAt = c.deps.timers.now();
  c.health.headSequence = head;
  c.health.deadLetters += committed.rejected;
  a.relay.offer(committed.events);
  a.relay.notify(head);
  return { committed, end };
}

/** Waits for `transition`, heartbeating the group meanwhile (a restore can outlast the session). */
export async function waitHeartbeating(c: PipelineContext, transition: Promise<void>, control: BatchControl): Promise<void> {
  let done = false;
  const t = transition.finally(() => { done = true; });
  while (!done) {
    await Promise.race([t, c.deps.timers.sleep(1_000)]);
    if (!done) await control.heartbeat();
  }
}
