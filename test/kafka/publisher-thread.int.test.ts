/**
 * The publisher thread on the real broker and registry: for the same runs it puts exactly the
 * messages the in-thread publisher puts (keys, headers, Avro values, byte for byte, partition by
 * partition); a broker it cannot reach fails a publish with the in-thread publisher's code and
 * `retriable` flag and the same worker publishes once the broker is back; a worker that dies
 * rejects its run retriably and the next publish starts a fresh one, until it dies too often in a
 * row; a worker that cannot start fails the start; close() ends it, and a process that used it
 * exits by itself. The pipeline itself runs with the publisher thread under tsx's `register()`
 * (bin/campaigns.mjs), the way operators start it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import { registerOutputSchemas, type OutputSchemaIds } from '../../src/adapters/kafka/campaign-messages.ts';
import { KafkaCampaignPublisher } from '../../src/adapters/kafka/campaign-publisher.ts';
import { createKafka } from '../../src/adapters/kafka/client.ts';
import { isKafkaAdapterError, type KafkaAdapterError } from '../../src/adapters/kafka/errors.ts';
import type { FetchedMessage } from '../../src/adapters/kafka/messages.ts';
import { KafkaSender } from '../../src/adapters/kafka/producer.ts';
import { ThreadedCampaignPublisher, type PublisherThreadOptions } from '../../src/adapters/kafka/publisher-thread.ts';
import { ConfluentRegistryClient } from '../../src/adapters/kafka/schema-registry.ts';
import type { TopicNames } from '../../src/adapters/kafka/topics.ts';
import { simulateFixture } from '../../src/sim/scenario.ts';
import type { PublishedRow } from '../../src/ports/publisher.ts';
import { requireServices } from '../support/services.ts';
import { campaignRun, type CampaignRun } from './support/campaign-runs.ts';
import {
  allMessages, createTestTopics, decodeOutput, header, IdentityProducer, NOISE_FLOOR, pipelineArgs, readStore, readTopic,
  spawnCli, tempStoreDir, testKafka, testTopics, unique, waitChildDone,
} from './support/kafka-test-kit.ts';
import { TcpProxy } from './support/tcp-proxy.ts';

const SOURCE = 'campaign-stream/test';
const outputs = (t: TopicNames) => ({ events: t.events, assignments: t.assignments, table: t.table });

/** A message as bytes: what a subscriber of that partition reads, in order. */
const asBytes = (m: FetchedMessage) => ({
  key: m.key?.toString('hex') ?? null,
  value: m.value?.toString('hex') ?? null,
  headers: Object.entries(m.headers).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : String(v)]),
});

async function topicBytes(kafka: Kafka, topic: string): Promise<Record<number, ReturnType<typeof asBytes>[]>> {
  const out: Record<number, ReturnType<typeof asBytes>[]> = {};
  for (const [p, list] of await readTopic(kafka, topic)) out[p] = list.sort((a, b) => a.offset - b.offset).map(asBytes);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<KafkaAdapterError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isKafkaAdapterError(e), `expected a KafkaAdapterError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected the publish to fail');
}

/** The run cut in two publishes, rows with the second (as the relay would send a long log). */
const inTwo = (run: CampaignRun): Array<[CampaignRun['events'], PublishedRow[]]> => {
  const half = Math.floor(run.events.length / 2);
  return [[run.events.slice(0, half), []], [run.events.slice(half), run.rows]];
};

describe('publisher thread', { timeout: 240_000 }, () => {
  let brokers: string;
  let registryUrl: string;
  let kafka: Kafka;
  const opened: ThreadedCampaignPublisher[] = [];
  const threaded = async (o: Partial<PublisherThreadOptions> & Pick<PublisherThreadOptions, 'messages'>): Promise<ThreadedCampaignPublisher> => {
    const p = await ThreadedCampaignPublisher.start({
      connection: { brokers: brokers.split(','), clientId: 'kafka-tests', logLevel: 'error' }, ids: null, ...o,
    });
    opened.push(p);
    return p;
  };

  before(async () => {
    const s = await requireServices(['kafka', 'registry']);
    brokers = s.kafkaBrokers!;
    registryUrl = s.registryUrl!;
    kafka = testKafka(brokers);
  });

  after(async () => {
    for (const p of opened) await p.close();
  });

  it('puts the same messages as the in-thread publisher: keys, headers and Avro values byte for byte, per partition', async () => {
    const inThread = testTopics('pub-inthread');
    const onWorker = testTopics('pub-thread');
    await createTestTopics(kafka, inThread, 3);
    await createTestTopics(kafka, onWorker, 3);
    // One set of schema ids for both (ids come from the main thread either way): equal ids, so equal bytes are expected.
    const ids: OutputSchemaIds = await registerOutputSchemas(new ConfluentRegistryClient(registryUrl), outputs(inThread));
    const run = campaignRun(300);

    const sender = KafkaSender.create(kafka);
    const reference = new KafkaCampaignPublisher(sender, { topics: outputs(inThread), source: SOURCE }, ids);
    const worker = await threaded({ messages: { topics: outputs(onWorker), source: SOURCE }, ids });
    const acks: { inThread: number[]; onWorker: number[] } = { inThread: [], onWorker: [] };
    try {
      for (const [events, rows] of inTwo(run)) {
        await reference.publish(events, rows, (s) => acks.inThread.push(s));
        await worker.publish(events, rows, (s) => acks.onWorker.push(s));
      }
    } finally {
      await sender.close();
    }
    // Acknowledged chunk by chunk, the same chunks, ending at each run's last event.
    assert.deepEqual(acks.onWorker, acks.inThread);
    assert.ok(acks.onWorker.length >= 2);
    assert.ok(acks.onWorker.includes(run.events[run.events.length - 1].sequence));

    for (const kind of ['events', 'assignments', 'table'] as const) {
      const expected = await topicBytes(kafka, inThread[kind]);
      assert.ok(Object.values(expected).some((l) => l.length > 0), `${kind}: the in-thread publisher wrote something`);
      assert.deepEqual(await topicBytes(kafka, onWorker[kind]), expected, `${kind}: the same messages in the same partitions and order`);
    }
    const events = allMessages(await readTopic(kafka, onWorker.events));
    assert.equal(events.length, run.events.length);
    const first = events.find((m) => header(m, 'ce_sequence') === '1')!;
    assert.equal(header(first, 'content-type'), 'application/avro');
    assert.deepEqual(await decodeOutput(registryUrl, first.value!, 'event'), run.events[0]);
    const tombstones = allMessages(await readTopic(kafka, onWorker.assignments)).filter((m) => m.value === null);
    assert.equal(tombstones.length, 1, 'the retired identity gets a tombstone');
    assert.equal(allMessages(await readTopic(kafka, onWorker.table)).length, run.rows.length);
  });

  it('fails retriably while the broker is unreachable, with the in-thread publisher\'s code, and the same worker publishes once it is back', async () => {
    const topics = testTopics('pub-outage');
    await createTestTopics(kafka, topics, 3);
    const [host, port] = brokers.split(',')[0].split(':');
    const proxy = await TcpProxy.start({ host, port: Number(port) });
    // Short inner retries: the relay's own backoff is what waits out an outage.
    const connection = { brokers: [`127.0.0.1:${proxy.port}`], clientId: 'kafka-tests', logLevel: 'error' as const, retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 300 } };
    const run = campaignRun(40, 5);
    const sender = KafkaSender.create(createKafka(connection));
    try {
      await proxy.down();
      const worker = await threaded({ connection, messages: { topics: outputs(topics), source: SOURCE } });
      const thread = worker.threadId;
      const expected = await rejection(new KafkaCampaignPublisher(sender, { topics: outputs(topics), source: SOURCE }, null).publish(run.events, run.rows));
      const got = await rejection(worker.publish(run.events, run.rows));
      assert.equal(expected.code, 'broker_unavailable');
      assert.equal(got.code, expected.code);
      assert.equal(got.retriable, true);
      assert.equal(worker.threadId, thread, 'a broker outage is not a worker failure');

      await proxy.up();
      await worker.publish(run.events, run.rows);
      assert.equal(worker.threadId, thread);
      assert.equal(allMessages(await readTopic(kafka, topics.events)).length, run.events.length);
    } finally {
      await sender.close();
      // close(), not down(): a proxy left listening keeps the test process alive.
      await proxy.close();
    }
  });

  it('rejects the run of a worker that dies, retriably; the next publish starts a fresh worker; repeated deaths are not retriable', async () => {
    const topics = testTopics('pub-crash');
    await createTestTopics(kafka, topics, 3);
    // A real death (out of memory) needs a process without the runner's --max-old-space-size.
    const script = fileURLToPath(new URL('./support/publisher-death-child.ts', import.meta.url));
    const env: Record<string, string | undefined> = { ...process.env, KAFKA_BROKERS: brokers };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, ['--import', 'tsx', script, topics.events, topics.assignments, topics.table], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, err);
    const { events, results } = JSON.parse(out) as { events: number; results: Array<{ ok: boolean; code?: string; retriable?: boolean; message?: string; thread: number | null; after: number | null }> };
    const [died, recovered, diedAgain, diedTwice] = results;
    assert.deepEqual([died.ok, died.code, died.retriable], [false, 'worker_failed', true], died.message);
    assert.match(died.message!, /memory/);
    assert.equal(recovered.ok, true, recovered.message);
    assert.notEqual(recovered.after, died.thread, 'a fresh worker published the run');
    assert.equal(allMessages(await readTopic(kafka, topics.events)).length, events);
    assert.deepEqual([diedAgain.ok, diedAgain.retriable], [false, true], 'an acknowledged run reset the count');
    assert.deepEqual([diedTwice.ok, diedTwice.code, diedTwice.retriable], [false, 'worker_failed', false], 'two deaths in a row: the relay stops instead of retrying forever');
  });

  it('fails the start, not retriably, when the worker does not come up', async () => {
    const e = await rejection(ThreadedCampaignPublisher.start({
      connection: { brokers: brokers.split(','), clientId: 'kafka-tests', logLevel: 'error' },
      messages: { topics: outputs(testTopics('pub-nostart')), source: SOURCE }, ids: null, startTimeoutMs: 1,
    }));
    assert.equal(e.code, 'worker_failed');
    assert.equal(e.retriable, false);
  });

  it('closes with nothing pending (the worker exits: no thread is left), and refuses to publish afterwards', async () => {
    const worker = await threaded({ messages: { topics: outputs(testTopics('pub-close')), source: SOURCE } });
    assert.notEqual(worker.threadId, null);
    await worker.close();
    assert.equal(worker.threadId, null);
    const e = await rejection(worker.publish(campaignRun(40).events, []));
    assert.equal(e.code, 'aborted');
    await worker.close();
  });

  it('never keeps a process alive: it exits by itself after publishing, with close() and without', async () => {
    const topics = testTopics('pub-exit');
    await createTestTopics(kafka, topics, 1);
    const script = fileURLToPath(new URL('./support/publisher-thread-child.ts', import.meta.url));
    for (const how of ['close', 'no-close']) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, topics.events, topics.assignments, topics.table, how], {
        env: { ...process.env, KAFKA_BROKERS: brokers }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
      child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exit;
      clearTimeout(timer);
      assert.equal(code, 0, `${how}: the process exited by itself (not killed after 30 s):\n${out}`);
      assert.match(out, /published \d+/);
    }
  });
});

describe('pipeline started as bin/campaigns.mjs (tsx through register())', { timeout: 120_000 }, () => {
  const events = simulateFixture(NOISE_FLOOR, 11).emitted.events;

  for (const extra of [[], ['--no-publisher-thread']]) {
    it(`publishes the whole log${extra.length > 0 ? ` with ${extra[0]}` : ' on the publisher thread (default)'} and exits 0 on SIGTERM`, async () => {
      const s = await requireServices(['kafka', 'registry']);
      const kafka = testKafka(s.kafkaBrokers!);
      const topics = testTopics('bin');
      const store = tempStoreDir();
      await createTestTopics(kafka, topics, 3);
      const producer = IdentityProducer.create(kafka, s.registryUrl!, topics.identity);
      await producer.send(events);
      await producer.close();
      const child = spawnCli(pipelineArgs({
        brokers: s.kafkaBrokers!, registryUrl: s.registryUrl!, topics, store: store.dir, group: unique('bin'), extra: ['--batch-size', '20', ...extra],
      }), {}, 'bin');
      try {
        const port = Number((await child.line(/health endpoint on port (\d+)/))[1]);
        await waitChildDone(port, store.dir, events.length);
        child.child.kill('SIGTERM');
        assert.equal((await child.exit).code, 0, child.stderr.join('\n'));
        const view = await readStore(store.dir);
        const published = new Set(allMessages(await readTopic(kafka, topics.events)).map((m) => header(m, 'ce_id')));
        assert.deepEqual(view.events.filter((e) => !published.has(e.event_id)).map((e) => e.sequence), []);
      } finally {
        child.child.kill('SIGKILL');
        store.remove();
      }
    });
  }
});
