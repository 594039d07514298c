/**
 * The batches of a member assigned domains: one fetched partition batch at a time, staged once,
 * split by domain, and each domain's records committed through the shared ingest loop into its
 * own store, exactly as if they were alone on the partition (the embedded run does the same per
 * file: ../domain-filter.ts). A domain's batches record the partition's own positions, from its
 * first record to its last; re-deriving reads that range again and skips the other domains'.
 *
 * A domain's records must all be on its partition (the topic is keyed by domain), or two
 * members could hold one domain's log at once. A valid event read on another partition is
 * refused (`domain_misrouted`) and dead-lettered, never clustered; so is a record whose domain
 * cannot be read, unless it is on the default domain's partition (where it is the default
 * domain's, as everywhere else). These refusals belong to no domain's log: a restart that
 * re-reads them dead-letters them again (at least once).
 */
import type { Domain } from '../../domain/domains.ts';
import { domainName } from '../../domain/domains.ts';
import { isAborted } from '../../ports/errors.ts';
import { formatPosition } from '../../ports/identity-source.ts';
import type { RejectRecord } from '../../ports/reject-sink.ts';
import type { BatchControl, PartitionBatch, StagedRecord } from '../../ports/topic-input.ts';
import type { InputBatch } from '../batch-assembly.ts';
import { decodeRecord, domainOfDecoded, type Decoded } from '../decode.ts';
import { ingest } from '../ingest.ts';
import { patientDeadLetters } from '../patient-rejects.ts';
import { describeError, type PipelineContext } from './context.ts';
import type { DomainOwnership, PartitionHold } from './domain-ownership.ts';
import type { OwnerState } from './owner-state.ts';
import { commitHeld } from './held-commit.ts';
import type { Recovery } from './recovery.ts';

export class DomainBatches {
  constructor(private readonly c: PipelineContext, private readonly ownership: DomainOwnership, private readonly recovery: Recovery) {}

  private canContinue(h: PartitionHold, control: BatchControl): boolean {
    return this.ownership.hold(h.partition) === h && !this.c.isStopping() && control.isRunning() && !control.isStale();
  }

  async onBatch(batch: PartitionBatch, control: BatchControl): Promise<void> {
    const { c } = this;
    await this.ownership.waitForTransition(control);
    const p = batch.partition;
    const h = this.ownership.hold(p);
    if (h === undefined || !this.canContinue(h, control) || !c.deps.group.assigned().includes(p)) return;
    if (batch.fetchedOffset !== h.next) {
      c.deps.group.seek(p, h.next);
      return;
    }
    c.health.lag.set(p, Math.max(0, batch.highWatermark - h.next));
    const from = h.next;
    const staged = await c.patiently(() => h.source.stage(batch.messages, from), {
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
    if (staged === null || staged.length === 0 || !this.canContinue(h, control)) return;
    c.deps.deadLetters.stage(p, staged);

    const byDomain = new Map<Domain, Decoded[]>();
    const stray: RejectRecord[] = [];
    for (const s of staged) {
      const d = decodeRecord(s.record);
      const domain = domainOfDecoded(d);
      if (this.ownership.partitionOf(domain) !== p) {
        stray.push(misrouted(d, domain, this.ownership.partitionOf(domain), c.deps.input.topic, p));
        continue;
      }
      let list = byDomain.get(domain);
      if (list === undefined) byDomain.set(domain, (list = []));
      list.push(d);
    }
    // Every domain of the fetch gets its store before any of them commits: a checkpoint past a
    // new domain's first record must never exist while the domain's store does not.
    for (const domain of byDomain.keys()) {
      if (!h.domains.has(domain)) {
        c.notice(`new domain ${domainName(domain)} on ${c.deps.input.topic}/${p}`);
        await this.ownership.open(h, domain);
      }
    }
    if (stray.length > 0) {
      await patientDeadLetters(c.deps.deadLetters, c.deps.timers, c.signal,
        (e) => c.notice(`dead-letter topic unavailable, retrying: ${describeError(e)}`)).write(stray);
      c.health.deadLetters += stray.length;
    }
    const offsetAt = new Map(staged.map((s) => [formatPosition(s.record.source, s.record.start), s.message.offset]));
    for (const [domain, decoded] of byDomain) {
      const a = h.domains.get(domain)!;
      // Records this domain committed before (the fetch starts at the oldest domain's position).
      const after = a.checkpointed.has(p) ? a.expected.get(p)! : -1;
      const fresh = after < 0 ? decoded : decoded.filter((d) => d.record.start.offset >= after);
      if (fresh.length === 0) continue;
      let failed = false;
      await ingest(items(fresh), c.options.batchSize, async (input) => {
        if (failed || !this.canContinue(h, control) || a.dirty) {
          failed = true;
          return;
        }
        if (!(await this.commit(a, p, input, offsetAt, control))) failed = true;
      });
      // A failed domain rewound the partition (recovery): the rest of this fetch is read again.
      if (failed) return;
    }
    h.next = staged[staged.length - 1].record.end.offset;
    c.health.lag.set(p, Math.max(0, batch.highWatermark - h.next));
    await control.commit(h.next);
    await control.heartbeat();
  }

  private async commit(
    a: OwnerState, p: number, input: InputBatch, offsetAt: ReadonlyMap<string, number>, control: BatchControl,
  ): Promise<boolean> {
    if (await commitHeld(this.c, this.recovery, a, p, input, offsetAt, control) === null) {
      this.c.notice(`domain ${this.ownership.nameOf(a)}: a batch failed; restored from its store`);
      return false;
    }
    await control.heartbeat();
    return true;
  }
}

/** Why a record read on partition `p` is not clustered there. */
function misrouted(d: Decoded, domain: Domain, belongs: number, topic: string, p: number): RejectRecord {
  // A record refused for its own reason keeps it: that is what its producer must fix first.
  if (!d.ok) return d.reject;
  return {
    position: d.event.position, line: d.line, code: 'domain_misrouted', event_id: d.event.event.event_id,
    reason: `domain ${JSON.stringify(domainName(domain))} belongs on partition ${belongs} of ${topic} (keyed by domain), ` +
      `read on partition ${p}: key the topic by domain (campaigns repartition), docs/SCALING.md`,
  };
}

async function* items(decoded: readonly Decoded[]) {
  for (const d of decoded) yield d;
}
