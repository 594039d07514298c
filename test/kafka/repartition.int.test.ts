/**
 * `campaigns repartition` against a real broker: a stream of mixed-domain records on an input
 * keyed by identity ends on the topic keyed by domain with every input record exactly once (read
 * committed), each on its domain's partition with the domain as key, bytes and headers unchanged,
 * in input order per input partition and domain; records whose domain cannot be read land on the
 * default domain's partition. Holds across a SIGKILL mid-stream and a restart, and with two
 * members sharing the input (partitions moving between them while records flow); a member
 * that lost its partition's transactional id to another cannot commit beside it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { domainKey, partitionOfDomain } from '../../src/adapters/kafka/domain-keys.ts';
import { SOURCE_HEADER, type ForwardedRecord } from '../../src/adapters/kafka/domain-routing.ts';
import { KafkaAdapterError } from '../../src/adapters/kafka/errors.ts';
import { toFetched, type FetchedMessage } from '../../src/adapters/kafka/messages.ts';
import { PartitionTransactions } from '../../src/adapters/kafka/partition-transactions.ts';
import type { OutgoingMessage } from '../../src/adapters/kafka/producer.ts';
import { startRepartition, type RunningRepartition } from '../../src/cli/wiring/repartition.ts';
import { domainName, type Domain } from '../../src/domain/domains.ts';
import { requireServices, waitFor } from '../support/services.ts';
import { header, IdentityProducer, spawnCli, testKafka, unique, within } from './support/kafka-test-kit.ts';

/** Identities live in one domain each; the first three spell the default domain three ways. */
const DOMAIN_SPELLINGS: ReadonlyArray<{ readonly field: unknown; readonly domain: Domain }> = [
  { field: undefined, domain: null }, { field: 'default', domain: null }, { field: null, domain: null },
  { field: 'fleet-a', domain: 'fleet-a' }, { field: 'fleet-b', domain: 'fleet-b' }, { field: 'tenant-7', domain: 'tenant-7' },
  { field: 'd01', domain: 'd01' }, { field: 'd02', domain: 'd02' },
];

/** Values the pipeline cannot read a domain from: the repartitioner forwards them as the default domain's. */
const UNREADABLE: ReadonlyArray<(i: number) => Buffer | null> = [
  (i) => Buffer.from(`{"type":"identity.observed","domain":"fleet-a","n":${i}`), // not JSON
  (i) => Buffer.from(JSON.stringify({ type: 'identity.retired', domain: 'Fleet/A', n: i })), // not a domain name
  () => null, // a tombstone
];

interface Sent {
  readonly message: OutgoingMessage;
  readonly domain: Domain;
  readonly readable: boolean;
}

/** Record `i` of the stream: mostly identity events of 40 identities, every 17th unreadable. */
function record(i: number): Sent {
  const identity = i % 40;
  const key = `identity-${identity}`;
  const headers = { 'x-record': String(i) };
  if (i % 17 === 5) return { message: { key, value: UNREADABLE[i % UNREADABLE.length](i), headers }, domain: null, readable: false };
  const { field, domain } = DOMAIN_SPELLINGS[identity % DOMAIN_SPELLINGS.length];
  const wire: Record<string, unknown> = {
    type: 'identity.observed', event_id: `e-${i}`, time: '2026-01-01T00:00:00Z', identity_uuid: key, version: i + 1,
    observation: { sessions: [], ttp: [], payload_hashes: [], c2_endpoints: [], asn: null, tools: [], ja3: null, hassh: null, kd_simhash: null },
  };
  if (field !== undefined) wire.domain = field;
  return { message: { key, value: Buffer.from(JSON.stringify(wire) + '\n'), headers }, domain, readable: true };
}

async function createTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
  } finally {
    await admin.disconnect();
  }
}

/** Committed offsets of `group` on `topic` summed, against the topic's end. */
async function progress(kafka: Kafka, group: string, topic: string): Promise<{ committed: number; end: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const committed = (offsets?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    return { committed, end: ends.reduce((n, p) => n + Number(p.high), 0) };
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every record of `topic` a read-committed consumer gets, by partition, read up to each
 * partition's end. The end is reached through transaction markers and aborted records too (a
 * consumer is never handed those, so the position is taken from kafkajs' batch events).
 */
async function readCommitted(kafka: Kafka, topic: string): Promise<Map<number, FetchedMessage[]>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  const groupId = unique('repartition-read');
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
  const out = new Map<number, FetchedMessage[]>([...ends.keys()].map((p) => [p, []]));
  const position = new Map<number, number>();
  let reached!: () => void;
  const done = new Promise<void>((resolve) => { reached = resolve; });
  const check = (): void => {
    if ([...ends].every(([p, end]) => (position.get(p) ?? 0) >= end)) reached();
  };
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    position.set(payload.partition, Math.max(position.get(payload.partition) ?? 0, Number(payload.lastOffset) + 1));
    check();
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachBatch: async ({ batch }) => { out.get(batch.partition)!.push(...batch.messages.map(toFetched)); } });
    check();
    await within(60_000, `reading ${topic} to its end`, done);
    return out;
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect();
  }
}

interface Outcome {
  readonly input: Map<number, FetchedMessage[]>;
  readonly output: Map<number, FetchedMessage[]>;
  readonly outputPartitions: number;
}

/** The assertions every scenario must pass, as named checks. */
function checkExactlyOnce(o: Outcome, sentCount: number): void {
  const inputs = new Map<string, { partition: number; m: FetchedMessage }>();
  for (const [partition, list] of o.input) for (const m of list) inputs.set(`${partition}@${m.offset}`, { partition, m });
  assert.equal(inputs.size, sentCount, 'the input holds what was sent');
  const seen = new Set<string>();
  for (const [partition, list] of o.output) {
    for (const m of list) {
      const source = header(m, SOURCE_HEADER) ?? '';
      const at = /^(.+)\/(\d+)@(\d+)$/.exec(source);
      assert.ok(at !== null, `a forwarded record names its source, got '${source}'`);
      assert.ok(!seen.has(`${at[2]}@${at[3]}`), `${source} is on the output once`);
      seen.add(`${at[2]}@${at[3]}`);
      const input = inputs.get(`${at[2]}@${at[3]}`);
      assert.ok(input !== undefined, `${source} is an input position`);
      const sent = record(Number(header(input.m, 'x-record')));
      assert.equal(header(m, 'x-record'), header(input.m, 'x-record'), `${source}: headers are copied`);
      assert.deepEqual(m.value, input.m.value, `${source}: the value is copied byte for byte`);
      assert.equal(m.key?.toString(), domainKey(sent.domain), `${source}: keyed by its domain`);
      assert.equal(partition, partitionOfDomain(sent.domain, o.outputPartitions), `${source}: on its domain's partition`);
    }
  }
  assert.equal(seen.size, inputs.size, 'every input record is on the output');
}

/** Per input partition and domain, the output holds the records in input order. */
function checkOrder(o: Outcome): void {
  const last = new Map<string, number>();
  for (const list of o.output.values()) {
    for (const m of list) {
      const [, p, offset] = /\/(\d+)@(\d+)$/.exec(header(m, SOURCE_HEADER)!)!;
      const k = `${p}:${m.key?.toString()}`;
      assert.ok((last.get(k) ?? -1) < Number(offset), `input partition ${p}, domain ${m.key?.toString()}: offset ${offset} after ${last.get(k)}`);
      last.set(k, Number(offset));
    }
  }
}

describe('campaigns repartition: killed mid-stream and restarted', { timeout: 240_000 }, () => {
  let kafka: Kafka;
  const from = `${unique('repart')}.identity`;
  const to = `${from}.by-domain`;
  const group = unique('repart-group');
  const total = 900;
  let committedAtKill = 0;
  let outcome: Outcome;
  let summary: Record<string, unknown>;

  before(async () => {
    const s = await requireServices(['kafka']);
    kafka = testKafka(s.kafkaBrokers!);
    await createTopic(kafka, from, 3);
    const args = ['repartition', '--brokers', s.kafkaBrokers!, '--group', group, '--from-topic', from, '--to-topic', to, '--partitions', '5', '--session-timeout', '6000'];
    const producer = IdentityProducer.create(kafka, null, from);
    // A steady stream: the kill lands while batches are being forwarded and committed.
    const producing = (async () => {
      for (let i = 0; i < total; i += 10) {
        await producer.sendRaw(Array.from({ length: Math.min(10, total - i) }, (_, k) => record(i + k).message));
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    const first = spawnCli(args);
    try {
      await first.line(/assigned partitions 0,1,2 /);
      committedAtKill = (await waitFor(async () => {
        const p = await progress(kafka, group, from);
        return p.committed >= 150 ? p : null;
      }, { timeoutMs: 60_000, intervalMs: 20, what: 'the first member to commit 150 records' })).committed;
      first.child.kill('SIGKILL');
      assert.equal((await first.exit).signal, 'SIGKILL');
    } finally {
      first.child.kill('SIGKILL');
    }
    await producing;
    await producer.close();

    const second = spawnCli(args);
    try {
      await second.line(/assigned partitions 0,1,2 /);
      await waitFor(async () => {
        const p = await progress(kafka, group, from);
        return p.end === total && p.committed === total;
      }, { timeoutMs: 90_000, intervalMs: 200, what: 'the restarted member to commit every input record' });
      second.child.kill('SIGTERM');
      assert.equal((await second.exit).code, 0, second.stderr.join('\n'));
    } finally {
      second.child.kill('SIGKILL');
    }
    summary = JSON.parse(second.stdout.join('').trim()) as Record<string, unknown>;
    outcome = { input: await readCommitted(kafka, from), output: await readCommitted(kafka, to), outputPartitions: 5 };
  });

  it('was killed after committing part of the stream, not all of it', () => {
    assert.ok(committedAtKill >= 150 && committedAtKill < total, `killed with ${committedAtKill} of ${total} committed`);
  });

  it('holds every input record exactly once, keyed and partitioned by its domain, bytes and headers unchanged', () => {
    checkExactlyOnce(outcome, total);
  });

  it('keeps the input order of each input partition within each domain', () => {
    checkOrder(outcome);
  });

  it("puts records whose domain cannot be read on the default domain's partition, keyed default", () => {
    const unreadable = [...outcome.output.values()].flat().filter((m) => !record(Number(header(m, 'x-record'))).readable);
    assert.ok(unreadable.length > 0);
    const defaultPartition = partitionOfDomain(null, 5);
    for (const m of unreadable) {
      assert.equal(m.key?.toString(), 'default');
      assert.ok(outcome.output.get(defaultPartition)!.includes(m));
    }
    assert.ok(unreadable.some((m) => m.value === null), 'a tombstone is forwarded as one');
  });

  it('reports, on a clean stop, what the restarted member forwarded by domain', () => {
    assert.equal(summary.stopped, true);
    const forwarded = summary.forwarded as number;
    const domains = summary.domains as Record<string, number>;
    assert.ok(forwarded > 0 && forwarded <= total - committedAtKill, JSON.stringify(summary));
    assert.equal(Object.values(domains).reduce((a, b) => a + b, 0), forwarded);
    assert.deepEqual(Object.keys(domains).sort(), [...new Set(DOMAIN_SPELLINGS.map((d) => domainName(d.domain)))].sort());
  });
});

describe('campaigns repartition: two members of one group', { timeout: 240_000 }, () => {
  let kafka: Kafka;
  const from = `${unique('repart2')}.identity`;
  const to = `${from}.by-domain`;
  const group = unique('repart2-group');
  let total = 0;
  const members: RunningRepartition[] = [];
  const assignments: string[][] = [[], []];
  let outcome: Outcome;

  before(async () => {
    const s = await requireServices(['kafka']);
    kafka = testKafka(s.kafkaBrokers!);
    await createTopic(kafka, from, 4);
    const start = (n: number): Promise<RunningRepartition> => startRepartition({
      brokers: s.kafkaBrokers!.split(','), registryUrl: null, clientId: `repart2-${n}`, group, from, to, partitions: null,
      sessionTimeoutMs: 6_000, maxWaitTimeMs: 100, logLevel: 'error',
      notice: (line) => {
        if (/^assigned partitions/.test(line)) assignments[n].push(line);
        if (process.env.KAFKA_TEST_VERBOSE) process.stderr.write(`[member ${n}] ${line}\n`);
      },
    });
    const producer = IdentityProducer.create(kafka, null, from);
    let secondAssigned = -1;
    try {
      members.push(await start(0));
      // A steady stream from before the second member joins until well after it has partitions:
      // they move to it while the first member is forwarding them.
      const producing = (async () => {
        while (secondAssigned < 0 || total < secondAssigned + 200) {
          await producer.sendRaw(Array.from({ length: 10 }, (_, k) => record(total + k).message));
          total += 10;
          if (secondAssigned < 0 && /assigned partitions \d/.test(assignments[1].at(-1) ?? '')) secondAssigned = total;
          await new Promise((r) => setTimeout(r, 30));
        }
      })();
      await waitFor(async () => (await progress(kafka, group, from)).committed > 0, { timeoutMs: 60_000, what: 'the first member to commit' });
      members.push(await start(1));
      await producing;
      await waitFor(async () => {
        const p = await progress(kafka, group, from);
        return p.end === total && p.committed === total;
      }, { timeoutMs: 90_000, intervalMs: 200, what: 'the two members to commit every input record' });
    } finally {
      await producer.close();
      await Promise.all(members.map((m) => m.stop()));
    }
    outcome = { input: await readCommitted(kafka, from), output: await readCommitted(kafka, to), outputPartitions: members[0].topics.to.partitions };
  });

  after(async () => {
    await Promise.all(members.map((m) => m.stop()));
  });

  it("creates the output with the input's partition count", () => {
    assert.equal(members[0].topics.to.partitions, 4);
    assert.equal(outcome.output.size, 4);
  });

  it('shared the input partitions between the members', () => {
    assert.match(assignments[1].at(-1) ?? '', /^assigned partitions \d/, assignments[1].join('\n'));
    assert.notEqual(assignments[0].at(-1), 'assigned partitions 0,1,2,3 of ' + from);
  });

  it('holds every input record exactly once, keyed and partitioned by its domain, in input order per partition and domain', () => {
    checkExactlyOnce(outcome, total);
    checkOrder(outcome);
  });

  it("counts, over both members, each committed record once", () => {
    const stats = members.map((m) => m.repartitioner.stats());
    assert.equal(stats[0].forwarded + stats[1].forwarded, total);
    assert.ok(stats[1].forwarded > 0, JSON.stringify(stats));
  });
});

describe('transactions of an input partition taken over by another member', { timeout: 60_000 }, () => {
  it("fence the former holder: its commit fails as retriable 'fenced', and only the new holder's records and offset are committed", async () => {
    const s = await requireServices(['kafka']);
    const kafka = testKafka(s.kafkaBrokers!);
    const from = `${unique('fence')}.identity`;
    const to = `${from}.by-domain`;
    const group = unique('fence-group');
    await createTopic(kafka, from, 1);
    await createTopic(kafka, to, 1);
    const options = { group, topic: from, partition: 0 };
    const former = new PartitionTransactions(kafka, options);
    const current = new PartitionTransactions(kafka, options);
    const rec = (n: string): ForwardedRecord => ({ partition: 0, key: 'default', value: Buffer.from(n), headers: {}, timestamp: String(Date.now()) });
    try {
      await former.fence();
      await former.commit(to, [rec('former-1')], 1);
      await current.fence();
      await assert.rejects(former.commit(to, [rec('former-2')], 2), (e: unknown) => {
        assert.ok(e instanceof KafkaAdapterError, String(e));
        assert.equal(e.code, 'fenced', e.message);
        assert.equal(e.retriable, true);
        return true;
      });
      await current.commit(to, [rec('current-2')], 2);
    } finally {
      await former.close();
      await current.close();
    }
    const values = [...(await readCommitted(kafka, to)).values()].flat().map((m) => m.value?.toString());
    assert.deepEqual(values, ['former-1', 'current-2']);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [from] });
      assert.equal(offsets.partitions[0].offset, '2');
    } finally {
      await admin.disconnect();
    }
  });
});

describe('campaigns repartition given Avro input without a registry', { timeout: 60_000 }, () => {
  it('stops with exit 1 and the reason instead of routing every Avro record to the default domain', async () => {
    const s = await requireServices(['kafka']);
    const kafka = testKafka(s.kafkaBrokers!);
    const from = `${unique('repart-avro')}.identity`;
    await createTopic(kafka, from, 1);
    const producer = IdentityProducer.create(kafka, null, from);
    try {
      // Confluent framing (magic byte 0, schema id 1) is all the decoder needs to see to ask a registry.
      await producer.sendRaw([{ key: 'i-1', value: Buffer.from([0, 0, 0, 0, 1, 2]), headers: {} }]);
    } finally {
      await producer.close();
    }
    // No registry from the environment either (a developer's or CI's services export SCHEMA_REGISTRY_URL).
    const child = spawnCli(['repartition', '--brokers', s.kafkaBrokers!, '--group', unique('repart-avro-group'), '--from-topic', from, '--to-topic', `${from}.by-domain`], { SCHEMA_REGISTRY_URL: '' });
    try {
      const { code } = await within(45_000, 'the repartitioner to stop', child.exit);
      assert.equal(code, 1, child.stderr.join('\n'));
      assert.match(child.stderr.join('\n'), /no schema registry is configured/);
    } finally {
      child.child.kill('SIGKILL');
    }
  });
});
