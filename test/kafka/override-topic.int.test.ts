/**
 * `campaigns override … --topic` against a real broker (and registry): each override is one
 * message on the topic, keyed as upstream keys identity events (or by domain on a topic keyed by
 * domain), whose value the pipeline's own decoder reads back as the override the command
 * printed: NDJSON without a registry, Avro (identity-event v4, Confluent framing) with one.
 * And `campaigns serve --overrides-topic`, as a child process: a posted override lands there.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { partitionOfDomain } from '../../src/adapters/kafka/domain-keys.ts';
import { IdentityPayloadDecoder } from '../../src/adapters/kafka/identity-payloads.ts';
import type { FetchedMessage } from '../../src/adapters/kafka/messages.ts';
import { ConfluentRegistryClient } from '../../src/adapters/kafka/schema-registry.ts';
import { isFramed } from '../../src/adapters/kafka/wire-format.ts';
import { validateIdentityEvent } from '../../src/domain/validate.ts';
import { cli } from '../runtime/support/store-run.ts';
import { requireServices } from '../support/services.ts';
import { readTopic, spawnCli, testKafka, unique, within } from './support/kafka-test-kit.ts';

const T = '2026-02-01T00:00:00Z';
const PARTITIONS = 3;

let brokers: string;
let registryUrl: string;
let kafka: Kafka;
const base = unique('override');
/** An identity topic, and a topic keyed by domain (as `campaigns repartition` writes one). */
const topics = { identity: `${base}.identity`, byDomain: `${base}.by-domain`, served: `${base}.served` };

before(async () => {
  const s = await requireServices(['kafka', 'registry']);
  brokers = s.kafkaBrokers!;
  registryUrl = s.registryUrl!;
  kafka = testKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITIONS })) });
  } finally {
    await admin.disconnect();
  }
});

/**
 * `campaigns override` in this process. The registry comes only from `--registry`: the
 * environment's SCHEMA_REGISTRY_URL (set for these tests) is hidden for the call.
 */
async function override(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = process.env.SCHEMA_REGISTRY_URL;
  process.env.SCHEMA_REGISTRY_URL = '';
  try {
    return await cli(['override', ...argv, '--brokers', brokers, '--author', 'kim', '--reason', 'test', '--time', T]);
  } finally {
    if (saved === undefined) delete process.env.SCHEMA_REGISTRY_URL;
    else process.env.SCHEMA_REGISTRY_URL = saved;
  }
}

async function produced(argv: string[]): Promise<Record<string, unknown>> {
  const r = await override(argv);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Every message of the topic with its partition, by the event id its value carries. */
async function messagesOf(topic: string): Promise<Map<string, { partition: number; message: FetchedMessage; wire: unknown }>> {
  const decoder = new IdentityPayloadDecoder(new ConfluentRegistryClient(registryUrl));
  const out = new Map<string, { partition: number; message: FetchedMessage; wire: unknown }>();
  for (const [partition, list] of await readTopic(kafka, topic)) {
    await decoder.prepare(list.map((m) => m.value));
    for (const message of list) {
      const { payload } = decoder.decode(message.value);
      const wire = payload.kind === 'text' ? JSON.parse(payload.text) : payload.kind === 'object' ? payload.value : assert.fail(payload.reason);
      out.set((wire as { event_id: string }).event_id, { partition, message, wire });
    }
  }
  return out;
}

describe('campaigns override --topic', () => {
  let messages: Awaited<ReturnType<typeof messagesOf>>;
  const printed = new Map<string, Record<string, unknown>>();

  before(async () => {
    const identity = ['--topic', topics.identity];
    printed.set('ov-1', await produced(['cannot-link', 'a', 'c', ...identity, '--event-id', 'ov-1']));
    printed.set('ov-2', await produced(['pin', 'x', 'a', ...identity, '--event-id', 'ov-2']));
    printed.set('lb-1', await produced(['label', 'camp-1', '--name', 'Kettle', '--tag', 'apt', ...identity, '--event-id', 'lb-1', '--registry', registryUrl]));
    printed.set('rv-1', await produced(['revoke', 'ov-1', ...identity, '--event-id', 'rv-1']));
    const byDomain = ['--topic', topics.byDomain, '--key-by', 'domain'];
    printed.set('ov-3', await produced(['must-link', 'p', 'q', ...byDomain, '--event-id', 'ov-3', '--domain', 'fleet-b']));
    printed.set('ov-4', await produced(['must-link', 'p', 'q', ...byDomain, '--event-id', 'ov-4']));
    messages = new Map([...await messagesOf(topics.identity), ...await messagesOf(topics.byDomain)]);
  });

  it('writes one message per override, whose value decodes to exactly the override printed', () => {
    assert.deepEqual([...messages.keys()].sort(), [...printed.keys()].sort());
    for (const [id, wire] of printed) {
      assert.deepEqual(messages.get(id)!.wire, wire, id);
      assert.ok(validateIdentityEvent(wire).ok, id);
    }
  });

  it('keys a link or pin by its first identity, a label by its campaign, a revoke by the override it revokes', () => {
    const key = (id: string) => messages.get(id)!.message.key?.toString('utf8');
    assert.deepEqual(['ov-1', 'ov-2', 'lb-1', 'rv-1'].map(key), ['a', 'x', 'camp-1', 'ov-1']);
  });

  it('with --registry the value is Avro in the Confluent framing, without it NDJSON text', () => {
    assert.ok(isFramed(messages.get('lb-1')!.message.value!), 'the label went through the registry');
    for (const id of ['ov-1', 'ov-2', 'rv-1']) assert.equal(messages.get(id)!.message.value!.toString('utf8'), JSON.stringify(printed.get(id)), id);
  });

  it("with --key-by domain, keys by the domain's name and lands on that domain's partition", () => {
    const fleet = messages.get('ov-3')!;
    assert.equal(fleet.message.key?.toString('utf8'), 'fleet-b');
    assert.equal(fleet.partition, partitionOfDomain('fleet-b', PARTITIONS));
    const home = messages.get('ov-4')!;
    assert.equal(home.message.key?.toString('utf8'), 'default');
    assert.equal(home.partition, partitionOfDomain(null, PARTITIONS));
  });
});

describe('campaigns override --topic: refusals', () => {
  it('a topic that does not exist fails (exit 1, topic_missing) and prints no override', async () => {
    const r = await override(['must-link', 'a', 'b', '--topic', `${topics.identity}.missing`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /topic_missing/);
    assert.equal(r.stdout, '');
  });

  it('takes exactly one of --file and --topic, and the Kafka flags only with --topic', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['must-link', 'a', 'b'], /give one of --file and --topic/],
      [['must-link', 'a', 'b', '--file', 'x.ndjson', '--topic', topics.identity], /give one of --file and --topic, not both/],
      [['must-link', 'a', 'b', '--file', 'x.ndjson', '--key-by', 'domain'], /--key-by is for --topic/],
      [['must-link', 'a', 'b', '--topic', topics.identity, '--key-by', 'tenant'], /--key-by is one of identity, domain/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(['override', ...argv, '--author', 'kim', '--reason', 'test']);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, message);
    }
  });
});

describe('campaigns serve --overrides-topic', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cs-serve-overrides-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('produces a posted override to the topic (Avro through the registry) and answers 202 accepted: topic', async () => {
    const events = path.join(dir, 'events.ndjson');
    writeFileSync(events, JSON.stringify({ type: 'identity.observed', event_id: 'o-1', time: T, identity_uuid: 'a', version: 1, observation: {} }) + '\n');
    const store = path.join(dir, 'store');
    assert.equal((await cli(['run', '--input', events, '--store', store])).code, 0);
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'tok\n');
    const child = spawnCli([
      'serve', '--store', store, '--port', '0', '--token-file', tokenFile,
      '--overrides-topic', topics.served, '--brokers', brokers, '--registry', registryUrl,
    ], {}, 'bin');
    try {
      const [, url] = await child.line(/ on (http:\/\/127\.0\.0\.1:\d+)\//);
      await child.line(new RegExp(`go to the topic ${topics.served.replace(/\./g, '\\.')}`));
      const res = await fetch(`${url}/api/v1/overrides`, {
        method: 'POST', headers: { Authorization: 'Bearer tok', 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'analyst.pin', identity_uuid: 'x', anchor_uuid: 'a', author: 'kim', reason: 'same keyboard' }),
      });
      assert.equal(res.status, 202);
      const answer = await res.json() as { accepted: string; event_id: string; override: Record<string, unknown> };
      assert.equal(answer.accepted, 'topic');
      const got = (await messagesOf(topics.served)).get(answer.event_id);
      assert.ok(got !== undefined, 'the override is on the topic');
      assert.ok(isFramed(got.message.value!));
      assert.deepEqual(got.wire, answer.override);
      assert.equal(got.message.key?.toString('utf8'), 'x');
    } finally {
      child.child.kill('SIGTERM');
      await within(20_000, 'serve stopping', child.exit);
    }
  });
});

after(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
  await admin.disconnect();
});
