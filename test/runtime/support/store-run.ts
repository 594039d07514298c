/**
 * Runs the main job in-process, wired exactly as `campaigns run` wires it, with one test seam:
 * an append that fails at a chosen batch (a crash between engine and commit). Outputs are read
 * through the real CLI commands, so comparisons are of what users see.
 */
import { openFileSource, openRecordedFile } from '../../../src/adapters/file/open-source.ts';
import { campaignEngines } from '../../../src/cli/engines.ts';
import type { EngineFactory } from '../../../src/pipeline/engine-factory.ts';
import type { CliIo } from '../../../src/cli/io.ts';
import { main } from '../../../src/cli/main.ts';
import { openStoreForWriting } from '../../../src/cli/store-dir.ts';
import type { BatchCommit, EventLog } from '../../../src/ports/event-log.ts';
import { runIngest, type RunResult } from '../../../src/pipeline/run.ts';

export interface IngestOptions {
  readonly batchSize?: number;
  readonly snapshotEvery?: number;
  /** Make the append of this run's n-th batch fail (1-based), after the engine applied it. */
  readonly failAtBatch?: number;
  /** Write the table rows with every n-th batch (`RunOptions.tablesEveryBatches`). */
  readonly tablesEvery?: number;
  /** Called after every successful append, before the next batch is appended (appends then go one at a time). */
  readonly afterAppend?: (commit: BatchCommit) => void | Promise<void>;
  /** The engines to run (default: the CLI's, the newest default profile for a new store). */
  readonly engines?: EngineFactory;
  /** The store's minimum of events between table checkpoints (default: the store's own). */
  readonly checkpointMinEvents?: number;
}

export class InjectedCrash extends Error {}

export async function ingest(storeDir: string, files: readonly string[], o: IngestOptions = {}): Promise<RunResult> {
  const inputs = await Promise.all(files.map((f) => openFileSource(f)));
  const { store, rejects, close } = openStoreForWriting(storeDir, {
    writerThread: true, ...(o.checkpointMinEvents !== undefined ? { checkpointMinEvents: o.checkpointMinEvents } : {}),
  });
  let appends = 0;
  const log: EventLog = o.failAtBatch === undefined && o.afterAppend === undefined ? store.log : {
    ...bind(store.log),
    // Crashes are injected with the store's own window of appends in flight, as a run has it;
    // a hook that observes the store after each append needs them one at a time.
    maxAppendsInFlight: o.afterAppend === undefined ? store.log.maxAppendsInFlight : 1,
    append: async (commit) => {
      if (++appends === o.failAtBatch) throw new InjectedCrash(`crash before committing batch ${commit.batch.index}`);
      await store.log.append(commit);
      await o.afterAppend?.(commit);
    },
  };
  try {
    return await runIngest(
      {
        log, tables: store.tables, snapshots: store.snapshots, settings: store.settings, rejects, engines: o.engines ?? campaignEngines,
        inputs, openSource: openRecordedFile, clock: { now: () => 0 },
      },
      { batchSize: o.batchSize ?? 100, snapshotEveryRecords: o.snapshotEvery ?? 1_000_000, tablesEveryBatches: o.tablesEvery },
    );
  } finally {
    close();
  }
}

const bind = (log: EventLog): EventLog => ({
  append: (c) => log.append(c),
  read: (f, l) => log.read(f, l),
  head: () => log.head(),
  lastBatch: () => log.lastBatch(),
  batches: (f, l) => log.batches(f, l),
  checkpoints: () => log.checkpoints(),
  close: () => log.close(),
});

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `campaigns <argv>` in this process, with its output captured. */
export async function cli(argv: readonly string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => ((stdout += s), true), once: () => undefined },
    stderr: { write: (s: string) => ((stderr += s), true), once: () => undefined },
  };
  const code = await main(argv, io, { now: () => 0 });
  return { code, stdout, stderr };
}

export interface StoreDump {
  readonly events: string;
  readonly tables: string;
  readonly membership: string;
}

export async function dump(storeDir: string): Promise<StoreDump> {
  const out = async (argv: string[]): Promise<string> => {
    const r = await cli(argv);
    if (r.code !== 0) throw new Error(`campaigns ${argv.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  return {
    events: await out(['events', '--store', storeDir]),
    tables: await out(['tables', '--store', storeDir, '--json']),
    membership: await out(['membership', '--store', storeDir]),
  };
}
