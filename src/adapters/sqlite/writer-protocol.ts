/**
 * What the store's writer thread (writer-thread.ts) and its worker (writer-worker.ts) say to
 * each other. Everything crosses by structured clone, so it is plain data; a failure travels
 * as `code` + `retriable` + message and is rebuilt as the StoreError it was (callers branch on
 * both: a busy store is retried, a duplicate event is not).
 */
import type { CampaignRow } from '../../domain/tables.ts';
import type { TableCheckpoint } from '../../domain/table-checkpoints.ts';
import type { StoreErrorCode } from '../../ports/errors.ts';
import type { SerializedCommit } from './event-log.ts';
import type { EngineSnapshotRecord } from '../../ports/snapshot-store.ts';
import type { StoreSettingKey } from '../../ports/store-settings.ts';

export interface WriterData {
  readonly file: string;
  readonly busyTimeoutMs: number;
  /** The store's minimum of events between table checkpoints (OpenOptions.checkpointMinEvents). */
  readonly checkpointMinEvents: number;
  /** Int32 flag the worker sets (and notifies) once its connection is closed: `close()` is synchronous. */
  readonly closed: SharedArrayBuffer;
}

export type WriteOp =
  /** Serialised on the caller's thread (event-log.ts, serializeCommit): strings cross threads by copy, objects by a costly clone. */
  | { readonly op: 'append'; readonly commit: SerializedCommit }
  | { readonly op: 'tables.write'; readonly rows: readonly CampaignRow[]; readonly through: number }
  | { readonly op: 'tables.replaceAll'; readonly rows: readonly CampaignRow[]; readonly through: number }
  | { readonly op: 'checkpoints.save'; readonly checkpoint: TableCheckpoint; readonly rows: readonly CampaignRow[] }
  | { readonly op: 'checkpoints.clear' }
  | { readonly op: 'snapshots.save'; readonly snapshot: EngineSnapshotRecord }
  | { readonly op: 'snapshots.clear' }
  | { readonly op: 'settings.set'; readonly key: StoreSettingKey; readonly value: string };

export type ToWriter = (WriteOp & { readonly id: number }) | { readonly op: 'close' };

export type FromWriter =
  | { readonly id: number; readonly ok: true }
  | { readonly id: number; readonly ok: false; readonly error: { readonly code: StoreErrorCode; readonly message: string; readonly retriable: boolean } };
