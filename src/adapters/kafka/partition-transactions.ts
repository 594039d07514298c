/**
 * The transactions of one input partition of a consume-transform-produce job (`campaigns
 * repartition`): the records a fetched batch becomes and the batch's next input offset are
 * committed in one Kafka transaction, so read-committed consumers see each input position's
 * output once, and the consumer group resumes exactly where the output ends.
 *
 * One transactional producer per input partition, its transactional id naming the offset it
 * commits (`<group>:<topic>:<partition>`): KIP-98's scheme, Kafka Streams' `exactly_once`
 * before 2.6. kafkajs sends TxnOffsetCommit v0/v1, which carry no group generation, so the
 * broker cannot fence a member that lost its partition by generation (KIP-447); it can fence
 * by transactional id. Whoever owns the partition next initialises the same id, which bumps its
 * epoch: the former holder's next send or commit fails (fenced), and its open transaction is
 * aborted (or, if it was already committing, completed) before `fence()` returns. So the
 * committed offset read after `fence()` is final until this producer commits again.
 */
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { ForwardedRecord } from './domain-routing.ts';
import { fromKafkaJs, KafkaAdapterError } from './errors.ts';
import { MAX_REQUEST_BYTES } from './producer.ts';

/**
 * The transactional id of `group`'s producer for `topic`/`partition`. A topic name has no `:`,
 * so reading from the right, two (group, topic, partition) never share an id.
 */
export const transactionalIdOf = (group: string, topic: string, partition: number): string => `${group}:${topic}:${partition}`;

/**
 * How long the coordinator lets a transaction stay open before aborting it. A member that dies
 * mid-transaction blocks read-committed consumers of the partitions it wrote (their last stable
 * offset stops) until its successor's `fence()` aborts it, or this long if none comes.
 */
export const TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * Protocol errors after which this producer's transactional state is gone: another producer
 * initialised the id since (or the coordinator aborted a transaction that outlived its timeout,
 * which bumps the epoch the same way). Retriable, with a fresh producer fenced in.
 */
const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING', 'INVALID_TXN_STATE', 'UNKNOWN_PRODUCER_ID']);

function protocolType(e: unknown): string | undefined {
  let at: unknown = e;
  for (let depth = 0; typeof at === 'object' && at !== null && depth < 10; depth++) {
    const type = (at as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    at = (at as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Bytes a record adds to a produce request (key, value, headers, per-record overhead). */
function recordBytes(r: ForwardedRecord): number {
  let n = 64 + r.key.length + (r.value?.length ?? 0);
  for (const [name, v] of Object.entries(r.headers)) {
    for (const one of Array.isArray(v) ? v : [v]) n += name.length + one.length + 8;
  }
  return n;
}

/**
 * Records → produce requests of at most `maxBytes` each (a larger record goes alone): kafkajs
 * writes one record batch per partition per request, and a broker refuses a record batch over
 * the topic's `max.message.bytes` however small each record is.
 */
export function chunkRecords(records: readonly ForwardedRecord[], maxBytes = MAX_REQUEST_BYTES): ForwardedRecord[][] {
  const chunks: ForwardedRecord[][] = [];
  let current: ForwardedRecord[] = [];
  let size = 0;
  for (const r of records) {
    const n = recordBytes(r);
    if (size + n > maxBytes && current.length > 0) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(r);
    size += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export interface PartitionTransactionsOptions {
  readonly group: string;
  /** The input topic and partition whose offsets this producer commits. */
  readonly topic: string;
  readonly partition: number;
  readonly transactionTimeoutMs?: number;
}

export class PartitionTransactions {
  readonly transactionalId: string;
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: Kafka, private readonly o: PartitionTransactionsOptions) {
    this.transactionalId = transactionalIdOf(o.group, o.topic, o.partition);
    this.producer = kafka.producer({
      transactionalId: this.transactionalId,
      transactionTimeout: o.transactionTimeoutMs ?? TRANSACTION_TIMEOUT_MS,
      // Required by transactions; one request in flight also keeps each partition in send order.
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Every record names its partition; this only silences kafkajs' partitioner notice.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /**
   * Takes the transactional id over: every earlier holder is fenced and its open transaction
   * ended before this returns. Read the group's committed offset only after this.
   */
  async fence(): Promise<void> {
    try {
      if (!this.connected) {
        await this.producer.connect();
        this.connected = true;
      }
      // kafkajs initialises the producer id (InitProducerId) on its first transaction; an
      // empty transaction sends nothing to the coordinator when it is aborted.
      const t = await this.producer.transaction();
      await t.abort();
    } catch (e) {
      throw this.failure(e, 'taking over the transactional id');
    }
  }

  /**
   * Sends `records` to `toTopic` and commits the input position `nextOffset` for the group, in
   * one transaction. On failure the transaction is aborted (when the broker still takes the
   * abort) and the error thrown; this producer must then be closed and a fresh one fenced in,
   * since a commit whose answer was lost may have committed.
   */
  async commit(toTopic: string, records: readonly ForwardedRecord[], nextOffset: number): Promise<void> {
    let t: Awaited<ReturnType<Producer['transaction']>> | null = null;
    try {
      t = await this.producer.transaction();
      for (const chunk of chunkRecords(records)) {
        const messages = chunk.map((r): Message => ({ partition: r.partition, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp }));
        await t.sendBatch({ topicMessages: [{ topic: toTopic, messages }], acks: -1 });
      }
      await t.sendOffsets({
        consumerGroupId: this.o.group,
        topics: [{ topic: this.o.topic, partitions: [{ partition: this.o.partition, offset: String(nextOffset) }] }],
      });
      await t.commit();
    } catch (e) {
      if (t?.isActive()) await t.abort().catch(() => {});
      throw this.failure(e, `committing ${records.length} records of ${this.o.topic}/${this.o.partition} up to offset ${nextOffset}`);
    }
  }

  private failure(e: unknown, doing: string): KafkaAdapterError {
    const type = protocolType(e);
    if (type !== undefined && FENCED.has(type)) {
      return new KafkaAdapterError('fenced', `${doing}: transactional id ${this.transactionalId} was taken over by another member (${type})`, true, { cause: e });
    }
    return fromKafkaJs(e, `${doing} (transactional id ${this.transactionalId})`, 'publish_failed');
  }

  async close(): Promise<void> {
    this.connected = false;
    await this.producer.disconnect().catch(() => {});
  }
}
