/**
 * Helpers for the Kafka tests: unique topics and groups per test, producing identity events
 * (Avro through the real registry, or NDJSON), reading topics back, starting a pipeline on a
 * temporary SQLite store, and the oracles (embedded engine run, membership partitions).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import { AVRO_TYPES, identityWireToAvro, decodeCampaignEvent, decodeCampaignRow } from '../../../src/adapters/avro/codec.ts';
import { SCHEMA_JSON, valueSubject } from '../../../src/adapters/avro/schemas.ts';
import { createKafka } from '../../../src/adapters/kafka/client.ts';
import { IdentityPayloadDecoder } from '../../../src/adapters/kafka/identity-payloads.ts';
import type { FetchedMessage } from '../../../src/adapters/kafka/messages.ts';
import { KafkaPartitionSource } from '../../../src/adapters/kafka/partition-source.ts';
import { KafkaSender, type OutgoingMessage } from '../../../src/adapters/kafka/producer.ts';
import { ConfluentRegistryClient } from '../../../src/adapters/kafka/schema-registry.ts';
import { ensureTopics, topicSpecs, type TopicNames } from '../../../src/adapters/kafka/topics.ts';
import { TopicReader } from '../../../src/adapters/kafka/topic-reader.ts';
import { unframe } from '../../../src/adapters/kafka/wire-format.ts';
import { isPostgresUrl, openPostgresStore } from '../../../src/adapters/postgres/open.ts';
import { openSqliteStore } from '../../../src/adapters/sqlite/store.ts';
import { campaignEngines } from '../../../src/cli/engines.ts';
import { openKafkaStore } from '../../../src/cli/commands/pipeline.ts';
import { STORE_FILE } from '../../../src/cli/store-dir.ts';
import type { CampaignEvent } from '../../../src/domain/campaign-events.ts';
import type { Membership } from '../../../src/domain/engine-api.ts';
import type { IdentityEvent, PositionedEvent } from '../../../src/domain/identity-events.ts';
import { membershipOf, tablesFromRows, type CampaignRow } from '../../../src/domain/tables.ts';
import { identityEventToWire } from '../../../src/domain/validate.ts';
import type { BatchRecord } from '../../../src/ports/event-log.ts';
import { decodeRecord } from '../../../src/pipeline/decode.ts';
import type { EngineFactory } from '../../../src/pipeline/engine-factory.ts';
import type { HealthReport } from '../../../src/pipeline/kafka/health.ts';
import { NO_QUARANTINE } from '../../../src/pipeline/kafka/quarantine.ts';
import { startKafkaPipeline, type KafkaPipelineConfig, type RunningKafkaPipeline } from '../../../src/cli/wiring/kafka-pipeline.ts';

/** The reference fixtures live in `../shared/` beside the repository (DECNET_FIXTURE_DIR overrides). */
export const NOISE_FLOOR = path.join(
  process.env.DECNET_FIXTURE_DIR ?? fileURLToPath(new URL('../../../../shared/fixtures/decnet/', import.meta.url)), 'noise_floor.yaml');

export const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;

export function testTopics(prefix: string): TopicNames {
  const base = unique(prefix);
  return {
    identity: `${base}.identity`,
    events: `${base}.events`,
    assignments: `${base}.assign`,
    table: `${base}.table`,
    deadLetter: `${base}.identity.dlq`,
  };
}

export const testKafka = (brokers: string, clientId = 'kafka-tests'): Kafka =>
  createKafka({ brokers: brokers.split(','), clientId, logLevel: 'error' });

export async function createTestTopics(kafka: Kafka, topics: TopicNames, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, topicSpecs(topics, partitions));
  } finally {
    await admin.disconnect();
  }
}

export function tempStoreDir(prefix = 'cs-kafka-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An identity event as the message value upstream would send. */
export type Encoding = 'avro-v2' | 'avro-v1' | 'ndjson';

export class IdentityProducer {
  private ids = new Map<string, number>();
  private constructor(private readonly sender: KafkaSender, private readonly registry: ConfluentRegistryClient | null, readonly topic: string) {}

  static create(kafka: Kafka, registryUrl: string | null, topic: string): IdentityProducer {
    return new IdentityProducer(KafkaSender.create(kafka), registryUrl === null ? null : new ConfluentRegistryClient(registryUrl), topic);
  }

  private async schemaId(version: 1 | 2): Promise<number> {
    const key = `v${version}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = await this.registry!.register(valueSubject(this.topic), SCHEMA_JSON.identityEvent[version]);
      this.ids.set(key, id);
    }
    return id;
  }

  /** The value bytes of a wire object in the given encoding. */
  async value(wire: Record<string, unknown>, encoding: Encoding): Promise<Buffer> {
    if (encoding === 'ndjson') return Buffer.from(JSON.stringify(wire) + '\n');
    const version = encoding === 'avro-v1' ? 1 : 2;
    const body = AVRO_TYPES.identityEvent[version].toBuffer(identityWireToAvro(wire));
    const id = await this.schemaId(version);
    const out = Buffer.alloc(5 + body.length);
    out.writeInt32BE(id, 1);
    body.copy(out, 5);
    return out;
  }

  async sendRaw(messages: readonly OutgoingMessage[]): Promise<void> {
    // Small sends keep the input order per key identical to the given order.
    for (let i = 0; i < messages.length; i += 200) {
      await this.sender.send([{ topic: this.topic, messages: messages.slice(i, i + 200) }], 'test input');
    }
  }

  async send(events: readonly IdentityEvent[], encodingOf: (i: number) => Encoding = () => 'avro-v2'): Promise<void> {
    const messages: OutgoingMessage[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      const key = e.type === 'identity.observed' || e.type === 'identity.retired' ? e.identity_uuid
        : e.type === 'identity.merged' ? e.loser_uuid : e.type === 'identity.unmerged' ? e.resurrected_uuid : e.event_id;
      messages.push({ key, value: await this.value(identityEventToWire(e) as unknown as Record<string, unknown>, encodingOf(i)), headers: {} });
    }
    await this.sendRaw(messages);
  }

  close(): Promise<void> {
    return this.sender.close();
  }
}

/** Every message of every partition of a topic, up to its current end. */
export async function readTopic(kafka: Kafka, topic: string): Promise<Map<number, FetchedMessage[]>> {
  const reader = new TopicReader(kafka, topic, { groupPrefix: 'kafka-tests-read' });
  try {
    const out = new Map<number, FetchedMessage[]>();
    for (const [p, o] of await reader.offsets()) {
      const list: FetchedMessage[] = [];
      for await (const batch of reader.read(p, o.low, o.high)) list.push(...batch);
      out.set(p, list);
    }
    return out;
  } finally {
    await reader.close();
  }
}

export const allMessages = (byPartition: Map<number, FetchedMessage[]>): FetchedMessage[] =>
  [...byPartition.values()].flat();

export const header = (m: FetchedMessage, name: string): string | undefined => {
  const v = m.headers[name];
  if (v === undefined) return undefined;
  const one = Array.isArray(v) ? v[v.length - 1] : v;
  return Buffer.isBuffer(one) ? one.toString('utf8') : one;
};

/** Decodes an Avro value written by the pipeline, with the writer schema the registry holds. */
export async function decodeOutput(registryUrl: string, value: Buffer, kind: 'event'): Promise<CampaignEvent>;
export async function decodeOutput(registryUrl: string, value: Buffer, kind: 'row'): Promise<ReturnType<typeof decodeCampaignRow>>;
export async function decodeOutput(registryUrl: string, value: Buffer, kind: 'event' | 'row'): Promise<unknown> {
  const u = unframe(value);
  if (!u.ok) throw new Error(u.reason);
  const schema = await new ConfluentRegistryClient(registryUrl).schemaById(u.schemaId);
  return kind === 'event' ? decodeCampaignEvent(u.body, schema) : decodeCampaignRow(u.body, schema);
}

export interface TestPipelineOptions {
  readonly brokers: string;
  readonly registryUrl: string | null;
  readonly topics: TopicNames;
  readonly store: string;
  readonly group: string;
  readonly batchSize?: number;
  readonly snapshotEveryRecords?: number;
  readonly engines?: EngineFactory;
  readonly healthPort?: number | null;
  readonly quiet?: boolean;
  readonly notices?: string[];
}

export async function startTestPipeline(o: TestPipelineOptions): Promise<RunningKafkaPipeline> {
  const config: KafkaPipelineConfig = {
    brokers: o.brokers.split(','),
    registryUrl: o.registryUrl,
    clientId: 'kafka-tests',
    topics: o.topics,
    partitions: 3,
    createTopics: true,
    group: o.group,
    sessionTimeoutMs: 6_000,
    maxWaitTimeMs: 100,
    batchSize: o.batchSize ?? 1000,
    snapshotEveryRecords: o.snapshotEveryRecords ?? 50_000,
    readyMaxLag: 0,
    ceSource: 'campaign-stream/test',
    openStore: () => openKafkaStore(o.store),
    engines: o.engines ?? campaignEngines,
    healthPort: o.healthPort ?? null,
    healthHost: '127.0.0.1',
    relay: { idleMs: 100 },
    drainMs: 5_000,
    logLevel: 'error',
    notice: (line) => {
      o.notices?.push(line);
      if (process.env.KAFKA_TEST_VERBOSE) process.stderr.write(`[pipeline ${o.group}] ${line}\n`);
    },
  };
  return startKafkaPipeline(config);
}

/** Reads a store (SQLite directory, read-only, or PostgreSQL URL); the pipeline may still be writing. */
export async function readStore(spec: string): Promise<{
  events: CampaignEvent[]; batches: BatchRecord[]; rows: CampaignRow[]; membership: Membership[]; tablesSequence: number;
}> {
  const s = isPostgresUrl(spec)
    ? await openPostgresStore(spec, { readonly: true, poolSize: 1 })
    : openSqliteStore(path.join(spec, STORE_FILE), { readonly: true });
  try {
    const head = await s.log.head();
    const events = [...await s.log.read(1, head + 1)];
    const batches = [...await s.log.batches(1, 1_000_000)];
    const rows = [...await s.tables.rows()];
    const tablesSequence = await s.tables.sequence();
    return { events, batches, rows, membership: membershipOf(tablesFromRows(rows, tablesSequence)), tablesSequence };
  } finally {
    await s.close();
  }
}

/** Waits until the pipeline consumed everything on its topic and published its whole log; fails fast if it failed. */
/**
 * `p`, or a failure naming `what` after `ms`: a setup step that hangs says which step it was
 * (a before() hook once hung for minutes in a clean CI clone with nothing to tell where).
 */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function waitUntilDone(running: RunningKafkaPipeline, store: string, expectInputs: number, timeoutMs = 60_000): Promise<void> {
  let failed: Error | null = null;
  running.done.catch((e: unknown) => { failed = e as Error; });
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = running.pipeline.health.report();
    if (failed !== null || r.role === 'failed') throw new Error(`the pipeline failed: ${r.last_error ?? (failed as Error | null)?.message}`);
    if (r.role === 'active' && r.total_lag === 0 && r.head_sequence !== null && (r.published_sequence ?? 0) >= r.head_sequence) {
      const { batches } = await readStore(store);
      const consumed = batches.reduce((n, b) => n + b.input_count, 0);
      if (consumed >= expectInputs) return;
      last = `consumed ${consumed} of ${expectInputs}`;
    } else {
      last = JSON.stringify(r);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for the pipeline to consume ${expectInputs} inputs and publish its log; last: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Sorted identity sets: the partition of a membership, whatever the campaign ids. */
export function partitionOf(membership: readonly Membership[]): string[][] {
  const by = new Map<string, string[]>();
  for (const m of membership) {
    const list = by.get(m.campaign_uuid);
    if (list === undefined) by.set(m.campaign_uuid, [m.identity_uuid]);
    else list.push(m.identity_uuid);
  }
  return [...by.values()].map((l) => l.sort()).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** The embedded run: one batch of every event, with the engines a pipeline runs by default. */
export function embeddedMembership(events: readonly IdentityEvent[]): Membership[] {
  const engine = campaignEngines.create();
  engine.applyBatch(events.map((event, i) => ({ position: `embedded:${i}`, event })), { from: 'embedded:0', to: `embedded:${events.length}` });
  return engine.membership();
}

/**
 * The log an embedded engine writes when given exactly the batches a store recorded (read
 * back from the topic independently of the pipeline): must equal the store's log byte for byte.
 */
export async function replayRecordedBatches(kafka: Kafka, registryUrl: string | null, topic: string, batches: readonly BatchRecord[]): Promise<string[]> {
  const reader = new TopicReader(kafka, topic, { groupPrefix: 'kafka-tests-oracle' });
  const decoder = new IdentityPayloadDecoder(registryUrl === null ? null : new ConfluentRegistryClient(registryUrl));
  try {
    const engine = campaignEngines.create();
    const out: string[] = [];
    for (const b of batches) {
      const events: PositionedEvent[] = [];
      for (const seg of b.segments) {
        const partition = Number(seg.source.slice(seg.source.lastIndexOf('/') + 1));
        const source = new KafkaPartitionSource(topic, partition, { reader, decoder, quarantine: NO_QUARANTINE });
        let prev = seg.start.offset;
        for await (const batch of reader.read(partition, seg.start.offset, seg.end.offset)) {
          for (const s of await source.stage(batch, prev)) {
            prev = s.record.end.offset;
            const d = decodeRecord(s.record);
            if (d.ok) events.push(d.event);
          }
        }
      }
      if (events.length > 0) for (const e of engine.applyBatch(events, b.range).events) out.push(JSON.stringify(e));
    }
    return out;
  } finally {
    await reader.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes running the CLI (test/kafka/support/cli.ts).

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The real executable: tsx through `register()`, not `--import`, so nothing reaches a worker by execArgv. */
const BIN = fileURLToPath(new URL('../../../bin/campaigns.mjs', import.meta.url));

export interface CliChild {
  readonly child: ChildProcess;
  readonly stderr: string[];
  readonly stdout: string[];
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `re` in a stderr line. */
  line(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

export function spawnCli(args: readonly string[], env: Record<string, string> = {}, entry: 'test-cli' | 'bin' = 'test-cli'): CliChild {
  const argv = entry === 'bin' ? [BIN, ...args] : ['--import', 'tsx', CLI, ...args];
  const child = spawn(process.execPath, argv, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  const stdout: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (m: RegExpExecArray) => void }> = [];
  const onLine = (line: string): void => {
    stderr.push(line);
    if (process.env.KAFKA_TEST_VERBOSE) process.stderr.write(`[child ${child.pid}] ${line}\n`);
    for (const w of [...waiters]) {
      const m = w.re.exec(line);
      if (m !== null) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  let buf = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child, stderr, stdout, exit,
    line(re, timeoutMs = 60_000) {
      for (const l of stderr) {
        const m = re.exec(l);
        if (m !== null) return Promise.resolve(m);
      }
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no stderr line matched ${re} within ${timeoutMs} ms:\n${stderr.join('\n')}`)), timeoutMs);
        waiters.push({ re, resolve: (m) => { clearTimeout(t); resolve(m); } });
        void exit.then(({ code, signal }) => { clearTimeout(t); reject(new Error(`the child exited (${code ?? signal}) before a line matched ${re}:\n${stderr.join('\n')}`)); });
      });
    },
  };
}

export function pipelineArgs(o: { brokers: string; registryUrl: string; topics: TopicNames; store: string; group: string; extra?: readonly string[] }): string[] {
  return [
    'pipeline', '--store', o.store, '--brokers', o.brokers, '--registry', o.registryUrl, '--group', o.group,
    '--identity-topic', o.topics.identity, '--events-topic', o.topics.events, '--assignments-topic', o.topics.assignments,
    '--table-topic', o.topics.table, '--dlq-topic', o.topics.deadLetter, '--partitions', '3', '--session-timeout', '6000',
    '--ready-max-lag', '0', '--health-port', '0', '--health-host', '127.0.0.1', '--ce-source', 'campaign-stream/test',
    ...(o.extra ?? []),
  ];
}

export async function getHealth(port: number, where = '/health'): Promise<{ status: number; body: HealthReport }> {
  const res = await fetch(`http://127.0.0.1:${port}${where}`);
  return { status: res.status, body: await res.json() as HealthReport };
}

/** Polls a child's health endpoint until it has consumed `expectInputs` and published its log. */
export async function waitChildDone(port: number, store: string, expectInputs: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const { body: r } = await getHealth(port);
      if (r.role === 'active' && r.total_lag === 0 && r.head_sequence !== null && (r.published_sequence ?? 0) >= r.head_sequence) {
        const consumed = (await readStore(store)).batches.reduce((n, b) => n + b.input_count, 0);
        if (consumed >= expectInputs) return;
        last = `consumed ${consumed}/${expectInputs}`;
      } else last = JSON.stringify(r);
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the child pipeline; last: ${last}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
