/**
 * What a run does before it reads new input: bring the tables up to the log, and bring an
 * engine to the state it had after the last committed batch.
 *
 * The engine comes from the newest usable snapshot plus the batches after it, or, without
 * one, from every batch since the first: each batch's recorded segments are read again,
 * decoded, and applied with the recorded range, exactly as the first time. The events this
 * produces must equal the logged ones byte for byte; a difference means the input or the
 * engine changed, and the run stops (`replay_divergence`) instead of appending to a log it
 * can no longer reproduce. A snapshot that cannot be used is ignored, never trusted: it only
 * ever saves time.
 */
import type { Engine } from '../domain/engine-api.ts';
import { emptyTables, foldEvents, rowsOf, tablesFromRows, type CampaignTables } from '../domain/tables.ts';
import { StoreError } from '../ports/errors.ts';
import type { BatchRecord, EventLog } from '../ports/event-log.ts';
import type { IdentitySource } from '../ports/identity-source.ts';
import type { RejectSink } from '../ports/reject-sink.ts';
import type { SnapshotStore } from '../ports/snapshot-store.ts';
import type { StoreSettings } from '../ports/store-settings.ts';
import type { TableReader, TableSink } from '../ports/table-sink.ts';
import { BatchCommitter } from './batch-committer.ts';
import type { DomainFilter } from './domain-filter.ts';
import type { EngineFactory } from './engine-factory.ts';
import { PipelineError } from './errors.ts';
import { ingest } from './ingest.ts';
import { eventPages } from './log-reader.ts';
import { settleProfile } from './profile-setting.ts';
import { RecordedInput } from './recorded-input.ts';

export interface RestoreDeps {
  readonly log: EventLog;
  readonly tables: TableReader & TableSink;
  readonly snapshots: SnapshotStore;
  /**
   * Where the store records its scoring profile; absent for a store that keeps no settings
   * (then a profile change shows only as `replay_divergence` on the next restore).
   */
  readonly settings?: StoreSettings;
  readonly engines: EngineFactory;
  /** Opens a source the store recorded, by name and last known locator. */
  readonly openSource: (name: string, locator: string) => Promise<IdentitySource>;
  readonly onProgress?: (p: { readonly batches: number; readonly total: number }) => void;
  /** The store's one domain when the inputs mix domains (run.ts): a recorded segment's other records are skipped. */
  readonly domain?: DomainFilter;
}

export interface RuntimeState {
  readonly engine: Engine;
  /** The engines of the store's profile (the one settled above): for snapshots taken and restored later. */
  readonly engines: EngineFactory;
  readonly tables: CampaignTables;
  readonly lastBatch: BatchRecord | null;
  readonly head: number;
  /** The batch the restored snapshot was taken after, or null. */
  readonly snapshotBatch: number | null;
  readonly rederivedBatches: number;
  readonly warnings: readonly string[];
}

const lastSequenceOf = (b: BatchRecord): number => b.first_sequence + b.event_count - 1;

export async function restoreRuntime(deps: RestoreDeps): Promise<RuntimeState> {
  const { log } = deps;
  const lastBatch = await log.lastBatch();
  const head = await log.head();
  // Before anything costly: a wrong profile must fail at once, not after re-deriving the log.
  if (deps.settings !== undefined) {
    const { engines } = deps;
    const profile = await settleProfile(deps.settings, head === 0 && lastBatch === null, engines.requested ? engines.profile : null, engines.profile, 'the store');
    if (profile !== engines.profile) deps = { ...deps, engines: engines.withProfile(profile) };
  }
  const tables = await catchUpTables(deps, head);
  const warnings: string[] = [];

  const { engine, after } = await engineFromSnapshot(deps, lastBatch, warnings);
  const rederivedBatches = await rederive(deps, engine, after, lastBatch?.index ?? 0);

  const next = engine.status().next_sequence;
  if (next !== head + 1) {
    throw new PipelineError('state_mismatch', `the restored engine would continue at sequence ${next}, the log's head is ${head}`);
  }
  return { engine, engines: deps.engines, tables, lastBatch, head, snapshotBatch: after === 0 ? null : after, rederivedBatches, warnings };
}

/** Stored tables, folded forward to the log's head if they lag (a sink that missed batches). */
async function catchUpTables(deps: RestoreDeps, head: number): Promise<CampaignTables> {
  const sequence = await deps.tables.sequence();
  if (sequence > head) {
    throw new StoreError('store_corrupt', `the tables reflect sequence ${sequence}, beyond the log's head ${head}`);
  }
  const tables = sequence === 0 ? emptyTables() : tablesFromRows(await deps.tables.rows(), sequence);
  if (sequence < head) {
    const changed = new Set<string>();
    for await (const page of eventPages(deps.log, sequence + 1, head)) for (const u of foldEvents(tables, page)) changed.add(u);
    await deps.tables.write(rowsOf(tables, changed), head);
  }
  return tables;
}

async function engineFromSnapshot(
  deps: RestoreDeps, lastBatch: BatchRecord | null, warnings: string[],
): Promise<{ engine: Engine; after: number }> {
  const snap = await deps.snapshots.latest();
  if (snap === null || lastBatch === null) return { engine: deps.engines.create(), after: 0 };
  const [batch] = await deps.log.batches(snap.batch_index, 1);
  if (batch === undefined || batch.index !== snap.batch_index || lastSequenceOf(batch) !== snap.sequence) {
    warnings.push(`ignored the snapshot of batch ${snap.batch_index}: it does not match the log`);
    return { engine: deps.engines.create(), after: 0 };
  }
  try {
    return { engine: deps.engines.restore(JSON.parse(snap.state)), after: snap.batch_index };
  } catch (e) {
    warnings.push(`ignored the snapshot of batch ${snap.batch_index}: ${(e as Error).message}`);
    return { engine: deps.engines.create(), after: 0 };
  }
}

/** Re-applies batches `after + 1 … last` from their recorded input. Returns how many. */
async function rederive(deps: RestoreDeps, engine: Engine, after: number, last: number): Promise<number> {
  if (last <= after) return 0;
  const input = new RecordedInput(deps);
  const total = last - after;
  let done = 0;
  const committer = new BatchCommitter(
    {
      engine,
      // The checking log compares what the engine makes of each batch with what the log holds.
      log: checkingLog(deps.log, () => input.take()),
      rejects: NO_REJECTS,
      // The checking log compares events, not positions: no fingerprint is worth reading here.
      segments: async () => [],
    },
    { lastIndex: after, snapshotIndex: after, snapshotEveryRecords: Number.POSITIVE_INFINITY },
  );
  try {
    await ingest(input.items(after), Number.MAX_SAFE_INTEGER, (batch) => committer.commit(batch), () => {
      deps.onProgress?.({ batches: ++done, total });
    });
    await committer.drain();
  } finally {
    await input.close();
  }
  return done;
}

/** Re-derived batches go nowhere: their refusals were written when they were committed. */
const NO_REJECTS: RejectSink = { write: async () => '', rollback: async () => {} };

/**
 * The log a re-derivation "appends" to: it checks each batch against the committed one instead,
 * byte for byte, and throws `replay_divergence` at the first difference: the input or the engine
 * changed since the log was written, and continuing would append to a log no replay reproduces.
 */
function checkingLog(log: EventLog, next: () => BatchRecord | undefined): Pick<EventLog, 'append'> {
  return {
    async append({ batch: derived, events }) {
      const batch = next();
      if (batch === undefined) throw new PipelineError('state_mismatch', `batch ${derived.index} was re-derived but never recorded`);
      if (derived.input_count !== batch.input_count) {
        throw new PipelineError('replay_divergence', `batch ${batch.index}: its input now holds ${derived.input_count} records, ${batch.input_count} were committed`);
      }
      // The stored bytes when the log keeps them: parsing and re-serialising the logged events
      // would only give the same strings back, at a cost per event of the whole re-derivation.
      const logged = batch.event_count === 0 ? []
        : log.readSerialized !== undefined ? await log.readSerialized(batch.first_sequence, batch.event_count)
        : (await log.read(batch.first_sequence, batch.event_count)).map((e) => JSON.stringify(e));
      const n = Math.max(logged.length, events.length);
      for (let k = 0; k < n; k++) {
        if (k >= events.length || logged[k] !== JSON.stringify(events[k])) {
          throw new PipelineError(
            'replay_divergence',
            `batch ${batch.index}: re-deriving the engine from the recorded input gives other events than the log holds ` +
            `(first difference at sequence ${batch.first_sequence + k}; ${events.length} derived, ${logged.length} logged). ` +
            'The input or the engine changed since the log was written.',
          );
        }
      }
    },
  };
}
