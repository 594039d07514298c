/** A consumed Kafka message as the rest of the program sees it (no kafkajs types). */
export interface FetchedMessage {
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Milliseconds since the epoch, as a decimal string (kafkajs' representation). */
  readonly timestamp: string;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

export interface KafkaJsMessageLike {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

export const toFetched = (m: KafkaJsMessageLike): FetchedMessage => ({
  offset: Number(m.offset),
  key: m.key,
  value: m.value,
  timestamp: m.timestamp,
  headers: m.headers ?? {},
});
