/** Topics are created with explicit settings when missing; differing settings are reported, never changed. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { ensureTopics, topicSpecs } from '../../src/adapters/kafka/topics.ts';
import { requireServices } from '../support/services.ts';
import { testKafka, testTopics } from './support/kafka-test-kit.ts';

describe('topic settings', { timeout: 60_000 }, () => {
  it('creates missing topics with their settings and reports, without changing, a topic that differs', async () => {
    const { kafkaBrokers } = await requireServices(['kafka']);
    const kafka = testKafka(kafkaBrokers!);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const names = testTopics('topics');
      // Someone created the table topic without compaction, and with one partition.
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: names.table, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'delete' }] }] });
      const report = await ensureTopics(admin, topicSpecs(names, 2));
      assert.deepEqual([...report.created].sort(), [names.identity, names.events, names.assignments, names.deadLetter].sort());
      assert.deepEqual(report.mismatches, [
        `${names.table}: 1 partitions, configured 2 (left as is)`,
        `${names.table}: cleanup.policy is delete, expected compact (left as is)`,
        `${names.table}: max.message.bytes is 1048588, expected 8388608 (left as is)`,
      ]);
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [names.events, names.table, names.deadLetter].map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name })),
      });
      const config = (topic: string, key: string) =>
        described.resources.find((r) => r.resourceName === topic)?.configEntries.find((c) => c.configName === key)?.configValue;
      assert.equal(config(names.events, 'retention.ms'), '-1');
      assert.equal(config(names.table, 'cleanup.policy'), 'delete', 'left as it was');
      assert.equal(config(names.deadLetter, 'retention.ms'), String(30 * 24 * 3600 * 1000));
      const again = await ensureTopics(admin, topicSpecs(names, 2));
      assert.deepEqual(again.created, []);
    } finally {
      await admin.disconnect();
    }
  });
});
