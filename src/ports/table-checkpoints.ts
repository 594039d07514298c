/**
 * Table checkpoints a store keeps (domain/table-checkpoints.ts): the reader side serves as-of
 * positions, the writer side `replay`, which rebuilds them. A store writes its own checkpoints
 * with the batches it commits (EventLog.append), in the same transaction.
 *
 * A store laid out before checkpoints existed, opened read-only, has none: `newestUsable` then
 * answers null and the caller folds from the log start.
 */
import type { AsOf } from '../domain/as-of.ts';
import type { CampaignRow } from '../domain/tables.ts';
import type { TableCheckpoint } from '../domain/table-checkpoints.ts';

export interface CheckpointWithRows {
  readonly checkpoint: TableCheckpoint;
  /** Every row of the tables after the checkpoint's batch (any order). */
  readonly rows: readonly CampaignRow[];
}

export interface TableCheckpointReader {
  /** The newest checkpoint the prefix `asOf` selects contains (checkpointUsable), with its rows; null when none. */
  newestUsable(asOf: AsOf): Promise<CheckpointWithRows | null>;
  /** Every checkpoint, oldest first, without rows. */
  list(): Promise<readonly TableCheckpoint[]>;
}

export interface TableCheckpointWriter {
  /** The store's minimum of events between checkpoints (checkpointDue). */
  readonly minEvents: number;
  /** Deletes every checkpoint (a rebuild starts here). */
  clear(): Promise<void>;
  /** Saves one checkpoint and its rows atomically. */
  save(checkpoint: TableCheckpoint, rows: readonly CampaignRow[]): Promise<void>;
}

export type TableCheckpointStore = TableCheckpointReader & TableCheckpointWriter;
