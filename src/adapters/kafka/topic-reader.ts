/**
 * Reads exact offset ranges of a topic's partitions: to re-derive engine state from the
 * batches a store recorded, to verify an input checkpoint, and to rebuild a log from history.
 *
 * kafkajs has no `assign()`: reading chosen partitions at chosen offsets goes through a consumer
 * group of our own (a throwaway group id, deleted on close; nothing is committed to it), with
 * every partition paused except those a reader is waiting on.
 *
 * Flow control is per partition: fetched messages go into the partition's buffer and the batch
 * handler returns at once; a partition is paused when its buffer is full or nobody reads it, and
 * resumed when a reader needs more. The handler never waits for a reader, so reading partitions
 * alternately (a rebuild replaying recorded batches) cannot block the shared consumer. A read
 * that continues where the previous one of its partition ended reuses the buffer instead of
 * seeking, so consecutive batches cost no extra round trip.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { InputError } from '../../ports/errors.ts';
import { fromKafkaJs } from './errors.ts';
import { toFetched, type FetchedMessage } from './messages.ts';

export interface PartitionOffsets {
  readonly partition: number;
  /** First offset still on the broker. */
  readonly low: number;
  /** High watermark: the offset the next message will get. */
  readonly high: number;
}

interface PartitionState {
  /** Fetched, not yet read, in offset order: every message of [base, next). */
  queue: FetchedMessage[];
  base: number;
  /** Where the next fetch must start: everything before it is in the queue or was read. */
  next: number;
  paused: boolean;
  reading: boolean;
  wake: (() => void) | null;
}

export interface TopicReaderOptions {
  /** Prefix of the throwaway group id (visible in broker tooling while reading). */
  readonly groupPrefix?: string;
  /** Messages buffered per partition before its fetching pauses. */
  readonly bufferMessages?: number;
}

/** kafkajs' Batch carries the offset it was fetched from, untyped. */
const fetchedOffsetOf = (batch: EachBatchPayload['batch']): number =>
  Number((batch as unknown as { fetchedOffset: string }).fetchedOffset);

export class TopicReader {
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  private starting: Promise<void> | null = null;
  private readonly states = new Map<number, PartitionState>();
  private readonly groupId: string;
  private readonly bufferMessages: number;

  constructor(private readonly kafka: Kafka, readonly topic: string, options: TopicReaderOptions = {}) {
    this.groupId = `${options.groupPrefix ?? 'campaign-stream-reader'}-${randomUUID()}`;
    this.bufferMessages = options.bufferMessages ?? 20_000;
  }

  /** Low and high watermarks of every partition. */
  async offsets(): Promise<Map<number, PartitionOffsets>> {
    const admin = await this.adminClient();
    try {
      const rows = await admin.fetchTopicOffsets(this.topic);
      return new Map(rows.map((r) => [r.partition, { partition: r.partition, low: Number(r.low), high: Number(r.high) }]));
    } catch (e) {
      throw fromKafkaJs(e, `reading the offsets of ${this.topic}`);
    }
  }

  /** The offsets a consumer group committed on this topic, by partition (none where it committed nothing). */
  async groupOffsets(groupId: string): Promise<Map<number, number>> {
    const admin = await this.adminClient();
    try {
      const [topic] = await admin.fetchOffsets({ groupId, topics: [this.topic] });
      const out = new Map<number, number>();
      for (const p of topic?.partitions ?? []) if (Number(p.offset) >= 0) out.set(p.partition, Number(p.offset));
      return out;
    } catch (e) {
      throw fromKafkaJs(e, `reading the offsets group ${groupId} committed on ${this.topic}`);
    }
  }

  /**
   * The messages of `partition` with offsets in [from, to), in offset order, a buffer at a time.
   * Fails with `input_missing` / `input_changed` when part of the range is no longer (or not yet)
   * on the broker, rather than waiting for offsets that will never come. One read per partition
   * at a time.
   */
  async *read(partition: number, from: number, to: number): AsyncGenerator<FetchedMessage[]> {
    if (from >= to) return;
    const o = (await this.offsets()).get(partition);
    if (o === undefined) throw new InputError('input_missing', `${this.topic} has no partition ${partition}`);
    if (o.low > from) {
      throw new InputError('input_missing', `${this.topic}/${partition}: offsets ${from}…${o.low - 1} are gone from the broker (retention or deletion); the earliest left is ${o.low}`);
    }
    if (o.high < to) {
      throw new InputError('input_changed', `${this.topic}/${partition} ends at offset ${o.high}, before ${to}, where recorded input ended (was the topic recreated?)`);
    }
    await this.start();
    const consumer = this.consumer!;
    let st = this.states.get(partition);
    if (st?.reading) throw new Error(`TopicReader: partition ${partition} is already being read`);
    if (st === undefined || from < st.base || from > st.next) {
      // Not a continuation of what is buffered: start over at `from`.
      st = { queue: [], base: from, next: from, paused: true, reading: false, wake: null };
      this.states.set(partition, st);
      consumer.seek({ topic: this.topic, partition, offset: String(from) });
    }
    const s = st;
    s.reading = true;
    let at = from;
    try {
      while (at < to) {
        let skip = 0;
        while (skip < s.queue.length && s.queue[skip].offset < at) skip++;
        if (skip > 0) s.queue.splice(0, skip);
        s.base = at;
        let take = 0;
        while (take < s.queue.length && s.queue[take].offset < to) take++;
        if (take > 0) {
          const out = s.queue.splice(0, take);
          at = out[out.length - 1].offset + 1;
          s.base = at;
          this.flow(partition, s, to);
          yield out;
          continue;
        }
        if (s.queue.length > 0 || s.next >= to) break; // the rest of the range is a gap
        this.flow(partition, s, to);
        const woke = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), 30_000);
          s.wake = () => {
            clearTimeout(t);
            resolve(true);
          };
        });
        s.wake = null;
        if (!woke) {
          const now = (await this.offsets()).get(partition);
          if (now === undefined || now.high < to || now.low > s.next) {
            throw new InputError('input_missing', `${this.topic}/${partition}: offsets ${s.next}…${to - 1} can no longer be read`);
          }
        }
      }
    } finally {
      s.reading = false;
      s.wake = null;
      this.flow(partition, s, to);
    }
  }

  /** Pauses or resumes a partition's fetching after its buffer or its reader changed. */
  private flow(partition: number, s: PartitionState, wantedUpTo: number): void {
    const consumer = this.consumer;
    if (consumer === null) return;
    const fetch = s.reading && s.queue.length < this.bufferMessages && (s.next < wantedUpTo || s.queue.length < this.bufferMessages / 2);
    if (fetch && s.paused) {
      s.paused = false;
      consumer.resume([{ topic: this.topic, partitions: [partition] }]);
    } else if (!fetch && !s.paused) {
      s.paused = true;
      consumer.pause([{ topic: this.topic, partitions: [partition] }]);
    }
  }

  private start(): Promise<void> {
    this.starting ??= this.startConsumer().catch((e: unknown) => {
      this.starting = null;
      throw e;
    });
    return this.starting;
  }

  private async startConsumer(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      // Also how long the fetch loop sleeps while every partition is paused.
      maxWaitTimeInMs: 50,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    let joined!: () => void;
    const join = new Promise<void>((resolve) => { joined = resolve; });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      // Only partitions being read may fetch. After a rejoin, restart them where they stood.
      consumer.pause([{ topic: this.topic }]);
      for (const [partition, s] of this.states) {
        consumer.seek({ topic: this.topic, partition, offset: String(s.next) });
        s.paused = true;
        if (s.reading) {
          s.paused = false;
          consumer.resume([{ topic: this.topic, partitions: [partition] }]);
        }
      }
      joined();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async (payload) => this.onBatch(payload),
      });
    } catch (e) {
      await consumer.disconnect().catch(() => {});
      this.consumer = null;
      throw fromKafkaJs(e, `starting a reader of ${this.topic}`);
    }
    await join;
  }

  private onBatch({ batch, isStale, resolveOffset }: EachBatchPayload): void {
    const s = this.states.get(batch.partition);
    if (s === undefined || isStale()) return;
    if (fetchedOffsetOf(batch) !== s.next) {
      // Fetched before the last seek took effect: not the continuation of the buffer.
      this.consumer?.seek({ topic: this.topic, partition: batch.partition, offset: String(s.next) });
      return;
    }
    for (const m of batch.messages) s.queue.push(toFetched(m));
    s.next = Number(batch.lastOffset()) + 1;
    resolveOffset(batch.lastOffset());
    if (!s.reading || s.queue.length >= this.bufferMessages) {
      s.paused = true;
      this.consumer?.pause([{ topic: this.topic, partitions: [batch.partition] }]);
    }
    s.wake?.();
  }

  private async adminClient(): Promise<Admin> {
    if (this.admin === null) {
      const admin = this.kafka.admin();
      try {
        await admin.connect();
      } catch (e) {
        throw fromKafkaJs(e, 'connecting to Kafka');
      }
      this.admin = admin;
    }
    return this.admin;
  }

  async close(): Promise<void> {
    for (const s of this.states.values()) s.wake?.();
    this.states.clear();
    const consumer = this.consumer;
    this.consumer = null;
    this.starting = null;
    if (consumer !== null) {
      await consumer.disconnect().catch(() => {});
      // The group only ever served this reader; leaving it behind would clutter the broker.
      await this.adminClient().then((a) => a.deleteGroups([this.groupId])).catch(() => {});
    }
    await this.admin?.disconnect().catch(() => {});
    this.admin = null;
  }
}
