/**
 * `campaigns repartition`: reads the identity topic (keyed by whatever upstream keys it by) and
 * writes each record to the topic keyed by domain, on its domain's partition (domain-routing.ts),
 * exactly once per input position for read-committed consumers: the Kafka Streams
 * repartition-topic pattern, with kafkajs transactions.
 *
 * - Members of one consumer group share the input's partitions (kafkajs' round-robin assigner).
 * - Each fetched batch of an input partition is one transaction of that partition's own
 *   producer (partition-transactions.ts): its records, then its next offset for the group
 *   (`sendOffsets`), then commit. Nothing else commits the group's offsets.
 * - A member taking a partition (first batch after an assignment, or after a failed
 *   transaction) first fences the partition's transactional id in, then reads the group's
 *   committed offset, and skips to it when kafkajs fetched from an older one: a member that lost
 *   the partition may have committed between this member's join (when kafkajs read the offset)
 *   and the fencing. After the fencing no one else can commit for the partition, so the offset
 *   read then is where this member's output must continue.
 * - A failed transaction is aborted, its producer closed, and the error thrown to kafkajs, which
 *   fetches the partition again from the last committed position (offsets are resolved only
 *   after a commit). A retriable failure is retried that way; any other one stops the member.
 */
import kafkajs, { type Admin, type Consumer, type EachBatchPayload, type Kafka } from 'kafkajs';
import { domainName } from '../../domain/domains.ts';
import { forwardedRecord, routeOf, type ForwardedRecord } from './domain-routing.ts';
import { fromKafkaJs, isKafkaAdapterError, KafkaAdapterError } from './errors.ts';
import type { IdentityPayloadDecoder } from './identity-payloads.ts';
import { toFetched } from './messages.ts';
import { PartitionTransactions } from './partition-transactions.ts';
import { RejoinLoop } from './rejoin.ts';

// kafkajs is CommonJS and Node's named-export detection misses this object: take it off the default export.
const { PartitionAssigners } = kafkajs;

export interface RepartitionerOptions {
  readonly group: string;
  /** The input topic. */
  readonly from: string;
  /** The output topic, keyed by domain. */
  readonly to: string;
  /** The output's partition count, as the topic has it (repartition-topics.ts). */
  readonly partitions: number;
  readonly sessionTimeoutMs?: number;
  /** How long a fetch waits for data; also bounds how long `stop()` waits for an idle fetch. */
  readonly maxWaitTimeMs?: number;
  /** Input partitions forwarded at once: each has its own producer and transaction, nothing is shared. */
  readonly concurrency?: number;
  readonly transactionTimeoutMs?: number;
  readonly notice?: (line: string) => void;
}

export interface RepartitionStats {
  /** Records this process forwarded in committed transactions. */
  readonly forwarded: number;
  /** Of those, records whose domain could not be read (forwarded as the default domain's). */
  readonly unreadable: number;
  readonly transactions: number;
  /** Transactions that failed and were aborted (their input was read again). */
  readonly aborted: number;
  /** Forwarded records by domain name (`default` for the default domain). */
  readonly domains: Readonly<Record<string, number>>;
}

/** An input partition this member has fenced in. */
interface Owned {
  readonly tx: PartitionTransactions;
  /** The offset the next batch must start at: where the last committed transaction ended. Null: nothing committed yet. */
  next: number | null;
}

const rootCause = (e: Error): Error => {
  let at = e;
  for (let depth = 0; at.cause instanceof Error && depth < 10; depth++) at = at.cause;
  return at;
};

/** kafkajs' Batch carries the offset it was fetched from, untyped. */
const fetchedOffsetOf = (batch: EachBatchPayload['batch']): number =>
  Number((batch as unknown as { fetchedOffset: string }).fetchedOffset);

export class Repartitioner {
  private consumer: Consumer | null = null;
  private admin: Promise<Admin> | null = null;
  private running = false;
  private assigned = new Set<number>();
  private readonly owned = new Map<number, Owned>();
  /** Per input partition, the work in progress: taking over, forwarding and releasing never overlap. */
  private readonly queues = new Map<number, Promise<void>>();
  /** A failure retrying cannot fix, recorded before it is thrown into kafkajs. */
  private fatal: KafkaAdapterError | null = null;
  /** Ends a rejoin's wait at once when stop() is called. */
  private readonly rejoins = new RejoinLoop();
  private settle!: { resolve: () => void; reject: (e: unknown) => void };
  /** Resolves after `stop()`; rejects when the member failed on its own. */
  readonly done: Promise<void>;
  private counts = { forwarded: 0, unreadable: 0, transactions: 0, aborted: 0 };
  private readonly byDomain = new Map<string, number>();

  constructor(private readonly kafka: Kafka, private readonly decoder: IdentityPayloadDecoder, private readonly o: RepartitionerOptions) {
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.done.catch(() => {});
  }

  stats(): RepartitionStats {
    const domains: Record<string, number> = {};
    for (const name of [...this.byDomain.keys()].sort()) domains[name] = this.byDomain.get(name)!;
    return { ...this.counts, domains };
  }

  private notice(line: string): void {
    this.o.notice?.(line);
  }

  /** Joins the group; resolves once the member runs (kafkajs joins and fetches in the background). */
  async start(): Promise<void> {
    this.running = true;
    try {
      await this.join();
    } catch (e) {
      this.running = false;
      await this.release();
      throw e;
    }
  }

  private async join(): Promise<void> {
    const o = this.o;
    const consumer = this.kafka.consumer({
      groupId: o.group,
      partitionAssigners: [PartitionAssigners.roundRobin],
      sessionTimeout: o.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: o.maxWaitTimeMs ?? 500,
      allowAutoTopicCreation: false,
      // Input from a transactional producer is forwarded only once committed.
      readUncommitted: false,
      retry: {
        initialRetryTime: 300,
        maxRetryTime: 10_000,
        retries: 8,
        restartOnFailure: async () => this.running && this.fatal === null,
      },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.onAssignment(payload.memberAssignment[o.from] ?? []));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!this.running || this.consumer !== consumer) return;
      if (this.fatal !== null) return this.fail(this.fatal);
      if (payload.restart) {
        this.notice(`the consumer restarts after: ${payload.error.message}`);
        return;
      }
      // kafkajs gives up for good on some errors of a broker restarting (the group coordinator
      // moving): waited out by rejoining, as the pipeline's consumer does (group-consumer.ts).
      if (rootCause(payload.error).name.startsWith('KafkaJS')) {
        this.notice(`the consumer stopped (${payload.error.message}); rejoining`);
        void this.rejoin(consumer);
        return;
      }
      this.fail(fromKafkaJs(payload.error, `consumer of ${o.from} in group ${o.group}`));
    });
    try {
      await consumer.connect();
      // A new group starts at the beginning: the output must hold the input's whole history.
      await consumer.subscribe({ topics: [o.from], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: o.concurrency ?? 3,
        eachBatch: (payload) => this.serially(payload.batch.partition, () => this.forward(payload)),
      });
    } catch (e) {
      await consumer.disconnect().catch(() => {});
      if (this.consumer === consumer) this.consumer = null;
      throw fromKafkaJs(e, `joining group ${o.group} on ${o.from}`);
    }
    // stop() while joining: it could not disconnect a consumer it did not see yet.
    if (!this.running) await consumer.disconnect().catch(() => {});
  }

  /** After a crash kafkajs will not restart from: a fresh consumer, until one joins or stop(). */
  private async rejoin(crashed: Consumer): Promise<void> {
    this.consumer = null;
    await crashed.disconnect().catch(() => {});
    await this.rejoins.run(() => this.running, () => this.join(),
      (e) => this.notice(`rejoining group ${this.o.group}: ${(e as Error).message}`));
  }

  private serially(partition: number, task: () => Promise<void>): Promise<void> {
    const run = (this.queues.get(partition) ?? Promise.resolve()).then(task);
    this.queues.set(partition, run.catch(() => {}));
    return run;
  }

  private onAssignment(partitions: readonly number[]): void {
    this.assigned = new Set(partitions);
    // A partition kept across the rebalance keeps its producer and position: if another member
    // held it meanwhile, that member's fencing makes this producer's next transaction fail,
    // and the partition is taken over afresh.
    for (const [partition, owned] of this.owned) {
      if (this.assigned.has(partition)) continue;
      this.owned.delete(partition);
      void this.serially(partition, () => owned.tx.close());
    }
    this.notice(`assigned partitions ${partitions.length > 0 ? [...partitions].sort((a, b) => a - b).join(',') : '(none)'} of ${this.o.from}`);
  }

  /** One admin client for every partition's take-over (they run concurrently: connect once). */
  private adminClient(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      try {
        await admin.connect();
        return admin;
      } catch (e) {
        this.admin = null;
        await admin.disconnect().catch(() => {});
        throw e;
      }
    })();
    return this.admin;
  }

  private async committedOffset(partition: number): Promise<number | null> {
    try {
      const admin = await this.adminClient();
      const topics = await admin.fetchOffsets({ groupId: this.o.group, topics: [this.o.from] });
      const offset = Number(topics.find((t) => t.topic === this.o.from)?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
      return offset >= 0 ? offset : null;
    } catch (e) {
      throw fromKafkaJs(e, `reading the committed offset of ${this.o.from}/${partition} for group ${this.o.group}`);
    }
  }

  /**
   * Fences the partition's transactional id in, then reads where its committed output ends.
   * Null when the partition was assigned away meanwhile (its new owner fences this one out).
   */
  private async takeOver(partition: number): Promise<Owned | null> {
    const tx = new PartitionTransactions(this.kafka, {
      group: this.o.group, topic: this.o.from, partition,
      ...(this.o.transactionTimeoutMs !== undefined ? { transactionTimeoutMs: this.o.transactionTimeoutMs } : {}),
    });
    try {
      await tx.fence();
      const owned: Owned = { tx, next: await this.committedOffset(partition) };
      if (!this.running || !this.assigned.has(partition)) {
        await tx.close();
        return null;
      }
      this.owned.set(partition, owned);
      this.notice(`partition ${partition}: took over (transactional id ${tx.transactionalId}), committed up to ${owned.next ?? '(nothing yet)'}`);
      return owned;
    } catch (e) {
      await tx.close();
      throw e;
    }
  }

  /** Records a failure: retriable ones are retried by kafkajs, others stop the member. */
  private judged(e: unknown, doing: string): KafkaAdapterError {
    const err = isKafkaAdapterError(e) ? e : fromKafkaJs(e, doing);
    if (err.retriable) this.notice(`${doing}: ${err.message}; reading again from the committed offset`);
    else this.fatal ??= err;
    return err;
  }

  private async forward(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const partition = batch.partition;
    if (!this.running || !p.isRunning() || p.isStale() || !this.assigned.has(partition)) return;
    const doing = `forwarding ${this.o.from}/${partition} from offset ${fetchedOffsetOf(batch)}`;
    let owned = this.owned.get(partition);
    const messages = batch.messages.map(toFetched);
    let records: ForwardedRecord[];
    const domains = new Map<string, number>();
    let unreadable = 0;
    try {
      if (owned === undefined) {
        const taken = await this.takeOver(partition);
        if (taken === null) return;
        owned = taken;
      }
      if (owned.next !== null && fetchedOffsetOf(batch) < owned.next) {
        // Behind the committed output (a former owner committed after this member joined, or
        // kafkajs refetched from an older position): forwarding it again would duplicate it.
        // A fetch past `next` is fine: kafkajs skips only records it filtered (transaction
        // markers, aborted records), which are not forwarded anyway.
        this.notice(`partition ${partition}: fetched from offset ${fetchedOffsetOf(batch)}, but the committed output ends at ${owned.next}: skipping there`);
        this.consumer?.seek({ topic: this.o.from, partition, offset: String(owned.next) });
        return;
      }
      await this.decoder.prepare(messages.map((m) => m.value));
      records = messages.map((m) => {
        const route = routeOf(this.decoder.decode(m.value).payload);
        if (!route.readable) unreadable++;
        const name = domainName(route.domain);
        domains.set(name, (domains.get(name) ?? 0) + 1);
        return forwardedRecord(m, this.o.from, partition, route.domain, this.o.partitions);
      });
    } catch (e) {
      throw this.judged(e, doing);
    }
    const next = Number(batch.lastOffset()) + 1;
    try {
      await owned.tx.commit(this.o.to, records, next);
    } catch (e) {
      // Whatever the broker made of it, this producer is done: the next batch of the partition
      // fences a fresh one in and continues from the committed offset.
      this.counts.aborted++;
      if (this.owned.get(partition) === owned) this.owned.delete(partition);
      await owned.tx.close();
      throw this.judged(e, doing);
    }
    owned.next = next;
    p.resolveOffset(batch.lastOffset());
    this.counts.transactions++;
    this.counts.forwarded += records.length;
    this.counts.unreadable += unreadable;
    for (const [name, n] of domains) this.byDomain.set(name, (this.byDomain.get(name) ?? 0) + n);
  }

  private fail(e: KafkaAdapterError): void {
    if (!this.running) return;
    this.running = false;
    this.rejoins.wake();
    this.notice(`stopping: ${e.message}`);
    void this.release().finally(() => this.settle.reject(e));
  }

  /**
   * SIGTERM semantics: start no new transaction, let the ones in progress commit, leave the
   * group (its partitions move to the other members at once), close the producers.
   */
  async stop(): Promise<void> {
    if (!this.running) return this.done.catch(() => {});
    this.running = false;
    this.rejoins.wake();
    await this.release();
    this.settle.resolve();
  }

  private async release(): Promise<void> {
    await Promise.all(this.queues.values());
    const consumer = this.consumer;
    this.consumer = null;
    if (consumer !== null) await consumer.disconnect().catch(() => {});
    await Promise.all(this.queues.values());
    const owned = [...this.owned.values()];
    this.owned.clear();
    this.assigned = new Set();
    await Promise.all(owned.map((o) => o.tx.close()));
    const admin = this.admin;
    this.admin = null;
    if (admin !== null) await admin.then((a) => a.disconnect()).catch(() => {});
  }
}
