/**
 * A store's recorded batches clustered again under another engine, into a fresh store: the same
 * records in the same batches with the same ranges (recorded-input.ts), so the fresh log is what
 * `campaigns run` with that profile would have written had it cut the same batches. Its batch
 * records name the same segments and so the same checkpoints: `campaigns run` over the same
 * files continues it like the original.
 *
 * Only the batches up to `last` are replayed (the store may still be growing under a run).
 */
import { emptyTables, type CampaignTables } from '../domain/tables.ts';
import { InputError, StoreError } from '../ports/errors.ts';
import type { BatchRecord, EventLog } from '../ports/event-log.ts';
import type { RejectSink } from '../ports/reject-sink.ts';
import type { SnapshotStore } from '../ports/snapshot-store.ts';
import type { StoreSettings } from '../ports/store-settings.ts';
import type { TableSink } from '../ports/table-sink.ts';
import { BatchCommitter } from './batch-committer.ts';
import type { EngineFactory } from './engine-factory.ts';
import { PipelineError } from './errors.ts';
import { ingest } from './ingest.ts';
import { RecordedInput, type RecordedInputDeps } from './recorded-input.ts';
import { DEFAULT_TABLES_EVERY_BATCHES } from './run.ts';

export interface ReclusterTarget {
  readonly log: EventLog;
  readonly tables: TableSink;
  readonly snapshots: SnapshotStore;
  readonly settings: StoreSettings;
  readonly rejects: RejectSink;
}

export interface ReclusterDeps extends RecordedInputDeps {
  readonly engines: EngineFactory;
  /** An empty store. */
  readonly target: ReclusterTarget;
  /** Snapshot the engine at the end, for a target that is kept (a later run then restores fast). */
  readonly snapshotAtEnd?: boolean;
  readonly onProgress?: (p: { readonly batches: number; readonly total: number }) => void;
}

export interface Reclustered {
  readonly batches: number;
  /** The fresh store's tables at its head, as committed. */
  readonly tables: CampaignTables;
}

export async function reclusterRecorded(deps: ReclusterDeps, last: number): Promise<Reclustered> {
  const { target } = deps;
  if ((await target.log.head()) !== 0 || (await target.log.lastBatch()) !== null) {
    throw new StoreError('unsupported', 'the store to re-cluster into is not empty: it must be a fresh one');
  }
  await target.settings.set('scoring_profile', deps.engines.profile);
  const input = new RecordedInput(deps);
  const tables = emptyTables();
  let current: BatchRecord | null = null;
  const committer = new BatchCommitter(
    {
      engine: deps.engines.create(), tables, log: target.log, rejects: target.rejects, snapshots: target.snapshots,
      // The recorded segments: the input is proven unchanged (recorded-input.ts), so their
      // fingerprints hold for the fresh store as they did for the original.
      segments: async (_batch, index) => {
        if (current === null) throw new PipelineError('state_mismatch', `batch ${index} was re-clustered but never recorded`);
        return current.segments;
      },
      tableSink: target.tables,
    },
    { lastIndex: 0, head: 0, snapshotIndex: 0, snapshotEveryRecords: Number.POSITIVE_INFINITY, tablesEveryBatches: DEFAULT_TABLES_EVERY_BATCHES },
  );
  let batches = 0;
  try {
    await ingest(input.items(0, last), Number.MAX_SAFE_INTEGER, async (batch) => {
      current = input.take() ?? null;
      if (current !== null && batch.input_count !== current.input_count) {
        throw new InputError('input_changed', `batch ${current.index}: its input now holds ${batch.input_count} records, ${current.input_count} were committed`);
      }
      return committer.commit(batch);
    }, () => deps.onProgress?.({ batches: ++batches, total: last }));
    await committer.drain();
    await committer.flushTables();
    if (deps.snapshotAtEnd === true) await committer.snapshot();
  } finally {
    await input.close();
  }
  return { batches, tables };
}
