/** A consumed Kafka message as the rest of the program sees it (no kafkajs types): the port's InputMessage. */
import type { InputMessage } from '../../ports/topic-input.ts';

export type FetchedMessage = InputMessage;

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
