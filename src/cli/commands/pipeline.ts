/** `campaigns pipeline`: Kafka in, Kafka out (docs/KAFKA.md). */
import path from 'node:path';
import { DEFAULT_BROKERS, parseBrokers } from '../../adapters/kafka/client.ts';
import { DEFAULT_TOPICS, type TopicNames } from '../../adapters/kafka/topics.ts';
import { openPostgresSideStore } from '../../adapters/postgres/kafka-side-store.ts';
import { domainStoreUrl, registerPostgresDomain, storedPostgresDomains } from '../../adapters/postgres/domain-catalog.ts';
import { isPostgresUrl, openPostgresStore } from '../../adapters/postgres/open.ts';
import { openSqliteSideStore } from '../../adapters/sqlite/kafka-side-store.ts';
import type { Domain } from '../../domain/domains.ts';
import type { DomainStores, PipelineStore } from '../../pipeline/kafka/store.ts';
import { startKafkaPipeline, type KafkaPipelineConfig } from '../wiring/kafka-pipeline.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_SNAPSHOT_EVERY_RECORDS } from '../../pipeline/run.ts';
import { UsageError } from '../args.ts';
import { defineCommand } from '../command.ts';
import { enginesFor, profileOption } from '../engines.ts';
import { emit } from '../io.ts';
import { domainStoreDir, ensureDomainDir, openStoreForWriting, storedDomains } from '../store-dir.ts';

/**
 * Opens a store for the Kafka pipeline: a SQLite store directory or a `postgres://` URL, with
 * its Kafka side store. Throws `store_busy` (retriable) while another writer holds it.
 */
export async function openKafkaStore(spec: string, o: { writerThread?: boolean } = {}): Promise<PipelineStore> {
  if (isPostgresUrl(spec)) {
    // The side store takes the writer's advisory lock: take it before touching the store.
    const side = await openPostgresSideStore(spec);
    try {
      const s = await openPostgresStore(spec);
      return {
        describe: s.url, log: s.log, tables: s.tables, snapshots: s.snapshots, settings: s.settings, side,
        close: async () => {
          await s.close().catch(() => {});
          await side.close();
        },
      };
    } catch (e) {
      await side.close();
      throw e;
    }
  }
  const w = openStoreForWriting(spec, { writerThread: o.writerThread ?? true });
  try {
    const side = openSqliteSideStore(spec);
    return {
      describe: path.resolve(spec), log: w.store.log, tables: w.store.tables, snapshots: w.store.snapshots, settings: w.store.settings, side,
      close: async () => {
        await side.close();
        w.close();
      },
    };
  } catch (e) {
    w.close();
    throw e;
  }
}

/**
 * One store per domain for `--assignment domain`: the layout `campaigns run` writes
 * (`<dir>/` for the default domain, `<dir>/domains/<domain>/` for the others), so every read
 * command, `serve` and `replay` read a pipeline's domains as they read a run's.
 */
export function sqliteDomainStores(dir: string): DomainStores {
  return {
    known: async () => [null, ...storedDomains(dir)],
    open: async (domain: Domain) => {
      if (domain !== null) ensureDomainDir(dir, domain);
      // Appends on the pipeline's thread: a writer thread per domain would put dozens of
      // threads on a few cores for batches a few events long (measured: BENCHMARKS.md, Domains).
      return openKafkaStore(domainStoreDir(dir, domain), { writerThread: false });
    },
  };
}

const options = {
  brokers: { type: 'string', placeholder: 'host:port,…', description: `Kafka bootstrap brokers (env KAFKA_BROKERS; default ${DEFAULT_BROKERS})` },
  registry: { type: 'string', placeholder: 'url', description: 'Confluent-compatible schema registry, e.g. http://host:8081 (env SCHEMA_REGISTRY_URL; without it: NDJSON in, JSON out)' },
  store: { type: 'string', placeholder: 'dir|postgres://…', description: 'store: SQLite directory or PostgreSQL URL (env CAMPAIGNS_STORE)' },
  group: { type: 'string', placeholder: 'id', description: 'consumer group of the identity topic (env CAMPAIGNS_GROUP; default campaign-stream)' },
  'identity-topic': { type: 'string', placeholder: 'topic', description: `input topic (default ${DEFAULT_TOPICS.identity})` },
  'events-topic': { type: 'string', placeholder: 'topic', description: `campaign event log (default ${DEFAULT_TOPICS.events})` },
  'assignments-topic': { type: 'string', placeholder: 'topic', description: `identity → campaign, compacted (default ${DEFAULT_TOPICS.assignments})` },
  'table-topic': { type: 'string', placeholder: 'topic', description: `latest row per campaign, compacted (default ${DEFAULT_TOPICS.table})` },
  'dlq-topic': { type: 'string', placeholder: 'topic', description: `refused input (default ${DEFAULT_TOPICS.deadLetter})` },
  partitions: { type: 'integer', min: 1, default: 6, placeholder: 'N', description: 'partitions of the topics created at start' },
  'no-create-topics': { type: 'boolean', description: 'do not create missing topics (still report differing settings)' },
  'batch-size': { type: 'integer', min: 1, default: DEFAULT_BATCH_SIZE, placeholder: 'N', description: 'most valid events per batch (a fetched Kafka batch may close one earlier)' },
  'snapshot-every': { type: 'integer', min: 1, default: DEFAULT_SNAPSHOT_EVERY_RECORDS, placeholder: 'N', description: 'snapshot the engine after every N input records' },
  assignment: {
    type: 'string', placeholder: 'owner|domain',
    description: 'owner: one member clusters the whole topic as the default domain, the others are standbys; domain: every member owns the partitions the group gives it and clusters the domains on them (topic keyed by domain: docs/SCALING.md; env CAMPAIGNS_ASSIGNMENT; default owner)',
  },
  profile: { ...profileOption, description: `${profileOption.description} (env CAMPAIGNS_PROFILE)` },
  'health-port': { type: 'integer', min: 0, placeholder: 'port', description: 'serve /health, /health/live, /health/ready and /metrics on this port (env CAMPAIGNS_HEALTH_PORT; 0 = any)' },
  'health-host': { type: 'string', placeholder: 'addr', description: 'address of the health endpoint (default 0.0.0.0)' },
  'ready-max-lag': { type: 'integer', min: 0, default: 1000, placeholder: 'N', description: 'largest total lag still reported ready' },
  'session-timeout': { type: 'integer', min: 6000, default: 10_000, placeholder: 'ms', description: 'group session timeout: how soon a standby takes over from a dead owner' },
  'client-id': { type: 'string', placeholder: 'id', description: 'Kafka client id (default campaign-stream)' },
  'ce-source': { type: 'string', placeholder: 'uri', description: 'ce_source header of published events (default campaign-stream)' },
  'no-publisher-thread': { type: 'boolean', description: "publish on the pipeline's own thread instead of a worker thread with its own producer" },
} as const;

const env = (name: string): string | undefined => {
  const v = process.env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
};

export function topicNamesFrom(o: {
  'identity-topic'?: string; 'events-topic'?: string; 'assignments-topic'?: string; 'table-topic'?: string; 'dlq-topic'?: string;
}): TopicNames {
  return {
    identity: o['identity-topic'] ?? DEFAULT_TOPICS.identity,
    events: o['events-topic'] ?? DEFAULT_TOPICS.events,
    assignments: o['assignments-topic'] ?? DEFAULT_TOPICS.assignments,
    table: o['table-topic'] ?? DEFAULT_TOPICS.table,
    deadLetter: o['dlq-topic'] ?? (o['identity-topic'] !== undefined ? `${o['identity-topic']}.dlq` : DEFAULT_TOPICS.deadLetter),
  };
}

function assignmentOf(value: string | undefined): 'owner' | 'domain' {
  if (value === undefined || value === 'owner' || value === 'domain') return value ?? 'owner';
  throw new UsageError(`--assignment must be owner or domain, got '${value}'`);
}

/** One schema per domain (src/adapters/postgres/domain-catalog.ts), entered in the catalog before it is written. */
export function postgresDomainStores(url: string): DomainStores {
  return {
    known: async () => [null, ...await storedPostgresDomains(url)],
    open: async (domain: Domain) => {
      if (domain !== null) await registerPostgresDomain(url, domain);
      return openKafkaStore(domainStoreUrl(url, domain));
    },
  };
}

function domainAssignment(store: string, profile: string | undefined): KafkaPipelineConfig['domains'] {
  const stores = isPostgresUrl(store) ? postgresDomainStores(store) : sqliteDomainStores(store);
  return { stores, engines: (domain) => enginesFor(profile, domain) };
}

export const pipelineCommand = defineCommand({
  name: 'pipeline',
  summary: 'consume identity events from Kafka, publish campaign events and tables to Kafka',
  usage: '--store <dir|postgres://…> [--brokers host:port] [--registry url] [--group id] [--health-port N] …',
  description:
    'Joins the consumer group of the identity topic. One member of the group owns every partition and\n' +
    'clusters; the others wait as hot standbys and take over when it leaves or dies. The owner restores\n' +
    "its state from the store, resumes at the input position stored with the log, commits each batch's\n" +
    'campaign events, input position and table rows atomically, and publishes the log to the campaign\n' +
    'topics through an outbox relay (at-least-once, stable event ids). Refused input goes to the\n' +
    'dead-letter topic with its reason. SIGTERM/SIGINT: finish or abandon the current batch, commit, leave\n' +
    'the group, publish what is pending, exit 0. Configuration and guarantees: docs/KAFKA.md.',
  options,
  async run(opts, { io }) {
    const store = opts.store ?? env('CAMPAIGNS_STORE');
    if (store === undefined) throw new UsageError('--store is required (or set CAMPAIGNS_STORE)');
    const envPort = env('CAMPAIGNS_HEALTH_PORT');
    if (envPort !== undefined && !/^\d+$/.test(envPort)) throw new UsageError(`CAMPAIGNS_HEALTH_PORT must be a port number, got '${envPort}'`);
    const notice = (line: string): void => {
      io.stderr.write(`${new Date().toISOString()} campaigns pipeline: ${line}\n`);
    };
    const running = await startKafkaPipeline({
      brokers: parseBrokers(opts.brokers ?? env('KAFKA_BROKERS') ?? DEFAULT_BROKERS),
      registryUrl: opts.registry ?? env('SCHEMA_REGISTRY_URL') ?? null,
      clientId: opts['client-id'] ?? 'campaign-stream',
      topics: topicNamesFrom(opts),
      partitions: opts.partitions,
      createTopics: !opts['no-create-topics'],
      group: opts.group ?? env('CAMPAIGNS_GROUP') ?? 'campaign-stream',
      sessionTimeoutMs: opts['session-timeout'],
      batchSize: opts['batch-size'],
      snapshotEveryRecords: opts['snapshot-every'],
      readyMaxLag: opts['ready-max-lag'],
      ceSource: opts['ce-source'] ?? 'campaign-stream',
      openStore: () => openKafkaStore(store),
      engines: enginesFor(opts.profile ?? env('CAMPAIGNS_PROFILE')),
      ...(assignmentOf(opts.assignment ?? env('CAMPAIGNS_ASSIGNMENT')) === 'domain' ? { domains: domainAssignment(store, opts.profile ?? env('CAMPAIGNS_PROFILE')) } : {}),
      healthPort: opts['health-port'] ?? (envPort !== undefined ? Number(envPort) : null),
      healthHost: opts['health-host'] ?? '0.0.0.0',
      relay: { publisherThread: !opts['no-publisher-thread'] },
      notice,
    });
    const onSignal = (signal: NodeJS.Signals): void => {
      notice(`${signal}: stopping`);
      void running.stop();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    try {
      await running.done;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    const h = running.pipeline.health.report();
    await emit(io.stdout, JSON.stringify({
      stopped: true, last_batch: h.last_batch, head_sequence: h.head_sequence, published_sequence: h.published_sequence,
      dead_letters: h.dead_letters,
    }) + '\n');
    return 0;
  },
});
