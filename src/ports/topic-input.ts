/**
 * The input topic of the Kafka pipeline, as the pipeline sees it (no client types): a consumer
 * group membership that hands over fetched partition batches, the partitions as sources that
 * can be read at chosen offsets (restore, rebuild), and where refused messages go.
 *
 * The adapter is src/adapters/kafka/ (group-consumer.ts, kafka-topic-input.ts,
 * dead-letter-sink.ts); the pipeline (src/pipeline/kafka/) uses only this.
 */
import type { Domain } from '../domain/domains.ts';
import type { IdentitySource, SourceRecord } from './identity-source.ts';
import type { CodedError } from './errors.ts';
import type { RejectSink } from './reject-sink.ts';

/** A consumed message. */
export interface InputMessage {
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Milliseconds since the epoch, as a decimal string. */
  readonly timestamp: string;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

export interface PartitionOffsets {
  readonly partition: number;
  /** First offset still on the broker. */
  readonly low: number;
  /** High watermark: the offset the next message will get. */
  readonly high: number;
}

/** One fetch of one partition. */
export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  /** The offset this fetch started at: the position the batch continues from. */
  readonly fetchedOffset: number;
  readonly messages: readonly InputMessage[];
  readonly highWatermark: number;
  /** Offset of the last record in the fetch (filtered control records included). */
  readonly lastOffset: number;
}

export interface BatchControl {
  /** Keeps the membership alive during long work; throws when the group is rebalancing. */
  heartbeat(): Promise<void>;
  /** False once `stop()` was called: finish or abandon, but start nothing new. */
  isRunning(): boolean;
  /** True when a seek made the rest of this batch obsolete. */
  isStale(): boolean;
  /** Everything before `nextOffset` is done: fetch on from there, and commit it to the group. */
  commit(nextOffset: number): Promise<void>;
}

export interface GroupHandlers {
  /** The partitions this member now owns (empty: a standby). Called before any batch of the new assignment. */
  onAssignment(partitions: readonly number[]): void;
  onBatch(batch: PartitionBatch, control: BatchControl): Promise<void>;
  /** The membership failed; it rejoins by itself when `willRestart`. */
  onCrash?(error: CodedError<string>, willRestart: boolean): void;
  /** Connection state changes (for health). */
  onConnection?(connected: boolean): void;
}

/** This process's membership in the input topic's consumer group. */
export interface GroupMembership {
  start(handlers: GroupHandlers): Promise<void>;
  /** The partitions owned now. */
  assigned(): readonly number[];
  /** The next fetch of `partition` starts at `offset`. */
  seek(partition: number, offset: number): void;
  /** Waits for the batch in progress, then leaves the group (a standby takes over at once). */
  stop(): Promise<void>;
}

/** Why a message goes to the dead-letter topic, when the payload's reject code is too coarse. */
export type DeadLetterCode = 'unknown_schema' | 'poison';

/** A consumed message as a source record, with what the dead-letter topic needs if it is refused. */
export interface StagedRecord {
  readonly record: SourceRecord;
  readonly message: InputMessage;
  readonly deadLetterCode?: DeadLetterCode;
  /** The event id of a quarantined message (its record is invalid, so no reject names it). */
  readonly eventId?: string;
}

/** Offsets held back as poison (the engine fails on them), by source name. */
export interface QuarantineView {
  reasonFor(source: string, offset: number): string | undefined;
}

/** One partition as an IdentitySource (positions are offsets), which also turns fetched messages into records. */
export interface PartitionSource extends IdentitySource {
  readonly partition: number;
  /**
   * Fetched messages → staged records, the first one starting at `from` (where the previous
   * record ended); messages before `from` are dropped. Throws a retriable error while the
   * payloads cannot be decoded yet (the schema registry is unreachable).
   */
  stage(messages: readonly InputMessage[], from: number): Promise<StagedRecord[]>;
}

/** The input topic: its partitions' offsets, and each partition as a source. */
export interface TopicInput {
  readonly topic: string;
  offsets(): Promise<ReadonlyMap<number, PartitionOffsets>>;
  /** The offsets a consumer group committed, by partition (none where it committed nothing). */
  groupOffsets(groupId: string): Promise<ReadonlyMap<number, number>>;
  /** The messages of `partition` with offsets in [from, to), in order, a fetch at a time. */
  read(partition: number, from: number, to: number): AsyncIterable<readonly InputMessage[]>;
  /** A partition as a source; quarantined offsets read as invalid records. */
  partition(partition: number, quarantine: QuarantineView): PartitionSource;
  /** The partition a recorded source name stands for, or null when it is not one of this topic's. */
  partitionOf(sourceName: string): number | null;
  /**
   * The partition a domain's records are on when the topic is keyed by domain (its producer's
   * partitioner, applied to the domain's key), for a topic of `partitions` partitions.
   */
  partitionOfDomain(domain: Domain, partitions: number): number;
}

/** Where refused input goes: a RejectSink that finds each refused record's message among the staged ones. */
export interface DeadLetterSink extends RejectSink {
  /** The records of the batch about to be committed (replaces the previous batch's). */
  stage(partition: number, records: readonly StagedRecord[]): void;
}
