/**
 * One idempotent producer per process for everything the pipeline writes (dead letters,
 * campaign events, assignments, table rows). Idempotence plus one request in flight keeps each
 * partition in send order even across internal retries; `acks: -1` waits for every in-sync
 * replica, so "sent" means durable.
 */
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { fromKafkaJs, type KafkaErrorCode } from './errors.ts';

export interface OutgoingMessage {
  readonly key: string | Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string | Buffer>>;
}

export interface TopicBatch {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
}

export interface MessageSender {
  /** All or none acknowledged from the caller's view: on failure, send everything again. */
  send(batches: readonly TopicBatch[], what: string, code?: KafkaErrorCode): Promise<void>;
  close(): Promise<void>;
}

/**
 * Most bytes per produce request. kafkajs writes one record batch per partition per request, and
 * a broker refuses a record batch over the topic's `max.message.bytes` (1 MiB by default) with
 * a non-retriable error: a relay catching up on a long log would otherwise build requests no
 * broker accepts.
 */
export const MAX_REQUEST_BYTES = 512 * 1024;

/** What a message weighs in a produce request (key, value, headers and per-record overhead). */
export const messageBytes = (m: OutgoingMessage): number => {
  let n = 64 + (m.key?.length ?? 0) + (m.value?.length ?? 0);
  for (const k in m.headers) n += k.length + m.headers[k].length + 8;
  return n;
};

/** Splits batches into requests of at most `maxBytes` (a larger single message goes alone). */
export function chunkRequests(batches: readonly TopicBatch[], maxBytes: number): TopicBatch[][] {
  const requests: TopicBatch[][] = [];
  let current: TopicBatch[] = [];
  let size = 0;
  for (const b of batches) {
    let open: OutgoingMessage[] = [];
    for (const m of b.messages) {
      const n = messageBytes(m);
      if (size + n > maxBytes && size > 0) {
        if (open.length > 0) current.push({ topic: b.topic, messages: open });
        requests.push(current);
        current = [];
        open = [];
        size = 0;
      }
      open.push(m);
      size += n;
    }
    if (open.length > 0) current.push({ topic: b.topic, messages: open });
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

export class KafkaSender implements MessageSender {
  private connecting: Promise<void> | null = null;

  private constructor(private readonly producer: Producer, private readonly maxRequestBytes = MAX_REQUEST_BYTES) {}

  static create(kafka: Kafka): KafkaSender {
    return new KafkaSender(kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Java-compatible key hashing: the same key lands on the same partition as from other clients.
      createPartitioner: Partitioners.DefaultPartitioner,
    }));
  }

  private connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((e: unknown) => {
      this.connecting = null;
      throw fromKafkaJs(e, 'connecting the producer');
    });
    return this.connecting;
  }

  async send(batches: readonly TopicBatch[], what: string, code: KafkaErrorCode = 'publish_failed'): Promise<void> {
    const nonEmpty = batches.filter((b) => b.messages.length > 0);
    if (nonEmpty.length === 0) return;
    await this.connect();
    // Requests go one after the other (and one in flight): each partition keeps the given order.
    for (const request of chunkRequests(nonEmpty, this.maxRequestBytes)) {
      const topicMessages = request.map((b) => ({
        topic: b.topic, messages: b.messages.map((m): Message => ({ key: m.key, value: m.value, headers: { ...m.headers } })),
      }));
      try {
        await this.producer.sendBatch({ topicMessages, acks: -1 });
      } catch (e) {
        throw fromKafkaJs(e, `publishing ${what}`, code);
      }
    }
  }

  async close(): Promise<void> {
    this.connecting = null;
    await this.producer.disconnect().catch(() => {});
  }
}
