/**
 * Builds a running Kafka pipeline from its configuration: clients, topics, schemas, the
 * consumer group member, the publisher (on its own thread by default), the pipeline itself and
 * its health endpoint. The composition root of the Kafka path: the pipeline
 * (src/pipeline/kafka/) sees these adapters through ports only. The CLI (`campaigns pipeline`)
 * turns flags and environment into a `KafkaPipelineConfig`; tests and the bench call this directly.
 */
import { startHealthServer, type HealthServer } from '../../adapters/http/health-server.ts';
import { MetricsRegistry } from '../../adapters/http/metrics.ts';
import { registerPipelineMetrics } from '../../adapters/http/pipeline-metrics.ts';
import { registerOutputSchemas, type OutputSchemaIds } from '../../adapters/kafka/campaign-messages.ts';
import { KafkaCampaignPublisher } from '../../adapters/kafka/campaign-publisher.ts';
import { createKafka } from '../../adapters/kafka/client.ts';
import { KafkaDeadLetterSink } from '../../adapters/kafka/dead-letter-sink.ts';
import { fromKafkaJs } from '../../adapters/kafka/errors.ts';
import { GroupConsumer } from '../../adapters/kafka/group-consumer.ts';
import { IdentityPayloadDecoder } from '../../adapters/kafka/identity-payloads.ts';
import { KafkaTopicInput } from '../../adapters/kafka/kafka-topic-input.ts';
import { KafkaSender } from '../../adapters/kafka/producer.ts';
import { ThreadedCampaignPublisher } from '../../adapters/kafka/publisher-thread.ts';
import { ConfluentRegistryClient } from '../../adapters/kafka/schema-registry.ts';
import { ensureTopics, topicSpecs, type TopicNames, type TopicReport } from '../../adapters/kafka/topics.ts';
import { TopicReader } from '../../adapters/kafka/topic-reader.ts';
import { systemTimers } from '../../adapters/system/timers.ts';
import type { Timers } from '../../ports/clock.ts';
import type { Publisher } from '../../ports/publisher.ts';
import type { EngineFactory } from '../../pipeline/engine-factory.ts';
import { HealthState } from '../../pipeline/kafka/health.ts';
import { KafkaPipeline, type KafkaPipelineDeps } from '../../pipeline/kafka/kafka-pipeline.ts';
import type { RelayOptions } from '../../pipeline/kafka/outbox-relay.ts';
import type { StoreOpener } from '../../pipeline/kafka/store.ts';
import { withBackoff } from '../../pipeline/retry.ts';

export interface RelayConfig extends RelayOptions {
  /**
   * Encode and produce the published runs on a worker thread with its own producer (default),
   * so kafkajs no longer competes with consuming, clustering and committing for one core.
   * false: on the pipeline's thread, through the producer the dead letters use.
   */
  readonly publisherThread?: boolean;
}

export interface KafkaPipelineConfig {
  readonly brokers: readonly string[];
  /** Confluent-compatible registry URL; null: NDJSON input only, JSON output. */
  readonly registryUrl: string | null;
  readonly clientId: string;
  readonly topics: TopicNames;
  /** Partitions of the topics this program creates. */
  readonly partitions: number;
  /** Create missing topics (and report differences on existing ones). */
  readonly createTopics: boolean;
  readonly group: string;
  readonly sessionTimeoutMs: number;
  readonly maxWaitTimeMs?: number;
  readonly batchSize: number;
  readonly snapshotEveryRecords: number;
  readonly readyMaxLag: number;
  /** `ce_source` of published events. */
  readonly ceSource: string;
  readonly openStore: StoreOpener;
  readonly engines: EngineFactory;
  /**
   * Present: `--assignment domain`. Every member owns the partitions the group's sticky
   * assigner gives it and clusters each domain on them into that domain's own store.
   */
  readonly domains?: KafkaPipelineDeps['domains'];
  /** null: no health endpoint; 0: any free port. */
  readonly healthPort: number | null;
  readonly healthHost?: string;
  readonly relay?: RelayConfig;
  readonly drainMs?: number;
  readonly notice: (line: string) => void;
  readonly logLevel?: 'warn' | 'error';
  /** The pipeline's clock and timers (default: the system's). */
  readonly timers?: Timers;
}

export interface RunningKafkaPipeline {
  readonly pipeline: KafkaPipeline;
  /** What `/metrics` on the health port renders. */
  readonly metrics: MetricsRegistry;
  readonly healthPort: number | null;
  readonly topicReport: TopicReport;
  /** SIGTERM semantics: finish or abandon the batch, commit, leave the group, publish, close. */
  stop(): Promise<void>;
  /** Resolves after `stop()`; rejects when the pipeline failed on its own. */
  readonly done: Promise<void>;
}

export async function startKafkaPipeline(c: KafkaPipelineConfig): Promise<RunningKafkaPipeline> {
  const timers = c.timers ?? systemTimers;
  const metrics = new MetricsRegistry();
  // The health endpoint comes first: an orchestrator sees the process live (and not ready) while
  // it waits for Kafka or the registry, instead of a closed port it would take for a dead process,
  // and the report says which step startup is on and why it retries.
  const starting = new HealthState(c.group, c.topics.identity, c.readyMaxLag);
  let pipeline: KafkaPipeline | null = null;
  const health: HealthServer | null = c.healthPort === null ? null
    : await startHealthServer(() => (pipeline?.health ?? starting).report(), c.healthPort, c.healthHost, () => (pipeline === null ? '' : metrics.render()));
  if (health !== null) c.notice(`health endpoint on port ${health.port}`);
  try {
    return await assemble(c, timers, metrics, starting, health, (p) => { pipeline = p; });
  } catch (e) {
    await health?.close();
    throw e;
  }
}

async function assemble(
  c: KafkaPipelineConfig, timers: Timers, metrics: MetricsRegistry, starting: HealthState,
  health: HealthServer | null, started: (p: KafkaPipeline) => void,
): Promise<RunningKafkaPipeline> {
  const kafka = createKafka({ brokers: c.brokers, clientId: c.clientId, logLevel: c.logLevel ?? 'warn' });
  const registry = c.registryUrl === null ? null : new ConfluentRegistryClient(c.registryUrl, { clientId: c.clientId });
  const startup = new AbortController();
  const patiently = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    withBackoff(timers, fn, {
      signal: startup.signal, maxMs: 5_000, attempts: 12,
      onRetry: (e) => {
        starting.lastError = `${what}: ${(e as Error).message}`;
        c.notice(`${what}: ${(e as Error).message}; retrying`);
      },
    });

  let topicReport: TopicReport = { created: [], mismatches: [] };
  if (c.createTopics) {
    const admin = kafka.admin();
    try {
      await patiently('connecting to Kafka', async () => {
        try {
          await admin.connect();
        } catch (e) {
          throw fromKafkaJs(e, `connecting to ${c.brokers.join(',')}`);
        }
      });
      topicReport = await patiently('checking topics', () => ensureTopics(admin, topicSpecs(c.topics, c.partitions)));
    } finally {
      await admin.disconnect().catch(() => {});
    }
    for (const t of topicReport.created) c.notice(`created topic ${t}`);
    for (const m of topicReport.mismatches) c.notice(`topic settings differ: ${m}`);
  }

  // Registered here, before any worker exists: a registry outage at start is waited out the
  // same way whichever thread publishes, and a restarted publisher thread needs no registry.
  const ids: OutputSchemaIds | null = registry === null ? null
    : await patiently('registering output schemas', () => registerOutputSchemas(registry, c.topics));
  const { publisherThread = true, ...relayOptions } = c.relay ?? {};
  const messages = { topics: { events: c.topics.events, assignments: c.topics.assignments, table: c.topics.table }, source: c.ceSource };
  const sender = KafkaSender.create(kafka);
  const publisher: Publisher = publisherThread
    ? await ThreadedCampaignPublisher.start({
      connection: { brokers: c.brokers, clientId: c.clientId, logLevel: c.logLevel ?? 'warn' }, messages, ids,
    })
    : new KafkaCampaignPublisher(sender, messages, ids);
  const reader = new TopicReader(kafka, c.topics.identity, { groupPrefix: `${c.group}-reader` });
  const consumer = new GroupConsumer(kafka, {
    groupId: c.group,
    topic: c.topics.identity,
    sessionTimeoutMs: c.sessionTimeoutMs,
    ...(c.maxWaitTimeMs !== undefined ? { maxWaitTimeMs: c.maxWaitTimeMs } : {}),
    isFatal: () => pipeline.health.role === 'failed' || pipeline.health.role === 'stopping',
    assignment: c.domains !== undefined ? 'sticky' : 'single-owner',
  });
  const pipelineMetrics = registerPipelineMetrics(metrics, () => pipeline.metricsSample());
  const pipeline: KafkaPipeline = new KafkaPipeline(
    {
      group: consumer,
      input: new KafkaTopicInput(reader, new IdentityPayloadDecoder(registry)),
      deadLetters: new KafkaDeadLetterSink(sender, c.topics.deadLetter, c.topics.identity),
      publisher,
      openStore: c.openStore,
      engines: c.engines,
      ...(c.domains !== undefined ? { domains: c.domains } : {}),
      timers,
      notice: c.notice,
      metrics: pipelineMetrics,
    },
    {
      group: c.group,
      outboxName: c.topics.events,
      batchSize: c.batchSize,
      snapshotEveryRecords: c.snapshotEveryRecords,
      readyMaxLag: c.readyMaxLag,
      relay: relayOptions,
      ...(c.drainMs !== undefined ? { drainMs: c.drainMs } : {}),
    },
  );
  pipeline.health.topicMismatches = topicReport.mismatches;
  pipeline.health.lastError = starting.lastError;
  started(pipeline);

  const closeClients = async (): Promise<void> => {
    await health?.close();
    await publisher.close();
    await sender.close();
    await reader.close();
  };
  try {
    await pipeline.start();
  } catch (e) {
    await pipeline.stop().catch(() => {});
    await closeClients();
    throw e;
  }

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      startup.abort();
      await pipeline.stop();
      await closeClients();
    })();
    return stopping;
  };
  const done = pipeline.done.then(
    () => stop(),
    async (e: unknown) => {
      await closeClients();
      throw e;
    },
  );
  done.catch(() => {});
  return { pipeline, metrics, healthPort: health === null ? null : health.port, topicReport, stop, done };
}
