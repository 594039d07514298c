/**
 * The one ingest loop, shared by `run`, the Kafka pipeline, `rebuild` and the engine restore:
 *
 *   decoded items ─pulled─► batches (N valid events, or a cut) ─► stage (engine + commit) ─► staged
 *
 * What differs between them is passed in: where the items come from (files, a fetched Kafka
 * batch, the segments a committed batch recorded), how a batch is cut (by size, at the end of a
 * fetch, at a recorded boundary) and what the stage is: a BatchCommitter whose ports say where
 * rejects go, where the batch is appended (the log, or a log that checks instead of appending
 * when re-deriving), and when to snapshot.
 *
 * Bounded: the next item is pulled only while no batch is being staged, so at most one batch is
 * being staged and one being filled however large the input (backpressure.ts). A stage that
 * hands its append over without waiting for it (BatchCommitter) lets the next batch be read and
 * clustered while the store writes.
 */
import { lastValueFrom, tap } from 'rxjs';
import { CommitGate, pulled, throughGate } from './backpressure.ts';
import { assembleBatches, type IngestItem, type InputBatch } from './batch-assembly.ts';

export type { IngestItem } from './batch-assembly.ts';

export async function ingest<R>(
  items: AsyncIterable<IngestItem>,
  batchSize: number,
  stage: (batch: InputBatch) => Promise<R>,
  onStaged: (result: R) => void = () => {},
): Promise<void> {
  const gate = new CommitGate();
  await lastValueFrom(
    pulled(items, gate).pipe(assembleBatches(batchSize), throughGate(gate, stage), tap(onStaged)),
    { defaultValue: undefined },
  );
}
