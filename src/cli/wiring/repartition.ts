/**
 * Builds a running `campaigns repartition` member from its configuration: the Kafka client, the
 * topics (the input must exist, the output is created when missing), the payload decoder (with
 * the registry when Avro input is to be read) and the repartitioner. The CLI turns flags and
 * environment into a `RepartitionConfig`; tests call this directly.
 */
import { createKafka } from '../../adapters/kafka/client.ts';
import { fromKafkaJs } from '../../adapters/kafka/errors.ts';
import { IdentityPayloadDecoder } from '../../adapters/kafka/identity-payloads.ts';
import { prepareRepartitionTopics, type RepartitionTopics } from '../../adapters/kafka/repartition-topics.ts';
import { Repartitioner } from '../../adapters/kafka/repartitioner.ts';
import { ConfluentRegistryClient } from '../../adapters/kafka/schema-registry.ts';
import { systemTimers } from '../../adapters/system/timers.ts';
import { withBackoff } from '../../pipeline/retry.ts';

export interface RepartitionConfig {
  readonly brokers: readonly string[];
  /** Needed only to read the domain of Avro input; without it an Avro record stops the member. */
  readonly registryUrl: string | null;
  readonly clientId: string;
  readonly group: string;
  readonly from: string;
  readonly to: string;
  /** Partitions of the output when it is created; null: as many as the input has. */
  readonly partitions: number | null;
  readonly sessionTimeoutMs: number;
  readonly maxWaitTimeMs?: number;
  readonly notice: (line: string) => void;
  readonly logLevel?: 'warn' | 'error';
}

export interface RunningRepartition {
  readonly repartitioner: Repartitioner;
  readonly topics: RepartitionTopics;
  /** Finish the transactions in progress, leave the group, close. */
  stop(): Promise<void>;
  /** Resolves after `stop()`; rejects when the member failed on its own. */
  readonly done: Promise<void>;
}

export async function startRepartition(c: RepartitionConfig): Promise<RunningRepartition> {
  const kafka = createKafka({ brokers: c.brokers, clientId: c.clientId, logLevel: c.logLevel ?? 'warn' });
  const registry = c.registryUrl === null ? null : new ConfluentRegistryClient(c.registryUrl, { clientId: c.clientId });
  const patiently = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    withBackoff(systemTimers, fn, { maxMs: 5_000, attempts: 12, onRetry: (e) => c.notice(`${what}: ${(e as Error).message}; retrying`) });

  const admin = kafka.admin();
  let topics: RepartitionTopics;
  try {
    await patiently('connecting to Kafka', async () => {
      try {
        await admin.connect();
      } catch (e) {
        throw fromKafkaJs(e, `connecting to ${c.brokers.join(',')}`);
      }
    });
    topics = await patiently('preparing topics', () => prepareRepartitionTopics(admin, c.from, c.to, c.partitions));
  } finally {
    await admin.disconnect().catch(() => {});
  }
  if (topics.created) c.notice(`created topic ${topics.to.name} (${topics.to.partitions} partitions)`);
  for (const m of topics.mismatches) c.notice(`topic settings differ: ${m}`);
  c.notice(`repartitioning ${topics.from.name} (${topics.from.partitions} partitions) into ${topics.to.name} (${topics.to.partitions} partitions) by domain, group ${c.group}`);

  const repartitioner = new Repartitioner(kafka, new IdentityPayloadDecoder(registry), {
    group: c.group,
    from: topics.from.name,
    to: topics.to.name,
    partitions: topics.to.partitions,
    sessionTimeoutMs: c.sessionTimeoutMs,
    ...(c.maxWaitTimeMs !== undefined ? { maxWaitTimeMs: c.maxWaitTimeMs } : {}),
    notice: c.notice,
  });
  await repartitioner.start();
  return { repartitioner, topics, stop: () => repartitioner.stop(), done: repartitioner.done };
}
