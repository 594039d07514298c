/**
 * The store as the Kafka pipeline uses it: the runtime's ports (event log, tables, snapshots)
 * plus the Kafka side store, opened together and closed together. A pipeline member opens it
 * only while it owns the identity topic; a standby holds nothing open, so the writer lock of a
 * SQLite store (or the advisory lock of a PostgreSQL one) passes to whoever owns the topic.
 */
import type { Domain } from '../../domain/domains.ts';
import type { EventLog } from '../../ports/event-log.ts';
import type { KafkaSideStore } from '../../ports/pipeline-state.ts';
import type { SnapshotStore } from '../../ports/snapshot-store.ts';
import type { StoreSettings } from '../../ports/store-settings.ts';
import type { TableReader, TableSink } from '../../ports/table-sink.ts';

export interface PipelineStore {
  /** For messages: the directory, or the URL with its password masked. */
  readonly describe: string;
  readonly log: EventLog;
  readonly tables: TableReader & TableSink;
  readonly snapshots: SnapshotStore;
  /** Where the store records its scoring profile. */
  readonly settings: StoreSettings;
  readonly side: KafkaSideStore;
  close(): Promise<void>;
}

/** Opens the store for writing; throws StoreError `store_busy` (retriable) while another writer holds it. */
export type StoreOpener = () => Promise<PipelineStore>;

/**
 * The stores of a member assigned domains (`pipeline --assignment domain`): one complete store
 * per domain, so each domain's log, sequences, snapshots and checkpoints are its own and pass
 * between members with the partition its records are on.
 */
export interface DomainStores {
  /** The domains that have a store (the default domain always). */
  known(): Promise<Domain[]>;
  /**
   * Opens a domain's store for writing, creating it durably first when it is new; throws
   * `store_busy` (retriable) while another writer holds it.
   */
  open(domain: Domain): Promise<PipelineStore>;
}
