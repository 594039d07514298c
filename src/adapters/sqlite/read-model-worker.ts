/**
 * The SQLite read model's writer thread (read-model-thread.ts starts it): a connection of its
 * own on the model file, applying each page it is sent with the same writer the serving thread
 * would run (read-model-writer.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StoreError } from '../../ports/errors.ts';
import { toStoreError } from './errors.ts';
import { openReadModelWriter } from './read-model.ts';
import type { FromReadModelWorker, ReadModelWorkerData, ToReadModelWorker } from './read-model-thread.ts';

if (parentPort === null) throw new Error('read-model-worker runs as a worker thread (read-model-thread.ts starts it)');
const port = parentPort;
const data = workerData as ReadModelWorkerData;
const { db, writer } = openReadModelWriter(data.file, data.busyTimeoutMs);

port.on('message', (m: ToReadModelWorker) => {
  if (m.op === 'close') {
    db.close();
    port.postMessage({ id: m.id, ok: true, sequence: -1 } satisfies FromReadModelWorker);
    port.close();
    return;
  }
  try {
    port.postMessage({ id: m.id, ok: true, sequence: writer.apply(m.events) } satisfies FromReadModelWorker);
  } catch (e) {
    const s = e instanceof StoreError ? e : toStoreError(e, 'applying events to the read model');
    let sequence = -1;
    try {
      sequence = writer.sequence();
    } catch {
      // the connection itself failed: the main thread keeps the position it had
    }
    port.postMessage({ id: m.id, ok: false, sequence, error: { code: s.code, message: s.message, retriable: s.retriable } } satisfies FromReadModelWorker);
  }
});
