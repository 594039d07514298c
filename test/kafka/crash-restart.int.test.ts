/**
 * A processor killed with SIGKILL in the middle of a busy stream, then started again, ends with
 * the tables of a run that never stopped: every input applied exactly once (contiguous batch
 * ranges, a log the recorded batches reproduce byte for byte), tables equal to the fold of the
 * log, and every event id of the log on the events topic (duplicates allowed, nothing lost).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { allRows, emptyTables, foldEvents } from '../../src/domain/tables.ts';
import { benchCorpus } from '../../bench/corpus.ts';
import { requireServices } from '../support/services.ts';
import {
  allMessages, createTestTopics, embeddedMembership, header, IdentityProducer, partitionOf, pipelineArgs, readStore,
  readTopic, replayRecordedBatches, spawnCli, tempStoreDir, testKafka, testTopics, unique, waitChildDone,
} from './support/kafka-test-kit.ts';

describe('a killed and restarted processor', { timeout: 120_000 }, () => {
  let kafka: Kafka;
  let registryUrl: string;
  const store = tempStoreDir();
  const topics = testTopics('crash');
  const events = benchCorpus(1_200);
  let view: Awaited<ReturnType<typeof readStore>>;
  let batchesAtKill = 0;
  let restartLog: string[] = [];

  before(async () => {
    const s = await requireServices(['kafka', 'registry']);
    registryUrl = s.registryUrl!;
    kafka = testKafka(s.kafkaBrokers!);
    await createTestTopics(kafka, topics, 3);
    const args = pipelineArgs({ brokers: s.kafkaBrokers!, registryUrl, topics, store: store.dir, group: unique('crash'), extra: ['--batch-size', '20'] });
    const producer = IdentityProducer.create(kafka, registryUrl, topics.identity);
    // A steady stream: the kill lands while batches are being fetched and committed.
    const producing = (async () => {
      for (let i = 0; i < events.length; i += 60) {
        await producer.send(events.slice(i, i + 60));
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    const first = spawnCli(args);
    try {
      await first.line(/active: 3 partition/);
      for (;;) {
        batchesAtKill = (await readStore(store.dir).catch(() => ({ batches: [] }))).batches.length;
        if (batchesAtKill >= 15) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      first.child.kill('SIGKILL');
      assert.equal((await first.exit).signal, 'SIGKILL');
    } finally {
      first.child.kill('SIGKILL');
    }
    await producing;
    await producer.close();

    const second = spawnCli(args);
    try {
      const port = Number((await second.line(/health endpoint on port (\d+)/))[1]);
      await waitChildDone(port, store.dir, events.length, 90_000);
      second.child.kill('SIGTERM');
      assert.equal((await second.exit).code, 0, second.stderr.join('\n'));
    } finally {
      second.child.kill('SIGKILL');
    }
    restartLog = second.stderr;
    view = await readStore(store.dir);
  });

  after(() => store.remove());

  it('was killed mid-stream and restored its state from the store and the topic', () => {
    assert.ok(batchesAtKill > 0 && batchesAtKill < view.batches.length, `killed after ${batchesAtKill} of ${view.batches.length} batches`);
    assert.ok(restartLog.some((l) => /restore: re-derived \d+\/\d+ batches/.test(l)), restartLog.join('\n'));
  });

  it('consumed every input exactly once, in contiguous batches per partition', () => {
    const next = new Map<string, number>();
    for (const b of view.batches) {
      for (const s of b.segments) {
        assert.equal(s.start.offset, next.get(s.source) ?? 0, `batch ${b.index} continues ${s.source}`);
        next.set(s.source, s.end.offset);
      }
    }
    assert.equal(view.batches.reduce((n, b) => n + b.input_count, 0), events.length);
  });

  it('holds the log the recorded batches reproduce, and tables equal to its fold', async () => {
    assert.deepEqual(await replayRecordedBatches(kafka, registryUrl, topics.identity, view.batches), view.events.map((e) => JSON.stringify(e)));
    const t = emptyTables();
    foldEvents(t, view.events);
    assert.deepEqual(view.rows, allRows(t));
    assert.equal(view.tablesSequence, view.events.length);
  });

  it('ends with the membership of the embedded run', () => {
    assert.deepEqual(partitionOf(view.membership), partitionOf(embeddedMembership(events)));
  });

  it('lost no event id on the events topic', async () => {
    const published = new Set(allMessages(await readTopic(kafka, topics.events)).map((m) => header(m, 'ce_id')));
    const missing = view.events.filter((e) => !published.has(e.event_id)).map((e) => e.sequence);
    assert.deepEqual(missing, []);
  });
});
