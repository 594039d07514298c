/**
 * `rebuild --from-topic <t> --from-beginning`: re-clusters the whole history of the identity
 * topic into a fresh event log.
 *
 * Live batch boundaries depend on timing (what one fetch returned), so the same input can give
 * another log under other boundaries. Given the previous store, the rebuild first replays its
 * recorded batches (same segments, same ranges) and compares each produced event with the
 * logged one: the same engine reproduces the log byte for byte, and a changed engine shows
 * where it first differs. After the recorded batches it goes on to the end of the topic as it
 * was when the rebuild started, one partition after the other, in batches of `batchSize`.
 *
 * Refused input is counted, not dead-lettered again (the live run did that). Nothing is
 * published: point `campaigns pipeline` at the new store and its relay publishes the new log.
 */
import { emptyTables } from '../../domain/tables.ts';
import { InputError, StoreError } from '../../ports/errors.ts';
import type { BatchRecord, EventLog } from '../../ports/event-log.ts';
import type { IdentitySource } from '../../ports/identity-source.ts';
import type { PartitionSource, QuarantineView, TopicInput } from '../../ports/topic-input.ts';
import type { IngestItem } from '../batch-assembly.ts';
import { BatchCommitter, fingerprintedSegments, type CommittedBatch } from '../batch-committer.ts';
import { decodeRecord, defaultDomainOnly } from '../decode.ts';
import type { EngineFactory } from '../engine-factory.ts';
import { ingest } from '../ingest.ts';
import { batchRecords } from '../log-reader.ts';
import { CountingRejects } from '../patient-rejects.ts';
import type { PipelineStore } from './store.ts';

export interface RebuildProgress {
  readonly phase: 'recorded' | 'rest';
  readonly batches: number;
  /** Input records consumed so far, of `total` on the topic when the rebuild started. */
  readonly done: number;
  readonly total: number;
  /** Records still to consume. */
  readonly lag: number;
}

export interface RebuildDeps {
  /** The identity topic. */
  readonly input: TopicInput;
  readonly engines: EngineFactory;
  /** The fresh store to write (must be empty). */
  readonly target: PipelineStore;
  /** The store whose batch boundaries to reuse, with its quarantine; null to batch afresh. */
  readonly previous: { readonly log: EventLog; readonly quarantine: QuarantineView } | null;
  readonly batchSize: number;
  readonly snapshotEveryRecords: number;
  /**
   * Replay the previous store's recorded batches and stop there, without the rest of the topic:
   * the same input as that store under another engine (`campaigns diff`).
   */
  readonly recordedOnly?: boolean;
  readonly onProgress?: (p: RebuildProgress) => void;
}

export interface RebuildSummary {
  readonly batches_reused: number;
  readonly batches_new: number;
  readonly records: number;
  readonly events_appended: number;
  readonly rejected: number;
  readonly head_sequence: number;
  /** Reusing boundaries: whether every reused batch gave exactly the logged events. */
  readonly identical: boolean | null;
  /** The first sequence whose event differs from the previous log, if any. */
  readonly first_difference: number | null;
}

export async function rebuildFromTopic(d: RebuildDeps): Promise<RebuildSummary> {
  const { target, input } = d;
  if ((await target.log.head()) !== 0 || (await target.log.lastBatch()) !== null) {
    throw new StoreError('unsupported', `the output store ${target.describe} is not empty: a rebuild writes a fresh log`);
  }
  await target.settings.set('scoring_profile', d.engines.profile);
  const offsets = await input.offsets();
  const position = new Map<number, number>();
  const end = new Map<number, number>();
  let total = 0;
  for (const [p, o] of offsets) {
    position.set(p, o.low);
    end.set(p, o.high);
    total += o.high - o.low;
  }
  const quarantine: QuarantineView = d.previous?.quarantine ?? { reasonFor: () => undefined };
  const sources = new Map<number, PartitionSource>();
  const byName = new Map<string, IdentitySource>();
  const sourceFor = (p: number): PartitionSource => {
    let s = sources.get(p);
    if (s === undefined) {
      s = input.partition(p, quarantine);
      sources.set(p, s);
      byName.set(s.name, s);
    }
    return s;
  };
  const rejects = new CountingRejects('rebuild');
  const engine = d.engines.create();
  const committer = new BatchCommitter(
    { engine, tables: emptyTables(), log: target.log, rejects, snapshots: target.snapshots, segments: fingerprintedSegments(byName) },
    { lastIndex: 0, snapshotIndex: 0, snapshotEveryRecords: d.snapshotEveryRecords },
  );

  let batches = 0;
  let records = 0;
  let events = 0;
  const done = (): number => [...position].reduce((n, [p, at]) => n + at - (offsets.get(p)?.low ?? 0), 0);
  const progress = (phase: RebuildProgress['phase']): void => {
    const n = done();
    d.onProgress?.({ phase, batches, done: n, total, lag: Math.max(0, total - n) });
  };
  const counted = (c: CommittedBatch, partition: number): void => {
    batches++;
    records += c.input.input_count;
    events += c.events.length;
    position.set(partition, c.input.segments[c.input.segments.length - 1].end.offset);
  };
  /** The decoded records of [from, to) of one partition; `cut` after the last one. */
  async function* partitionItems(p: number, from: number, to: number, cut?: IngestItem): AsyncGenerator<IngestItem> {
    const source = sourceFor(p);
    let prev = from;
    for await (const fetched of input.read(p, from, to)) {
      for (const s of await source.stage(fetched, prev)) {
        prev = s.record.end.offset;
        // as the pipeline that wrote the log: other domains are refused (decode.ts)
        yield defaultDomainOnly(decodeRecord(s.record));
      }
    }
    if (cut !== undefined) yield cut;
  }

  // Phase 1: the previous store's batches, boundaries and all, each checked against its log.
  let reused = 0;
  let identical: boolean | null = null;
  let firstDifference: number | null = null;
  if (d.previous !== null) {
    const previous = d.previous;
    identical = true;
    const recorded: BatchRecord[] = [];
    async function* items(): AsyncGenerator<IngestItem> {
      for await (const b of batchRecords(previous.log, 1)) {
        const partition = singlePartition(b, input);
        recorded.push(b);
        const seg = b.segments[0];
        yield* partitionItems(partition, seg.start.offset, seg.end.offset, { recorded: b.range });
      }
    }
    await ingest(items(), Number.MAX_SAFE_INTEGER, async (batch) => {
      const b = recorded.shift()!;
      if (batch.input_count !== b.input_count) {
        const seg = b.segments[0];
        throw new InputError('input_changed', `batch ${b.index}: ${seg.source} now holds ${batch.input_count} records in ${seg.start.offset}…${seg.end.offset}, ${b.input_count} were recorded`);
      }
      const c = await committer.commit(batch);
      counted(c, singlePartition(b, input));
      if (identical && firstDifference === null) {
        const produced = c.events.map((e) => JSON.stringify(e));
        const logged = b.event_count === 0 ? [] : (await previous.log.read(b.first_sequence, b.event_count)).map((e) => JSON.stringify(e));
        const n = Math.max(logged.length, produced.length);
        for (let k = 0; k < n; k++) {
          if (logged[k] !== produced[k]) {
            identical = false;
            firstDifference = b.first_sequence + k;
            break;
          }
        }
      }
      reused++;
      progress('recorded');
    });
  }

  // Phase 2: the rest of the history, partition by partition (the final partition of identities
  // into campaigns does not depend on how partitions interleave).
  for (const p of d.recordedOnly === true ? [] : [...end.keys()].sort((a, b) => a - b)) {
    const from = position.get(p)!;
    const to = end.get(p)!;
    if (from >= to) continue;
    await ingest(partitionItems(p, from, to), d.batchSize, (batch) => committer.commit(batch), (c) => {
      counted(c, p);
      progress('rest');
    });
  }
  await committer.drain();
  await committer.snapshot();
  return {
    batches_reused: reused,
    batches_new: batches - reused,
    records,
    events_appended: events,
    rejected: rejects.count,
    head_sequence: engine.status().next_sequence - 1,
    identical,
    first_difference: firstDifference,
  };
}

function singlePartition(b: BatchRecord, input: TopicInput): number {
  const partition = b.segments.length === 1 ? input.partitionOf(b.segments[0].source) : null;
  if (partition === null) {
    throw new InputError('input_missing',
      `batch ${b.index} of the previous store read ${b.segments.map((s) => s.source).join(', ')}, not one partition of ${input.topic}: its boundaries cannot be reused`);
  }
  return partition;
}
