/**
 * What the owner of the identity topic holds while it owns it: the store (its writer lock
 * included), the engine and tables restored from it, the batch committer, the positions it
 * expects per partition, the quarantine, the dead letters and the outbox relay. A standby holds
 * none of it.
 */
import type { IdentitySource } from '../../ports/identity-source.ts';
import type { DeadLetterSink, PartitionSource } from '../../ports/topic-input.ts';
import type { BatchCommitter } from '../batch-committer.ts';
import type { RuntimeState } from '../restore.ts';
import type { OutboxRelay } from './outbox-relay.ts';
import type { Quarantine } from './quarantine.ts';
import type { PipelineStore } from './store.ts';

export interface OwnerState {
  readonly store: PipelineStore;
  runtime: RuntimeState;
  committer: BatchCommitter;
  lastIndex: number;
  /** Sequence of the last committed event. */
  head: number;
  readonly quarantine: Quarantine;
  readonly partitionSources: Map<number, PartitionSource>;
  /** By source name, shared with the committer (it fingerprints positions at commit). */
  readonly sourcesByName: Map<string, IdentitySource>;
  /** Next offset to consume per owned partition: the stored checkpoint, then each commit's end. */
  readonly expected: Map<number, number>;
  /** Partitions with a stored position (the others started at their low watermark). */
  readonly checkpointed: Set<number>;
  /** The dead-letter sink, waiting out outages (patient-rejects.ts). */
  readonly dlq: DeadLetterSink;
  readonly relay: OutboxRelay;
  /** The engine or tables ran ahead of the store (a commit failed): never snapshot them. */
  dirty: boolean;
  /** A commit is in progress: the in-memory tables may be ahead of the log. */
  committing: boolean;
  /** Handed over (or stopping): the relay must not wait for a state nobody will repair. */
  released: boolean;
}

/** What restoring needs of an OwnerState (also before the state exists). */
export type RestoreTarget = Pick<OwnerState, 'store' | 'dlq' | 'partitionSources' | 'sourcesByName' | 'expected' | 'checkpointed' | 'quarantine'>;
