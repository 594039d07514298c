/**
 * The owner's batches: one fetched partition batch at a time, checked against the position the
 * store expects, staged (decoded; a registry outage waits), cut into batches of `batchSize` and
 * committed one by one through the shared ingest loop (../ingest.ts), before kafkajs fetches that
 * partition again (awaiting here is the backpressure). A committed batch moves the partition's
 * expected position, commits the group offset (informational) and is offered to the relay; a
 * failed one goes to recovery.ts and abandons the rest of the fetch.
 */
import { formatPosition } from '../../ports/identity-source.ts';
import type { BatchControl, PartitionBatch, StagedRecord } from '../../ports/topic-input.ts';
import type { InputBatch } from '../batch-assembly.ts';
import { decodeRecord, defaultDomainOnly } from '../decode.ts';
import { ingest } from '../ingest.ts';
import { describeError, type PipelineContext } from './context.ts';
import type { Ownership } from './ownership.ts';
import type { OwnerState } from './owner-state.ts';
import { commitHeld } from './held-commit.ts';
import type { Recovery } from './recovery.ts';
import { isAborted } from '../../ports/errors.ts';

export class PartitionBatches {
  constructor(private readonly c: PipelineContext, private readonly ownership: Ownership, private readonly recovery: Recovery) {}

  private canContinue(a: OwnerState, control: BatchControl): boolean {
    return this.ownership.state === a && !this.c.isStopping() && control.isRunning() && !control.isStale() && !a.dirty;
  }

  async onBatch(batch: PartitionBatch, control: BatchControl): Promise<void> {
    const { c } = this;
    await this.ownership.waitForTransition(control);
    const a = this.ownership.state;
    if (a === null || !this.canContinue(a, control)) return;
    const p = batch.partition;
    let expected = a.expected.get(p);
    if (expected === undefined || !c.deps.group.assigned().includes(p)) return;
    if (batch.fetchedOffset !== expected) {
      // Fetched before our seek took effect (from the group's offset, which may lag or lead the
      // store's): read again from the stored position. Only a partition never committed may move
      // forward on its own, when retention removed its start.
      if (batch.fetchedOffset > expected && !a.checkpointed.has(p)) {
        const low = (await c.deps.input.offsets()).get(p)?.low ?? 0;
        if (low > expected) a.expected.set(p, (expected = Math.min(low, batch.fetchedOffset)));
      }
      if (batch.fetchedOffset !== expected) {
        c.deps.group.seek(p, expected);
        return;
      }
    }
    c.health.lag.set(p, Math.max(0, batch.highWatermark - expected));
    const source = this.ownership.partitionSource(a, p);
    const from = expected;
    const staged = await c.patiently(() => source.stage(batch.messages, from), {
      maxMs: 10_000,
      tick: () => control.heartbeat(),
      onRetry: (e) => {
        c.health.lastError = describeError(e);
        c.notice(`waiting to decode ${c.deps.input.topic}/${p}@${from}: ${describeError(e)}`);
      },
    }).catch((e: unknown) => {
      if (isAborted(e)) return null;
      throw e;
    });
    if (staged === null || staged.length === 0 || !this.canContinue(a, control)) return;
    a.dlq.stage(p, staged);
    const offsetAt = new Map(staged.map((s) => [formatPosition(s.record.source, s.record.start), s.message.offset]));
    let abandoned = false;
    await ingest(items(staged), c.options.batchSize, async (input) => {
      if (abandoned || !this.canContinue(a, control)) {
        abandoned = true;
        return;
      }
      if (!(await this.commit(a, p, input, batch.highWatermark, offsetAt, control))) abandoned = true;
    });
  }

  /** Commits one batch; false when it failed and the partition was sent back to the stored position. */
  private async commit(
    a: OwnerState, p: number, input: InputBatch, highWatermark: number,
    offsetAt: ReadonlyMap<string, number>, control: BatchControl,
  ): Promise<boolean> {
    const { c } = this;
    const done = await commitHeld(c, this.recovery, a, p, input, offsetAt, control);
    if (done === null) return false;
    const { end } = done;
    c.health.lag.set(p, Math.max(0, highWatermark - end));
    c.health.relayLag = Math.max(0, a.head - a.relay.published);
    await control.commit(end);
    await control.heartbeat();
    return true;
  }
}

async function* items(staged: readonly StagedRecord[]) {
  // One member clusters the whole topic as one domain: other domains are dead-lettered (decode.ts).
  for (const s of staged) yield defaultDomainOnly(decodeRecord(s.record));
}
