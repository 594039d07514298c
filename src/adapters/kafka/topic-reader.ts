/**
 * Reads exact offset ranges of a topic's partitions: to re-derive engine state from the
 * batches a store recorded, to verify an input checkpoint, and to rebuild a log from history.
 *
 * kafkajs has no `assign()`: reading specific partitions at specific offsets goes through a
 * consumer group of our own (a throwaway group id, deleted on close), every partition paused
 * except the one being read, and a seek per read. Nothing is committed to that group.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { InputError } from '../../ports/errors.ts';
import { fromKafkaJs } from './errors.ts';
import { Handoff } from './handoff.ts';
import { toFetched, type FetchedMessage } from './messages.ts';

export interface PartitionOffsets {
  readonly partition: number;
  /** First offset still on the broker. */
  readonly low: number;
  /** High watermark: the offset the next message will get. */
  readonly high: number;
}

interface Delivery {
  readonly messages: FetchedMessage[];
  readonly lastOffset: number;
}

interface Wanted {
  /** Next offset the reader expects. */
  position: number;
  readonly handoff: Handoff<Delivery>;
}

export interface TopicReaderOptions {
  /** Prefix of the throwaway group id (visible in broker tooling while reading). */
  readonly groupPrefix?: string;
  /** Heartbeat while a delivered batch waits for the reader. */
  readonly heartbeatMs?: number;
}

/** kafkajs' Batch carries the offset it was fetched from, untyped. */
const fetchedOffsetOf = (batch: EachBatchPayload['batch']): number =>
  Number((batch as unknown as { fetchedOffset: string }).fetchedOffset);

export class TopicReader {
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  private starting: Promise<void> | null = null;
  private readonly wanted = new Map<number, Wanted>();
  private readonly groupId: string;
  private readonly heartbeatMs: number;

  constructor(private readonly kafka: Kafka, readonly topic: string, options: TopicReaderOptions = {}) {
    this.groupId = `${options.groupPrefix ?? 'campaign-stream-reader'}-${randomUUID()}`;
    this.heartbeatMs = options.heartbeatMs ?? 2_000;
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

  /**
   * The messages of `partition` with offsets in [from, to), in offset order, one fetched batch
   * at a time. Fails with `input_missing` when part of the range is no longer (or not yet) on
   * the broker, rather than waiting for offsets that will never come.
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
    if (this.wanted.has(partition)) throw new Error(`TopicReader: partition ${partition} is already being read`);
    const w: Wanted = { position: from, handoff: new Handoff<Delivery>() };
    this.wanted.set(partition, w);
    const consumer = this.consumer!;
    consumer.seek({ topic: this.topic, partition, offset: String(from) });
    consumer.resume([{ topic: this.topic, partitions: [partition] }]);
    try {
      while (w.position < to) {
        const d = await w.handoff.take(30_000);
        if (d === null) {
          const now = (await this.offsets()).get(partition);
          if (now === undefined || now.high < to || now.low > w.position) {
            throw new InputError('input_missing', `${this.topic}/${partition}: offsets ${w.position}…${to - 1} can no longer be read`);
          }
          continue; // slow broker: keep waiting
        }
        const within = d.messages.filter((m) => m.offset >= w.position && m.offset < to);
        w.position = Math.max(w.position, d.lastOffset + 1);
        if (within.length > 0) yield within;
      }
    } finally {
      this.wanted.delete(partition);
      w.handoff.close();
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
      maxWaitTimeInMs: 250,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    let joined!: () => void;
    const join = new Promise<void>((resolve) => { joined = resolve; });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      // Only the partitions being read may fetch. After a rejoin, restart them where they stood.
      consumer.pause([{ topic: this.topic }]);
      for (const [partition, w] of this.wanted) {
        consumer.seek({ topic: this.topic, partition, offset: String(w.position) });
        consumer.resume([{ topic: this.topic, partitions: [partition] }]);
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
        eachBatch: (payload) => this.onBatch(payload),
      });
    } catch (e) {
      await consumer.disconnect().catch(() => {});
      this.consumer = null;
      throw fromKafkaJs(e, `starting a reader of ${this.topic}`);
    }
    await join;
  }

  private async onBatch({ batch, heartbeat, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const w = this.wanted.get(batch.partition);
    if (w === undefined || isStale()) return;
    if (fetchedOffsetOf(batch) !== w.position) {
      // Fetched before the last seek took effect: not what the reader is waiting for.
      this.consumer?.seek({ topic: this.topic, partition: batch.partition, offset: String(w.position) });
      return;
    }
    const delivery: Delivery = { messages: batch.messages.map(toFetched), lastOffset: Number(batch.lastOffset()) };
    const taken = w.handoff.put(delivery);
    let done = false;
    void taken.then(() => { done = true; });
    // The reader may take its time (it clusters what it reads): stay in the group meanwhile.
    while (!done) {
      await Promise.race([taken, new Promise((r) => setTimeout(r, this.heartbeatMs))]);
      if (!done) await heartbeat().catch(() => {});
    }
    resolveOffset(batch.lastOffset());
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
    for (const w of this.wanted.values()) w.handoff.close();
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

