/**
 * Domain assignment benchmark (issue #14): `campaigns pipeline --assignment domain` with 1
 * member and with 2 members on one 30-domain stream (whole processes, timed from spawn until the
 * group has committed every partition to its end), beside `campaigns run` on the same events as
 * one NDJSON file (the embedded whole process); then the time to hand a domain of
 * `--handover` identities to another member: the owner's release (SIGTERM: publish what is
 * pending, snapshot, close) and the heir's start (spawn, join, restore from that snapshot),
 * timed apart, then the heir's first new input.
 *
 * Usage: node --import tsx bench/domains.ts [identities-per-domain=2000] [--handover 100000] [--partitions 12]
 * Services: KAFKA_BROKERS, or started by scripts/services. Prints one JSON object.
 * On 2 cores shared with the broker there is no target: the ratio says what a second member buys here.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createKafka } from '../src/adapters/kafka/client.ts';
import { domainKey } from '../src/adapters/kafka/domain-keys.ts';
import { ensureTopics, topicSpecs, type TopicNames } from '../src/adapters/kafka/topics.ts';
import type { IdentityEvent } from '../src/domain/identity-events.ts';
import { identityEventToWire } from '../src/domain/validate.ts';
import { requireServices } from '../test/support/services.ts';
import { benchCorpus } from './corpus.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const perDomain = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 2_000);
const handoverIdentities = arg('handover', 100_000);
const partitions = arg('partitions', 12);
/** `--only members` skips the hand-over; `--only handover` the 1-vs-2 members runs. */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const DOMAINS = Array.from({ length: 30 }, (_, i) => `fleet-${String(i).padStart(2, '0')}`);
const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'campaigns.mjs');

const { kafkaBrokers } = await requireServices(['kafka']);
const brokers = kafkaBrokers!;
const kafka = createKafka({ brokers: brokers.split(','), clientId: 'bench-domains', logLevel: 'error' });
const admin = kafka.admin();
await admin.connect();
const base = `bench-domains-${Date.now().toString(36)}`;
const topicsOf = (name: string): TopicNames => ({
  identity: `${base}.${name}.identity`, events: `${base}.${name}.events`, assignments: `${base}.${name}.assign`,
  table: `${base}.${name}.table`, deadLetter: `${base}.${name}.dlq`,
});

const line = (e: IdentityEvent): string => JSON.stringify(identityEventToWire(e));

async function produce(topic: string, events: readonly IdentityEvent[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  // 1,000 a send: one partition's record batch must stay under the topic's 1 MiB message limit.
  for (let i = 0; i < events.length; i += 1_000) {
    await producer.send({ topic, messages: events.slice(i, i + 1_000).map((e) => ({ key: domainKey(e.domain ?? null), value: line(e) })) });
  }
  await producer.disconnect();
}

/** Every partition committed to its end by the group (it commits after every domain of a fetch is durable). */
async function caughtUp(topic: string, group: string): Promise<boolean> {
  const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
  const at = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
  if (process.env.BENCH_VERBOSE) process.stderr.write(`${ends.map((e) => `${e.partition}:${at.get(e.partition)}/${e.high}`).join(' ')}\n`);
  return ends.every((e) => Number(e.high) === 0 || at.get(e.partition) === Number(e.high));
}

interface Member {
  readonly child: ChildProcess;
  readonly lines: Array<{ at: number; text: string }>;
  readonly exited: Promise<number | null>;
}

function member(topics: TopicNames, store: string, group: string, extra: readonly string[] = []): Member {
  const child = spawn(process.execPath, [BIN, 'pipeline', '--store', store, '--brokers', brokers, '--group', group,
    '--identity-topic', topics.identity, '--events-topic', topics.events, '--assignments-topic', topics.assignments,
    '--table-topic', topics.table, '--dlq-topic', topics.deadLetter, '--partitions', String(partitions), '--no-create-topics',
    '--assignment', 'domain', '--session-timeout', '6000', ...extra], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SCHEMA_REGISTRY_URL: '' } });
  const lines: Member['lines'] = [];
  let buf = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    buf += c;
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
      lines.push({ at: performance.now(), text: buf.slice(0, i) });
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[member ${child.pid}] ${buf.slice(0, i)}\n`);
    }
  });
  return { child, lines, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

async function stop(m: Member): Promise<void> {
  m.child.kill('SIGTERM');
  await m.exited;
}

async function waitUntil(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 30 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  process.stderr.write(`bench domains: waiting for ${what}\n`);
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// --- 1 member vs 2 members, one 30-domain stream -------------------------------------------
const corpus = benchCorpus(perDomain);
const events: IdentityEvent[] = [];
for (let k = 0; k < corpus.length; k++) for (const d of DOMAINS) events.push({ ...corpus[k], domain: d });
const streamTopics = topicsOf('stream');
await ensureTopics(admin, topicSpecs(streamTopics, partitions));
await produce(streamTopics.identity, events);

async function membersRun(n: number): Promise<{ seconds: number }> {
  const store = mkdtempSync(path.join(tmpdir(), `bench-domains-${n}-`));
  const group = `${base}-members-${n}`;
  try {
    const t = performance.now();
    const ms = Array.from({ length: n }, () => member(streamTopics, store, group));
    await waitUntil(`${n} member(s) to consume the stream`, () => caughtUp(streamTopics.identity, group));
    const seconds = (performance.now() - t) / 1000;
    for (const m of ms) await stop(m);
    return { seconds };
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}

function fileRun(): number {
  const work = mkdtempSync(path.join(tmpdir(), 'bench-domains-run-'));
  try {
    const input = path.join(work, 'identity.ndjson');
    writeFileSync(input, events.map(line).join('\n') + '\n');
    const t = performance.now();
    const r = spawnSync(process.execPath, [BIN, 'run', '--input', input, '--store', path.join(work, 'store'), '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`campaigns run failed (${r.status}): ${r.stderr}`);
    return (performance.now() - t) / 1000;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const skipMembers = only === 'handover';
const one = skipMembers ? null : await membersRun(1);
const two = skipMembers ? null : await membersRun(2);
const runSeconds = skipMembers ? null : fileRun();

// --- hand-over of one large domain -------------------------------------------------------------
async function handover() {
  const big = benchCorpus(handoverIdentities, 7).map((e): IdentityEvent => ({ ...e, domain: 'big' }));
  await ensureTopics(admin, topicSpecs(handTopics, 1));
  await produce(handTopics.identity, big);
  const handStore = mkdtempSync(path.join(tmpdir(), 'bench-domains-handover-'));
  const handGroup = `${base}-handover`;
  const owner = member(handTopics, handStore, handGroup);
  const t0 = performance.now();
  await waitUntil('the owner to cluster the large domain', () => caughtUp(handTopics.identity, handGroup));
  const clusterSeconds = (performance.now() - t0) / 1000;
  // The owner leaves (SIGTERM: publish what is pending, snapshot, close), then the heir joins and
  // restores the domain from that snapshot: the two halves of a hand-over, timed apart.
  const released = performance.now();
  await stop(owner);
  const exitedAt = performance.now();
  const heir = member(handTopics, handStore, handGroup);
  const activeLine = /active: \d+ partition\(s\).* [1-9]\d* domain/;
  await waitUntil('the heir to own the large domain', () => heir.lines.some((l) => activeLine.test(l.text)), 10 * 60_000);
  const activeAt = heir.lines.find((l) => activeLine.test(l.text))!.at;
  const more = benchCorpus(1_000, 8).map((e): IdentityEvent => ({ ...e, identity_uuid: `more-${e.identity_uuid}`, event_id: `more-${e.event_id}`, domain: 'big' }));
  const p1 = performance.now();
  await produce(handTopics.identity, more);
  await waitUntil('the heir to consume new input', () => caughtUp(handTopics.identity, handGroup), 10 * 60_000);
  const firstInputSeconds = (performance.now() - p1) / 1000;
  await stop(heir);
  rmSync(handStore, { recursive: true, force: true });
  return {
    identities: handoverIdentities,
    events: big.length,
    first_owner_cluster_seconds: +clusterSeconds.toFixed(2),
    owner_release_seconds: +((exitedAt - released) / 1000).toFixed(2),
    heir_spawn_to_active_seconds: +((activeAt - exitedAt) / 1000).toFixed(2),
    handover_seconds: +((activeAt - released) / 1000).toFixed(2),
    heir_next_1000_identities_seconds: +firstInputSeconds.toFixed(2),
  };
}
const handTopics = topicsOf('handover');
const hand = only === 'members' ? null : await handover();

await admin.deleteTopics({ topics: [...Object.values(streamTopics), ...Object.values(handTopics)] }).catch(() => {});
await admin.disconnect();

console.log(JSON.stringify({
  bench: 'domains',
  date: new Date().toISOString().slice(0, 10),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, mem_gib: Math.round(totalmem() / 2 ** 30), node: process.version },
  domains: DOMAINS.length,
  partitions,
  identities_per_domain: perDomain,
  events: events.length,
  ...(one !== null && two !== null && runSeconds !== null ? {
    one_member_seconds: +one.seconds.toFixed(2),
    one_member_events_per_s: Math.round(events.length / one.seconds),
    two_members_seconds: +two.seconds.toFixed(2),
    two_members_events_per_s: Math.round(events.length / two.seconds),
    two_over_one: +(one.seconds / two.seconds).toFixed(3),
    file_run_seconds: +runSeconds.toFixed(2),
    file_run_events_per_s: Math.round(events.length / runSeconds),
  } : {}),
  ...(hand !== null ? { handover: hand } : {}),
}));
process.exit(0);
