/**
 * The identity topic's consumer group, behind a small interface (kafkajs stays in this folder).
 *
 * - Every partition goes to one member (single-owner-assigner.ts); the others are standbys.
 *   With `assignment: 'sticky'` every member owns a share (domains: docs/SCALING.md).
 * - The handler gets one fetched partition batch at a time (`partitionsConsumedConcurrently`
 *   is 1: one engine, one store) and kafkajs fetches that partition's next batch only after
 *   the handler's promise settles: awaiting the whole pipeline inside it is the backpressure.
 * - Nothing is committed automatically: `control.commit(next)` is called by the pipeline only
 *   after the batch's results are durable, and the offsets it commits are informational (lag
 *   tools, a fresh store's start); the store's own checkpoint is where a new owner seeks to.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { BatchControl, GroupHandlers, GroupMembership } from '../../ports/topic-input.ts';
import { fromKafkaJs, isKafkaAdapterError } from './errors.ts';
import { toFetched } from './messages.ts';
import { singleOwnerAssigner } from './single-owner-assigner.ts';
import { RejoinLoop } from './rejoin.ts';
import { stickyAssigner } from './sticky-assigner.ts';

export interface GroupConsumerOptions {
  readonly groupId: string;
  readonly topic: string;
  /** Broker minimum is 6 s by default; a standby takes over this long after an owner dies. */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** How long a fetch waits for data; also bounds how long `stop()` waits for an idle fetch. */
  readonly maxWaitTimeMs?: number;
  readonly maxBytesPerPartition?: number;
  /** Errors kafkajs must not restart the consumer for (the pipeline decided to stop). */
  readonly isFatal?: (e: Error) => boolean;
  /** Identifies this member in the assigner's tie-break and in logs. */
  readonly instanceId?: string;
  /**
   * How the group spreads the partitions: `single-owner` (one member owns all, the others are
   * standbys; the default) or `sticky` (every member owns a balanced share and keeps it across
   * rebalances, for `--assignment domain`: sticky-assigner.ts).
   */
  readonly assignment?: 'single-owner' | 'sticky';
}

const rootCause = (e: Error): Error => {
  let at = e;
  for (let depth = 0; at.cause instanceof Error && depth < 10; depth++) at = at.cause;
  return at;
};

const fetchedOffsetOf = (batch: EachBatchPayload['batch']): number =>
  Number((batch as unknown as { fetchedOffset: string }).fetchedOffset);

export type { BatchControl, GroupHandlers, PartitionBatch } from '../../ports/topic-input.ts';

export class GroupConsumer implements GroupMembership {
  private consumer: Consumer | null = null;
  private partitions: readonly number[] = [];
  private running = false;
  /** Ends a rejoin's wait at once when stop() is called. */
  private readonly rejoins = new RejoinLoop();
  readonly since = Date.now();
  readonly instanceId: string;

  constructor(private readonly kafka: Kafka, private readonly options: GroupConsumerOptions) {
    this.instanceId = options.instanceId ?? randomUUID().slice(0, 8);
  }

  assigned(): readonly number[] {
    return this.partitions;
  }

  async start(handlers: GroupHandlers): Promise<void> {
    this.running = true;
    try {
      await this.join(handlers);
    } catch (e) {
      this.running = false;
      throw e;
    }
  }

  private async join(handlers: GroupHandlers): Promise<void> {
    const o = this.options;
    const consumer = this.kafka.consumer({
      groupId: o.groupId,
      partitionAssigners: [o.assignment === 'sticky'
        ? stickyAssigner(() => ({ [o.topic]: this.partitions }))
        : singleOwnerAssigner(() => ({ since: this.since, owns: this.partitions.length > 0 }))],
      sessionTimeout: o.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: o.heartbeatIntervalMs ?? 1_000,
      maxWaitTimeInMs: o.maxWaitTimeMs ?? 500,
      ...(o.maxBytesPerPartition !== undefined ? { maxBytesPerPartition: o.maxBytesPerPartition } : {}),
      allowAutoTopicCreation: false,
      retry: {
        initialRetryTime: 300,
        maxRetryTime: 10_000,
        retries: 8,
        restartOnFailure: async (e: Error) => !(o.isFatal?.(e) ?? false),
      },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.partitions = [...(payload.memberAssignment[o.topic] ?? [])].sort((a, b) => a - b);
      handlers.onAssignment(this.partitions);
    });
    consumer.on(consumer.events.CONNECT, () => handlers.onConnection?.(true));
    consumer.on(consumer.events.DISCONNECT, () => handlers.onConnection?.(false));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      handlers.onConnection?.(false);
      // kafkajs restarts only after errors it calls retriable, and some it does not are just a
      // broker restarting (KafkaJSGroupCoordinatorNotFound while the coordinator moves). An
      // outage must be waited out, never end the pipeline: unless the pipeline itself decided
      // to stop, the member rejoins on its own, with backoff.
      // Only kafkajs' own errors: one thrown by the batch handler (kafkajs wraps it, keeping it
      // as the cause) is the pipeline's to judge.
      const rejoin = !payload.restart && this.running && this.consumer === consumer
        && rootCause(payload.error).name.startsWith('KafkaJS') && !(o.isFatal?.(payload.error) ?? false);
      handlers.onCrash?.(fromKafkaJs(payload.error, `consumer of ${o.topic} in group ${o.groupId}`), payload.restart || rejoin);
      if (rejoin) void this.rejoin(consumer, handlers);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.onBatch(payload, handlers),
      });
    } catch (e) {
      await consumer.disconnect().catch(() => {});
      if (this.consumer === consumer) this.consumer = null;
      throw fromKafkaJs(e, `joining group ${o.groupId} on ${o.topic}`);
    }
    // stop() while joining: it could not disconnect a consumer it did not see yet.
    if (!this.running) await consumer.disconnect().catch(() => {});
  }

  /** After a crash kafkajs will not restart from: a fresh consumer, until one joins or stop(). */
  private async rejoin(crashed: Consumer, handlers: GroupHandlers): Promise<void> {
    this.consumer = null;
    await crashed.disconnect().catch(() => {});
    await this.rejoins.run(() => this.running, () => this.join(handlers),
      (e) => handlers.onCrash?.(isKafkaAdapterError(e) ? e : fromKafkaJs(e, `rejoining group ${this.options.groupId}`), true));
  }

  private async onBatch(p: EachBatchPayload, handlers: GroupHandlers): Promise<void> {
    const { batch } = p;
    const control: BatchControl = {
      heartbeat: () => p.heartbeat(),
      isRunning: () => this.running && p.isRunning(),
      isStale: () => p.isStale(),
      commit: async (nextOffset: number) => {
        p.resolveOffset(String(nextOffset - 1));
        try {
          await p.commitOffsetsIfNecessary({
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(nextOffset) }] }],
          });
        } catch {
          // Informational only (the store holds the real position): a commit lost to a
          // rebalance is made good by the next one, or by the new owner's seek.
        }
      },
    };
    await handlers.onBatch({
      topic: batch.topic,
      partition: batch.partition,
      fetchedOffset: fetchedOffsetOf(batch),
      messages: batch.messages.map(toFetched),
      highWatermark: Number(batch.highWatermark),
      lastOffset: Number(batch.lastOffset()),
    }, control);
  }

  /**
   * The next fetch of `partition` starts at `offset`. (kafkajs' special "earliest" offset is
   * not usable here: without auto-commit it turns into offset 0; callers pass the low watermark.)
   */
  seek(partition: number, offset: number): void {
    this.consumer?.seek({ topic: this.options.topic, partition, offset: String(offset) });
  }

  /** Waits for the batch in progress, then leaves the group (a standby takes over at once). */
  async stop(): Promise<void> {
    this.running = false;
    this.rejoins.wake();
    const consumer = this.consumer;
    this.consumer = null;
    this.partitions = [];
    if (consumer !== null) await consumer.disconnect().catch(() => {});
  }
}
