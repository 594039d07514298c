/**
 * `pipeline --assignment domain` against the real broker: a topic of 12 partitions keyed by
 * domain, 30 domains, members in child processes sharing one store directory (one store per
 * domain). Every domain must end exactly as the embedded engine clusters its events alone,
 * through a SIGKILLed member (its domains move to the others: nothing lost, nothing applied
 * twice) and a member added mid-stream (domains handed over without a gap).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { domainKey, partitionOfDomain } from '../../src/adapters/kafka/domain-keys.ts';
import { domainStoreUrl } from '../../src/adapters/postgres/domain-catalog.ts';
import { domainStoreDir } from '../../src/cli/store-dir.ts';
import type { Membership } from '../../src/domain/engine-api.ts';
import type { IdentityEvent } from '../../src/domain/identity-events.ts';
import { identityEventToWire } from '../../src/domain/validate.ts';
import { simulateFixture } from '../../src/sim/scenario.ts';
import type { RunningServer } from '../../src/adapters/http/server.ts';
import { serve } from '../../src/cli/commands/serve.ts';
import { cli } from '../runtime/support/store-run.ts';
import { requireServices, waitFor } from '../support/services.ts';
import {
  allMessages, createTestTopics, embeddedMembership, getHealth, header, NOISE_FLOOR, partitionOf, pipelineArgs, readStore, readTopic,
  spawnCli, tempStoreDir, testKafka, testTopics, unique, type CliChild,
} from './support/kafka-test-kit.ts';

const PARTITIONS = 12;
const DOMAINS = Array.from({ length: 30 }, (_, i) => `fleet-${String(i).padStart(2, '0')}`);

let brokers: string;
let registryUrl: string;
let kafka: Kafka;

before(async () => {
  const s = await requireServices(['kafka', 'registry']);
  brokers = s.kafkaBrokers!;
  registryUrl = s.registryUrl!;
  kafka = testKafka(brokers);
});

/** Every domain's events (a different simulation per domain), tagged with the domain. */
function domainStreams(): Map<string, IdentityEvent[]> {
  const out = new Map<string, IdentityEvent[]>();
  DOMAINS.forEach((d, i) => out.set(d, simulateFixture(NOISE_FLOOR, 100 + i).emitted.events.map((e) => ({ ...e, domain: d }))));
  return out;
}

/** Produces `events` keyed by domain (the producer's default partitioner puts them on partitionOfDomain). */
async function produce(topic: string, events: readonly IdentityEvent[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += 200) {
      await producer.send({
        topic,
        messages: events.slice(i, i + 200).map((e) => ({ key: domainKey(e.domain ?? null), value: JSON.stringify(identityEventToWire(e)) + '\n' })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** The i-th slice of `parts` of every domain's events, interleaved round-robin across domains. */
function slice(streams: Map<string, IdentityEvent[]>, i: number, parts: number): IdentityEvent[] {
  const lists = [...streams.values()].map((l) => l.slice(Math.floor((l.length * i) / parts), Math.floor((l.length * (i + 1)) / parts)));
  const out: IdentityEvent[] = [];
  for (let k = 0; lists.some((l) => k < l.length); k++) for (const l of lists) if (k < l.length) out.push(l[k]);
  return out;
}

async function consumedPerDomain(store: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const d of DOMAINS) {
    try {
      const { batches } = await readStore(domainStoreDir(store, d));
      out.set(d, batches.reduce((n, b) => n + b.input_count, 0));
    } catch {
      out.set(d, 0); // not created yet
    }
  }
  return out;
}

describe('pipeline --assignment domain', { timeout: 240_000 }, () => {
  const store = tempStoreDir('cs-domains-');
  const members: CliChild[] = [];
  after(async () => {
    for (const m of members) m.child.kill('SIGKILL');
    await Promise.all(members.map((m) => m.exit));
    store.remove();
  });

  it('30 domains on 12 partitions over 3 members, one SIGKILLed and one added mid-stream: every domain as if clustered alone', async () => {
    const topics = testTopics('domains');
    await createTestTopics(kafka, topics, PARTITIONS);
    const group = unique('domains');
    const streams = domainStreams();
    const total = [...streams.values()].reduce((n, l) => n + l.length, 0);
    const join = (): CliChild => {
      // NDJSON in, JSON out: no registry (the campaign topics' Avro is tested elsewhere).
      const args = pipelineArgs({ brokers, registryUrl, topics, store: store.dir, group });
      args.splice(args.indexOf('--registry'), 2);
      args.splice(args.indexOf('--partitions'), 2);
      const m = spawnCli([
        ...args,
        '--assignment', 'domain', '--partitions', String(PARTITIONS), '--batch-size', '7',
      ], { SCHEMA_REGISTRY_URL: '' });
      members.push(m);
      return m;
    };
    const port = async (m: CliChild): Promise<number> => Number((await m.line(/health endpoint on port (\d+)/))[1]);

    const first = [join(), join(), join()];
    const ports = await Promise.all(first.map(port));
    await waitFor(async () => {
      const owned = await Promise.all(ports.map(async (p) => (await getHealth(p)).body.partitions.length));
      return owned.every((n) => n === 4);
    }, { what: 'three members owning four partitions each', timeoutMs: 60_000 });

    await produce(topics.identity, slice(streams, 0, 3));
    // The member to kill must have committed something of its own, so its domains really move.
    await waitFor(async () => ((await getHealth(ports[0])).body.last_batch ?? 0) > 0, { what: 'the first member to commit', timeoutMs: 60_000 });
    first[0].child.kill('SIGKILL');
    await first[0].exit;
    await produce(topics.identity, slice(streams, 1, 3));
    await waitFor(async () => {
      const owned = await Promise.all(ports.slice(1).map(async (p) => (await getHealth(p)).body.partitions.length));
      return owned.reduce((a, b) => a + b, 0) === PARTITIONS;
    }, { what: 'the survivors to take the dead member\'s partitions', timeoutMs: 60_000 });

    const fourth = join();
    const fourthPort = await port(fourth);
    await produce(topics.identity, slice(streams, 2, 3));
    await waitFor(async () => (await getHealth(fourthPort)).body.partitions.length > 0, { what: 'the added member to own partitions', timeoutMs: 60_000 });

    let last = '';
    await waitFor(async () => {
      const consumed = await consumedPerDomain(store.dir);
      const missing = DOMAINS.filter((d) => consumed.get(d) !== streams.get(d)!.length);
      last = missing.map((d) => `${d}: ${consumed.get(d)}/${streams.get(d)!.length}`).join(', ');
      return missing.length === 0;
    }, { what: `every domain to consume its events (${total} in all)`, timeoutMs: 120_000 }).catch((e: Error) => {
      throw new Error(`${e.message}; behind: ${last}`);
    });

    // Published (at least once) by whichever member held the domain, the relays a little behind the commits.
    const logged = new Set<string>();
    for (const d of DOMAINS) for (const e of (await readStore(domainStoreDir(store.dir, d))).events) logged.add(e.event_id);
    let published: ReturnType<typeof allMessages> = [];
    await waitFor(async () => {
      published = allMessages(await readTopic(kafka, topics.events));
      const ids = new Set(published.map((m) => JSON.parse(m.value!.toString()).event_id as string));
      return [...logged].every((id) => ids.has(id));
    }, { what: 'every logged event to be published', timeoutMs: 60_000 });
    for (const d of DOMAINS) {
      const { events, batches, membership } = await readStore(domainStoreDir(store.dir, d));
      const expected = embeddedMembership(streams.get(d)!.map(({ domain: _, ...e }) => e as IdentityEvent));
      assert.deepEqual(partitionOf(membership), partitionOf(expected), `domain ${d}: the partition clustered alone`);
      // Applied once: contiguous sequences, distinct ids, one partition, batches that never overlap.
      assert.deepEqual(events.map((e) => e.sequence), events.map((_, i) => i + 1), `domain ${d}: sequences`);
      assert.equal(new Set(events.map((e) => e.event_id)).size, events.length, `domain ${d}: event ids`);
      assert.ok(events.every((e) => e.domain === d), `domain ${d}: every event names its domain`);
      const sources = new Set(batches.flatMap((b) => b.segments.map((s) => s.source)));
      assert.deepEqual([...sources], [`${topics.identity}/${partitionOfDomain(d, PARTITIONS)}`], `domain ${d}: read from its partition only`);
      const starts = batches.flatMap((b) => b.segments.map((s) => [s.start.offset, s.end.offset] as const)).sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < starts.length; i++) assert.ok(starts[i][0] >= starts[i - 1][1], `domain ${d}: batches overlap at ${starts[i][0]}`);
    }
    // Every published event names its domain in the header, as its value does.
    for (const m of published) assert.equal(header(m, 'ce_domain'), JSON.parse(m.value!.toString()).domain);
    const rows = allMessages(await readTopic(kafka, topics.table));
    assert.ok(rows.length > 0 && rows.every((m) => DOMAINS.includes(header(m, 'ce_domain')!)), 'rows carry their domain');
  });
});

describe('pipeline --assignment domain: records on the wrong partition', { timeout: 120_000 }, () => {
  const store = tempStoreDir('cs-domains-misrouted-');
  let member: CliChild | null = null;
  after(async () => {
    member?.child.kill('SIGKILL');
    await member?.exit;
    store.remove();
  });

  it('dead-letters a valid event read off its domain\'s partition (domain_misrouted) and unreadable input off the default partition, and clusters the rest', async () => {
    const topics = testTopics('misrouted');
    await createTestTopics(kafka, topics, 3);
    const events = simulateFixture(NOISE_FLOOR, 7).emitted.events.map((e) => ({ ...e, domain: 'fleet-a' }));
    const home = partitionOfDomain('fleet-a', 3);
    const wrong = (home + 1) % 3 === partitionOfDomain(null, 3) ? (home + 2) % 3 : (home + 1) % 3;
    const stray = { ...events[0], event_id: 'stray-1' } as IdentityEvent;
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic: topics.identity,
        messages: [
          ...events.map((e) => ({ key: 'fleet-a', partition: home, value: JSON.stringify(identityEventToWire(e)) })),
          { key: 'fleet-a', partition: wrong, value: JSON.stringify(identityEventToWire(stray)) },
          { key: 'junk', partition: wrong, value: 'not json' },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const args = pipelineArgs({ brokers, registryUrl, topics, store: store.dir, group: unique('misrouted') });
    args.splice(args.indexOf('--registry'), 2);
    member = spawnCli([...args, '--assignment', 'domain'], { SCHEMA_REGISTRY_URL: '' });
    await waitFor(async () => {
      try {
        const { batches } = await readStore(domainStoreDir(store.dir, 'fleet-a'));
        return batches.reduce((n, b) => n + b.input_count, 0) === events.length;
      } catch {
        return false;
      }
    }, { what: 'fleet-a to be clustered', timeoutMs: 60_000 });
    let letters: ReturnType<typeof allMessages> = [];
    await waitFor(async () => (letters = allMessages(await readTopic(kafka, topics.deadLetter))).length >= 2,
      { what: 'two dead letters', timeoutMs: 30_000 });
    const codes = letters.map((m) => header(m, 'dlq.code')).sort();
    assert.deepEqual(codes, ['domain_misrouted', 'invalid_json']);
    const misrouted = letters.find((m) => header(m, 'dlq.code') === 'domain_misrouted')!;
    assert.match(header(misrouted, 'dlq.reason')!, new RegExp(`belongs on partition ${home} of `));
    const { membership } = await readStore(domainStoreDir(store.dir, 'fleet-a'));
    assert.deepEqual(partitionOf(membership), partitionOf(embeddedMembership(events.map(({ domain: _, ...e }) => e as IdentityEvent))));
  });
});

describe('pipeline --assignment domain on a PostgreSQL store', { timeout: 120_000 }, () => {
  let member: CliChild | null = null;
  let admin: pg.Client;
  const schema = `domains_${Date.now().toString(36)}`;
  let url: string;
  before(async () => {
    const { databaseUrl } = await requireServices(['postgres']);
    url = `${databaseUrl!}?schema=${schema}`;
    admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
  });
  after(async () => {
    member?.child.kill('SIGKILL');
    await member?.exit;
    const { rows } = await admin.query<{ n: string }>('SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE $1', [`${schema}%`]);
    for (const r of rows) await admin.query(`DROP SCHEMA ${pg.escapeIdentifier(r.n)} CASCADE`);
    await admin.end();
  });

  it('keeps each domain in a schema of its own, listed in the catalog, and the read commands print them by --domain', async () => {
    const topics = testTopics('pgdomains');
    await createTestTopics(kafka, topics, 3);
    const domains = ['fleet-a', 'fleet.b', 'default'];
    const streams = new Map(domains.map((d, i) => [d, simulateFixture(NOISE_FLOOR, 40 + i).emitted.events
      .map((e) => (d === 'default' ? e : { ...e, domain: d }))]));
    await produce(topics.identity, [...streams.values()].flat());
    const args = pipelineArgs({ brokers, registryUrl, topics, store: url, group: unique('pgdomains') });
    args.splice(args.indexOf('--registry'), 2);
    member = spawnCli([...args, '--assignment', 'domain'], { SCHEMA_REGISTRY_URL: '' });
    const done = async (d: string): Promise<boolean> => {
      const r = await cli(['events', '--store', url, '--domain', d]);
      return r.code === 0 && r.stdout.length > 0
        && (await readStore(domainStoreUrl(url, d === 'default' ? null : d))).batches.reduce((n, b) => n + b.input_count, 0) === streams.get(d)!.length;
    };
    await waitFor(async () => (await Promise.all(domains.map(done))).every(Boolean), { what: 'every domain to be clustered', timeoutMs: 60_000 });
    const { rows } = await admin.query<{ domain: string; schema_name: string }>(`SELECT domain, schema_name FROM ${pg.escapeIdentifier(schema)}.store_domains ORDER BY domain`);
    assert.deepEqual(rows.map((r) => r.domain), ['fleet-a', 'fleet.b']);
    assert.ok(rows.every((r) => r.schema_name.startsWith(`${schema}_d_`)));
    for (const d of domains) {
      const r = await cli(['membership', '--store', url, '--domain', d]);
      assert.equal(r.code, 0, r.stderr);
      const membership = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Membership);
      const alone = embeddedMembership(streams.get(d)!.map(({ domain: _, ...e }) => e as IdentityEvent));
      assert.deepEqual(partitionOf(membership), partitionOf(alone), `domain ${d}`);
    }
    const all = await cli(['tables', '--store', url]);
    assert.equal(all.code, 0, all.stderr);

    // serve answers every domain of the catalog.
    const stop = new AbortController();
    const sink = { write: () => true, once: () => undefined };
    let server: RunningServer | null = null;
    const served = serve({ store: url, port: 0, token: null, pollMs: 50, maxStreams: 2, maxPageSize: 100 },
      { stdout: sink, stderr: sink }, stop.signal, (s) => { server = s; });
    try {
      await waitFor(() => server !== null, { what: 'serve to listen' });
      const base = (server as unknown as RunningServer).url;
      const list = await (await fetch(`${base}/api/v1/domains`)).json() as { data: Array<{ name: string }> };
      assert.deepEqual(list.data.map((d) => d.name), ['default', 'fleet-a', 'fleet.b']);
      const page = await fetch(`${base}/api/v1/campaigns?domain=fleet.b`);
      assert.equal(page.status, 200);
    } finally {
      stop.abort();
      await served;
    }
  });
});

describe('pipeline --assignment domain: resuming a partition', { timeout: 120_000 }, () => {
  const store = tempStoreDir('cs-domains-resume-');
  const children: CliChild[] = [];
  after(async () => {
    for (const m of children) m.child.kill('SIGKILL');
    await Promise.all(children.map((m) => m.exit));
    store.remove();
  });

  it('starts after the last fetch every domain committed, not at the checkpoint of a domain silent since', async () => {
    const topics = testTopics('resume');
    await createTestTopics(kafka, topics, 1);
    const quiet = simulateFixture(NOISE_FLOOR, 3).emitted.events.map((e) => ({ ...e, domain: 'quiet' }));
    const busy = simulateFixture(NOISE_FLOOR, 4).emitted.events.map((e) => ({ ...e, domain: 'busy' }));
    const group = unique('resume');
    const start = (): CliChild => {
      const args = pipelineArgs({ brokers, registryUrl, topics, store: store.dir, group });
      args.splice(args.indexOf('--registry'), 2);
      const m = spawnCli([...args, '--assignment', 'domain'], { SCHEMA_REGISTRY_URL: '' });
      children.push(m);
      return m;
    };
    const consumed = async (d: string): Promise<number> => {
      try {
        return (await readStore(domainStoreDir(store.dir, d))).batches.reduce((n, b) => n + b.input_count, 0);
      } catch {
        return 0;
      }
    };
    await produce(topics.identity, quiet);
    await produce(topics.identity, busy);
    const first = start();
    await waitFor(async () => (await consumed('quiet')) === quiet.length && (await consumed('busy')) === busy.length,
      { what: 'both domains to be clustered', timeoutMs: 60_000 });
    await first.line(/reading from offset 0/);
    first.child.kill('SIGTERM');
    assert.equal((await first.exit).code, 0);

    const second = start();
    const at = Number((await second.line(/partition 0: reading from offset (\d+)/))[1]);
    assert.equal(at, quiet.length + busy.length, 'resumes at the end, past the quiet domain\'s last record');
    const more = simulateFixture(NOISE_FLOOR, 5).emitted.events.map((e) => ({ ...e, domain: 'quiet', event_id: `more-${e.event_id}` }));
    await produce(topics.identity, more);
    await waitFor(async () => (await consumed('quiet')) === quiet.length + more.length, { what: 'the quiet domain to go on', timeoutMs: 60_000 });
  });
});
