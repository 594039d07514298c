/**
 * The publisher's worker thread: builds the messages of each run (campaign-messages.ts) and
 * sends them with a kafkajs client and idempotent producer of its own (producer.ts), so Avro
 * encoding, kafkajs record encoding and the garbage of its buffers use the second core instead
 * of the pipeline's thread. Runs are handled one at a time, in the order they arrive: the
 * relay sends one at a time anyway, and two overlapping sends on one producer could interleave
 * two runs' messages on a partition. The main-thread side is publisher-thread.ts, which starts it
 * through src/adapters/threads/start-worker.ts (compiled JavaScript, or TypeScript under tsx). Started through src/adapters/threads/start-worker.ts (compiled, or under tsx).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KafkaCampaignPublisher } from './campaign-publisher.ts';
import { createKafka } from './client.ts';
import { KafkaSender } from './producer.ts';
import { errorToData, type FromWorker, type PublisherWorkerData, type ToWorker } from './publisher-protocol.ts';

if (parentPort === null) throw new Error('publisher-worker.ts runs as a worker thread (publisher-thread.ts starts it)');
const port = parentPort;
const data = workerData as PublisherWorkerData;
const sender = KafkaSender.create(createKafka(data.connection));
const publisher = new KafkaCampaignPublisher(sender, data.messages, data.ids);
const post = (m: FromWorker): void => port.postMessage(m);

async function handle(m: ToWorker): Promise<void> {
  switch (m.kind) {
    case 'publish':
      try {
        await publisher.publish(m.events, m.rows, (sequence) => post({ kind: 'acknowledged', id: m.id, sequence }));
        post({ kind: 'published', id: m.id });
      } catch (e) {
        post({ kind: 'failed', id: m.id, error: errorToData(e) });
      }
      return;
    case 'close':
      await sender.close();
      post({ kind: 'closed' });
      // Nothing else holds the thread open once the producer is gone: it exits by itself.
      port.close();
      return;
  }
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (m: ToWorker) => {
  queue = queue.then(() => handle(m));
});
post({ kind: 'ready' });
