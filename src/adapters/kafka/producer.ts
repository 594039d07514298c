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

export class KafkaSender implements MessageSender {
  private connecting: Promise<void> | null = null;

  private constructor(private readonly producer: Producer) {}

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
    const topicMessages = batches
      .filter((b) => b.messages.length > 0)
      .map((b) => ({ topic: b.topic, messages: b.messages.map((m): Message => ({ key: m.key, value: m.value, headers: { ...m.headers } })) }));
    if (topicMessages.length === 0) return;
    await this.connect();
    try {
      await this.producer.sendBatch({ topicMessages, acks: -1 });
    } catch (e) {
      throw fromKafkaJs(e, `publishing ${what}`, code);
    }
  }

  async close(): Promise<void> {
    this.connecting = null;
    await this.producer.disconnect().catch(() => {});
  }
}
