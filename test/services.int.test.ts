/**
 * Proves that each real service used by the integration tests works end to end.
 * Run: node --import tsx --test test/services.int.test.ts
 * Services come from KAFKA_BROKERS / SCHEMA_REGISTRY_URL / DATABASE_URL, or are started by
 * scripts/services (see test/support/services.ts). A service that cannot start fails its test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import pg from 'pg';
import { requireServices, waitFor } from './support/services.ts';

const suffix = () => `${Date.now()}-${randomUUID().slice(0, 8)}`;

test('kafka: create a topic, produce one message, consume it through a consumer group', { timeout: 180_000 }, async () => {
  const { kafkaBrokers } = await requireServices(['kafka']);
  assert.ok(kafkaBrokers);
  const kafka = new Kafka({
    clientId: 'services-int-test',
    brokers: kafkaBrokers.split(','),
    logLevel: logLevel.WARN,
    retry: { retries: 5 },
  });
  const topic = `services-int-${suffix()}`;
  const groupId = `services-int-group-${suffix()}`;

  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  let consumer: Consumer | undefined;
  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    assert.equal(created, true, 'topic was created');
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(meta.topics[0].partitions.length, 1);

    await producer.connect();
    const key = `key-${suffix()}`;
    const [ack] = await producer.send({
      topic,
      acks: -1,
      messages: [{ key, value: JSON.stringify({ hello: 'kafka' }), headers: { source: 'services.int.test' } }],
    });
    assert.equal(ack.errorCode, 0);

    // maxWaitTimeInMs: a short fetch wait, so that disconnect() does not wait 5 s for an idle fetch.
    consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 500 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received: KafkaMessage[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push(message);
      },
    });
    await waitFor(() => received.length >= 1, { timeoutMs: 60_000, what: `a message on ${topic}` });

    assert.equal(received.length, 1);
    assert.equal(received[0].key?.toString(), key);
    assert.deepEqual(JSON.parse(received[0].value!.toString()), { hello: 'kafka' });
    assert.equal(received[0].headers?.source?.toString(), 'services.int.test');

    // The group committed its offset through the (single-replica) __consumer_offsets topic.
    await waitFor(
      async () => {
        const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
        return offsets[0].partitions[0].offset === '1';
      },
      { timeoutMs: 30_000, what: `group ${groupId} to commit offset 1` },
    );
  } finally {
    await consumer?.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
});

test('registry: register an Avro schema (Confluent API on Apicurio) and encode/decode a record', { timeout: 180_000 }, async () => {
  const { registryUrl } = await requireServices(['registry']);
  assert.ok(registryUrl);
  const registry = new SchemaRegistry({ host: registryUrl, clientId: 'services-int-test' });
  const topic = `services-int-${suffix()}`;
  const subject = `${topic}-value`;
  const schema = {
    type: 'record',
    name: 'ServicesProbe',
    namespace: 'campaignstream.test',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'count', type: 'int' },
      { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
      { name: 'note', type: ['null', 'string'], default: null },
    ],
  };

  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
  assert.ok(Number.isInteger(id) && id > 0, `schema id ${id}`);

  // Registering the same schema again is idempotent and gives the same id.
  const again = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
  assert.equal(again.id, id);
  assert.equal(await registry.getLatestSchemaId(subject), id);

  const record = { id: randomUUID(), count: 42, tags: ['a', 'b'], note: 'hello' };
  const encoded = await registry.encode(id, record);
  assert.equal(encoded[0], 0, 'Confluent wire format magic byte');
  assert.equal(encoded.readInt32BE(1), id, 'schema id in the wire header');

  // A fresh client (empty cache) fetches the writer schema from the registry by id.
  // (avsc decodes into an instance of a generated record class: compare its own fields.)
  const fresh = new SchemaRegistry({ host: registryUrl });
  const decoded = await fresh.decode(encoded);
  assert.deepEqual({ ...decoded }, record);
});

test('postgres: connect, create a table, insert and select', { timeout: 120_000 }, async () => {
  const { databaseUrl } = await requireServices(['postgres']);
  assert.ok(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const table = `services_int_${suffix().replace(/-/g, '_')}`;
  try {
    const { rows: [info] } = await client.query<{ db: string; version: string }>(
      'SELECT current_database() AS db, current_setting($1) AS version',
      ['server_version_num'],
    );
    assert.ok(Number(info.version) >= 150000, `server_version_num ${info.version}`);
    await client.query(
      `CREATE TABLE ${table} (id bigserial PRIMARY KEY, stream text NOT NULL, data jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
    );
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO ${table} (stream, data) VALUES ($1, $2), ($1, $3) RETURNING id`,
      ['campaign-1', { n: 1 }, { n: 2 }],
    );
    assert.equal(inserted.rowCount, 2);
    const { rows } = await client.query<{ stream: string; data: { n: number } }>(
      `SELECT stream, data FROM ${table} ORDER BY id`,
    );
    assert.deepEqual(rows, [
      { stream: 'campaign-1', data: { n: 1 } },
      { stream: 'campaign-1', data: { n: 2 } },
    ]);
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    await client.end();
  }
});
