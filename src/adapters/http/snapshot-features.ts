/**
 * Engine features for the identity route, from the store's newest engine snapshot.
 *
 * A snapshot is the whole engine state as one JSON document: hundreds of MB at a million
 * identities. So it is read and parsed only when an identity is asked for, never in the
 * background (an idle server reads nothing), and one parsed lookup is kept, never one per
 * request. It is read again only when a newer one can exist: the snapshot held is older than the
 * newest batch the log follower has indexed (the engine saves a snapshot after committing its
 * batch), and at most once per `recheckMs`. A read that finds the same batch and sequence drops
 * the text and keeps the lookup. Concurrent requests share one read.
 *
 * Never a 500: no snapshot, a foreign format, unparseable text and a failed read each become a
 * reason the route reports beside its log-derived answer. A failed read keeps the lookup it
 * already has: that snapshot is still true as of its batch.
 */
import { identityFeatureLookup, SnapshotFormatError, type IdentityFeatureLookup, type IdentityFeatureRecord } from '../../domain/identity-features.ts';
import type { SnapshotStore } from '../../ports/snapshot-store.ts';

/** Where a snapshot stands in the log: the batch it was taken after and the log head then. */
export interface SnapshotPosition {
  readonly batch_index: number;
  readonly sequence: number;
}

export type EngineFeaturesReason =
  /** The store holds no engine snapshot, or this server was given no way to read one. */
  | 'no_snapshot'
  /** The identity first appeared after the snapshot was taken. */
  | 'not_in_snapshot'
  /** A snapshot of another format version (another engine release wrote it). */
  | 'unsupported_snapshot'
  /** The snapshot, or its record of this identity, is not what the engine writes. */
  | 'unreadable_snapshot'
  /** Reading the snapshot from the store failed, and none was read before. */
  | 'snapshot_unavailable';

export type EngineFeatures =
  | { readonly found: true; readonly as_of: SnapshotPosition; readonly record: IdentityFeatureRecord }
  | { readonly found: false; readonly as_of: SnapshotPosition | null; readonly reason: EngineFeaturesReason; readonly detail: string };

export interface SnapshotFeaturesOptions {
  /** The store's snapshot reader; absent: every answer is `no_snapshot`. */
  readonly snapshots?: Pick<SnapshotStore, 'latest'>;
  /** Index of the newest batch whose events the server has indexed (0: none). */
  readonly lastBatch: () => number;
  readonly recheckMs?: number;
  readonly now?: () => number;
  /** Read failures and unreadable snapshots, reported once per distinct failure. */
  readonly onError?: (error: unknown) => void;
}

export const DEFAULT_SNAPSHOT_RECHECK_MS = 5_000;

type Held =
  | { readonly kind: 'unread' }
  | { readonly kind: 'none' }
  | { readonly kind: 'unavailable' }
  | { readonly kind: 'unusable'; readonly as_of: SnapshotPosition; readonly reason: EngineFeaturesReason; readonly detail: string }
  | { readonly kind: 'ready'; readonly as_of: SnapshotPosition; readonly lookup: IdentityFeatureLookup };

const NO_SNAPSHOT: EngineFeatures = {
  found: false, as_of: null, reason: 'no_snapshot', detail: 'no engine snapshot: the store holds none, or this server does not read them',
};
const UNAVAILABLE: EngineFeatures = {
  found: false, as_of: null, reason: 'snapshot_unavailable', detail: 'reading the engine snapshot failed; the server log says why',
};

export class SnapshotFeatures {
  private held: Held = { kind: 'unread' };
  private checkedAt = -Infinity;
  private pending: Promise<void> | null = null;
  private lastFailure: string | null = null;
  private readCount = 0;
  private parseCount = 0;

  constructor(private readonly options: SnapshotFeaturesOptions) {}

  /** Snapshot reads and parses so far (a read of an unchanged snapshot is not parsed). */
  get stats(): { readonly reads: number; readonly parses: number } {
    return { reads: this.readCount, parses: this.parseCount };
  }

  async featuresOf(uuid: string): Promise<EngineFeatures> {
    if (this.options.snapshots === undefined) return NO_SNAPSHOT;
    if (this.due()) {
      this.pending ??= this.check().finally(() => {
        this.pending = null;
      });
      await this.pending;
    }
    const held = this.held;
    switch (held.kind) {
      case 'unread':
      case 'none':
        return NO_SNAPSHOT;
      case 'unavailable':
        return UNAVAILABLE;
      case 'unusable':
        return { found: false, as_of: held.as_of, reason: held.reason, detail: held.detail };
      case 'ready': {
        let record: IdentityFeatureRecord | undefined;
        try {
          record = held.lookup.get(uuid);
        } catch (e) {
          this.report(e);
          return { found: false, as_of: held.as_of, reason: 'unreadable_snapshot', detail: 'the engine snapshot\'s record of this identity is malformed' };
        }
        if (record === undefined) {
          return {
            found: false, as_of: held.as_of, reason: 'not_in_snapshot',
            detail: `the identity is newer than the engine snapshot (batch ${held.as_of.batch_index}, sequence ${held.as_of.sequence})`,
          };
        }
        return { found: true, as_of: held.as_of, record };
      }
    }
  }

  private due(): boolean {
    if (this.held.kind === 'unread') return true;
    const now = this.options.now?.() ?? Date.now();
    if (now - this.checkedAt < (this.options.recheckMs ?? DEFAULT_SNAPSHOT_RECHECK_MS)) return false;
    const held = this.held;
    // The engine saves a snapshot only after committing its batch: none newer than the held
    // one can exist until the follower has indexed a later batch.
    if (held.kind === 'ready' || held.kind === 'unusable') return held.as_of.batch_index < this.options.lastBatch();
    return true;
  }

  private async check(): Promise<void> {
    this.checkedAt = this.options.now?.() ?? Date.now();
    let record;
    try {
      record = await this.options.snapshots!.latest();
      this.readCount++;
      this.lastFailure = null;
    } catch (e) {
      this.report(e);
      if (this.held.kind !== 'ready' && this.held.kind !== 'unusable') this.held = { kind: 'unavailable' };
      return;
    }
    if (record === null) {
      this.held = { kind: 'none' };
      return;
    }
    const as_of: SnapshotPosition = { batch_index: record.batch_index, sequence: record.sequence };
    const held = this.held;
    if ((held.kind === 'ready' || held.kind === 'unusable') && held.as_of.batch_index === as_of.batch_index && held.as_of.sequence === as_of.sequence) return;
    // Drop the old lookup before parsing: two large snapshots at once is the memory peak to avoid.
    this.held = { kind: 'unread' };
    this.parseCount++;
    try {
      this.held = { kind: 'ready', as_of, lookup: identityFeatureLookup(JSON.parse(record.state)) };
    } catch (e) {
      const unsupported = e instanceof SnapshotFormatError && e.code === 'unsupported_version';
      if (!unsupported) this.report(e);
      this.held = {
        kind: 'unusable', as_of,
        reason: unsupported ? 'unsupported_snapshot' : 'unreadable_snapshot',
        detail: e instanceof SnapshotFormatError ? e.message
          : e instanceof SyntaxError ? 'the engine snapshot is not valid JSON' : 'the engine snapshot could not be indexed',
      };
    }
  }

  /** Once per distinct failure: a store that stays unreachable must not flood the log. */
  private report(e: unknown): void {
    const text = String(e);
    if (text === this.lastFailure) return;
    this.lastFailure = text;
    this.options.onError?.(e);
  }
}
