/**
 * What the Kafka pipeline reports for `/metrics`: per-batch observations as they happen, and a
 * sample of its state read at scrape time. The HTTP adapter renders them
 * (src/adapters/http/pipeline-metrics.ts).
 */
import type { BatchStats } from '../domain/engine-api.ts';

export interface PipelineSample {
  /** 1 for the current role only, so `max by (role)` shows which member is active. */
  readonly role: string;
  readonly ready: boolean;
  /** Records not yet consumed, per source (`topic/partition`); only sources owned now. */
  readonly inputLag: Readonly<Record<string, number>>;
  /** Campaign events committed to the log but not yet published; null when not active. */
  readonly relayLag: number | null;
  readonly headSequence: number | null;
  /** Of the in-memory tables; null while this process holds none (standby). */
  readonly campaigns: { readonly live: number; readonly largest: number } | null;
}

export interface BatchObserver {
  /**
   * One committed batch. `invalid` counts the records refused before the engine saw them
   * (undecodable, schema); the engine's own stateful rejects are in `stats.rejected`.
   */
  observeBatch(stats: BatchStats, opts: { seconds: number; invalid: number }): void;
}
