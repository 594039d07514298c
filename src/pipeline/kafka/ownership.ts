/**
 * Ownership of the identity topic. One member of the group owns every partition
 * (the adapter's single-owner assigner); when it gets them it opens the store (the store's
 * writer lock passes with ownership), restores the engine from the newest snapshot plus the
 * batches after it (re-read from the topic), and seeks every partition to the position stored
 * with the log. When it loses them (or stops) it lets the relay publish what is pending, saves a
 * snapshot and closes the store, so the next owner starts from there. A standby holds nothing.
 */
import type { BatchControl, PartitionSource } from '../../ports/topic-input.ts';
import type { PipelineContext } from './context.ts';
import { holdStore, partitionSourceOf, releaseHeld, resyncHeld, type HeldStore } from './owner-lifecycle.ts';
import type { OwnerState, RestoreTarget } from './owner-state.ts';
import type { RecoveryHost } from './recovery.ts';
import { waitHeartbeating } from './held-commit.ts';
import type { LagSource } from './lag-monitor.ts';
import type { CampaignTables } from '../../domain/tables.ts';

export class Ownership implements RecoveryHost, LagSource {
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

  positions(): Iterable<readonly [number, number]> {
    return this.current?.expected ?? [];
  }

  relayLag(): number | null {
    return this.current?.relay.lag() ?? null;
  }

  /** The tables held (for `/metrics`). */
  tables(): CampaignTables[] {
    return this.current === null ? [] : [this.current.runtime.tables];
  }

  /** Settles when no ownership change is in progress. */
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
    return partitionSourceOf(this.c, a, partition);
  }

  /** Every owned partition goes back to its stored position (the restore set `expected` from the store). */
  rewind(a: OwnerState): void {
    for (const q of this.c.deps.group.assigned()) {
      const at = a.expected.get(q);
      if (at !== undefined) this.c.deps.group.seek(q, at);
    }
  }

  private held(): HeldStore {
    return { engines: this.c.deps.engines, onPublished: (seq) => { this.c.health.publishedSequence = seq; } };
  }

  private async activate(): Promise<OwnerState> {
    const a = await holdStore(this.c, () => this.c.deps.openStore(), this.held());
    this.c.health.lastBatch = a.lastIndex;
    this.c.health.headSequence = a.runtime.head;
    return a;
  }

  /** Throws away the in-memory state and restores it from the store. */
  async resync(a: OwnerState, control: BatchControl | null): Promise<void> {
    await resyncHeld(this.c, a, control, this.held());
    this.c.health.lastBatch = a.lastIndex;
    this.c.health.headSequence = a.runtime.head;
  }

  /** Lets go of the topic: publish what is pending, snapshot, close the store (stop, or a standby now). */
  async release(): Promise<void> {
    const a = this.current;
    if (a === null) return;
    this.current = null;
    await releaseHeld(this.c, a);
    this.c.health.lag.clear();
    this.c.health.relayLag = null;
  }
}
