/**
 * Kafka end-to-end benchmark: identity events/s through the whole pipeline (consume, decode
 * Avro through the registry, validate, cluster, append to the SQLite store, publish events and
 * rows to the output topics), beside the raw kafkajs consume rate of the same topic (the
 * ceiling: fetch and nothing else), and beside `campaigns run` on the same events as an NDJSON
 * file (the embedded whole process, a child process timed from spawn to exit), all in one run.
 *
 * Usage: node --import tsx bench/kafka.ts [identities=20000] [--batch-size N] [--partitions N]
 * Services: KAFKA_BROKERS / SCHEMA_REGISTRY_URL, or started by scripts/services.
 * Prints one JSON object. The corpus is bench/corpus.ts (two observations per identity).
 */
import { cpus, totalmem, tmpdir } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { identityWireToAvro, AVRO_TYPES } from '../src/adapters/avro/codec.ts';
import { SCHEMA_JSON, valueSubject } from '../src/adapters/avro/schemas.ts';
import { createKafka } from '../src/adapters/kafka/client.ts';
import { KafkaSender, type OutgoingMessage } from '../src/adapters/kafka/producer.ts';
import { ConfluentRegistryClient } from '../src/adapters/kafka/schema-registry.ts';
import { ensureTopics, topicSpecs, type TopicNames } from '../src/adapters/kafka/topics.ts';
import { frame } from '../src/adapters/kafka/wire-format.ts';
import { openKafkaStore } from '../src/cli/commands/pipeline.ts';
import { campaignEngines } from '../src/cli/engines.ts';
import { identityEventToWire } from '../src/domain/validate.ts';
import { startKafkaPipeline } from '../src/cli/wiring/kafka-pipeline.ts';
import { requireServices } from '../test/support/services.ts';
import { benchCorpus } from './corpus.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const identities = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 20_000);
const batchSize = arg('batch-size', 1000);
const partitions = arg('partitions', 3);

const { kafkaBrokers, registryUrl } = await requireServices(['kafka', 'registry']);
const kafka = createKafka({ brokers: kafkaBrokers!.split(','), clientId: 'bench-kafka', logLevel: 'error' });
const base = `bench-${Date.now().toString(36)}`;
const topics: TopicNames = {
  identity: `${base}.identity`, events: `${base}.events`, assignments: `${base}.assign`, table: `${base}.table`, deadLetter: `${base}.dlq`,
};
const admin = kafka.admin();
await admin.connect();
await ensureTopics(admin, topicSpecs(topics, partitions));

// Input: the corpus as Avro values through the registry, keyed by identity.
const events = benchCorpus(identities);
const registry = new ConfluentRegistryClient(registryUrl!);
const schemaId = await registry.register(valueSubject(topics.identity), SCHEMA_JSON.identityEvent[2]);
const messages: OutgoingMessage[] = events.map((e) => ({
  key: e.identity_uuid,
  value: frame(schemaId, AVRO_TYPES.identityEvent[2].toBuffer(identityWireToAvro(identityEventToWire(e) as unknown as Record<string, unknown>))),
  headers: {},
}));
const sender = KafkaSender.create(kafka);
const p0 = performance.now();
for (let i = 0; i < messages.length; i += 5_000) {
  await sender.send([{ topic: topics.identity, messages: messages.slice(i, i + 5_000) }], 'bench input');
}
const produceSecs = (performance.now() - p0) / 1000;
await sender.close();
const bytes = messages.reduce((n, m) => n + (m.value?.length ?? 0), 0);

// Ceiling: a plain kafkajs consumer that only counts.
async function rawConsume(): Promise<number> {
  const consumer = kafka.consumer({ groupId: `${base}-raw`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.identity], fromBeginning: true });
  let seen = 0;
  let started = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => { done = r; });
  // Timed from the group join, like the pipeline (from the moment it owns the topic).
  consumer.on(consumer.events.GROUP_JOIN, () => { started = performance.now(); });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      if (seen >= messages.length) done();
    },
  });
  await all;
  const secs = (performance.now() - started) / 1000;
  await consumer.disconnect();
  return secs;
}
const rawSecs = await rawConsume();

/** `campaigns run` on the same events (the embedded path), whole process, for the ratio. */
function fileRun(): { seconds: number; campaign_events: number } {
  const work = mkdtempSync(path.join(tmpdir(), 'bench-kafka-run-'));
  try {
    const input = path.join(work, 'identity.ndjson');
    writeFileSync(input, events.map((e) => JSON.stringify(identityEventToWire(e))).join('\n') + '\n');
    const t = performance.now();
    const r = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '..', 'bin', 'campaigns.mjs'), 'run', '--input', input, '--store', path.join(work, 'store'), '--json'],
      { encoding: 'utf8', maxBuffer: 1 << 26 });
    const seconds = (performance.now() - t) / 1000;
    if (r.status !== 0) throw new Error(`campaigns run failed (${r.status}): ${r.stderr}`);
    return { seconds, campaign_events: (JSON.parse(r.stdout) as { events_appended: number }).events_appended };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
const run = fileRun();

// The pipeline, from the moment it owns the topic to the moment everything is published.
const dir = mkdtempSync(path.join(tmpdir(), 'bench-kafka-'));
global.gc?.();
const running = await startKafkaPipeline({
  brokers: kafkaBrokers!.split(','), registryUrl: registryUrl!, clientId: 'bench-kafka', topics, partitions, createTopics: false,
  group: `${base}-pipeline`, sessionTimeoutMs: 10_000, maxWaitTimeMs: 100, batchSize, snapshotEveryRecords: 1_000_000_000,
  readyMaxLag: 0, ceSource: 'bench', openStore: () => openKafkaStore(dir), engines: campaignEngines, healthPort: null,
  relay: { idleMs: 50, maxEvents: 5_000 }, notice: () => {}, logLevel: 'error',
});
const h = running.pipeline.health;
let activeAt = 0;
let consumedAt = 0;
let rssPeak = 0;
for (;;) {
  const now = performance.now();
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  if (activeAt === 0 && h.role === 'active') activeAt = now;
  const r = h.report();
  if (consumedAt === 0 && r.total_lag === 0 && (r.last_batch ?? 0) > 0) consumedAt = now;
  if (consumedAt > 0 && r.head_sequence !== null && (r.published_sequence ?? 0) >= r.head_sequence) break;
  await new Promise((res) => setTimeout(res, 20));
}
const doneAt = performance.now();
const report = h.report();
await running.stop();
rmSync(dir, { recursive: true, force: true });
await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
await admin.deleteGroups([`${base}-raw`, `${base}-pipeline`]).catch(() => {});
await admin.disconnect();

const pipelineSecs = (doneAt - activeAt) / 1000;
console.log(JSON.stringify({
  date: new Date().toISOString().slice(0, 10),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, mem_gib: Math.round(totalmem() / 2 ** 30), node: process.version },
  identities,
  events: messages.length,
  avg_value_bytes: Math.round(bytes / messages.length),
  partitions,
  batch_size: batchSize,
  produce_events_per_s: Math.round(messages.length / produceSecs),
  raw_consume_seconds: +rawSecs.toFixed(2),
  raw_consume_events_per_s: Math.round(messages.length / rawSecs),
  pipeline_seconds: +pipelineSecs.toFixed(2),
  pipeline_events_per_s: Math.round(messages.length / pipelineSecs),
  file_run_seconds: +run.seconds.toFixed(2),
  file_run_events_per_s: Math.round(messages.length / run.seconds),
  pipeline_over_file_run: +(run.seconds / pipelineSecs).toFixed(3),
  file_run_campaign_events: run.campaign_events,
  consume_to_caught_up_seconds: +((consumedAt - activeAt) / 1000).toFixed(2),
  publish_tail_seconds: +((doneAt - consumedAt) / 1000).toFixed(2),
  batches: report.last_batch,
  campaign_events: report.head_sequence,
  rss_peak_mb: Math.round(rssPeak / 2 ** 20),
}));
process.exit(0);
