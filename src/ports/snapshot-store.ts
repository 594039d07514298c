/**
 * Engine snapshots: an optimisation only. A snapshot names the batch it was taken after, so a
 * restart restores it and re-derives just the batches that follow; without one the restart
 * re-derives every batch and reaches the same state.
 */
export interface EngineSnapshotRecord {
  /** The last batch the state includes. */
  readonly batch_index: number;
  /** The last event sequence the state includes (the log head after that batch). */
  readonly sequence: number;
  /** `JSON.stringify(engine.snapshot())`. */
  readonly state: string;
}

export interface SnapshotStore {
  /** Store a snapshot; older ones may be dropped. */
  save(snapshot: EngineSnapshotRecord): Promise<void>;
  /** The newest snapshot, or null. */
  latest(): Promise<EngineSnapshotRecord | null>;
  clear(): Promise<void>;
}
