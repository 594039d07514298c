/**
 * The store's writer thread: a connection of its own on the store file, running every write
 * (appends, table rows, snapshots, settings) one at a time in arrival order, with the same
 * adapter code the single-threaded store runs (event-log.ts, table-store.ts, …). Started by
 * writer-thread.ts; the main thread keeps its connection for reads.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { StoreError } from '../../ports/errors.ts';
import { toStoreError } from './errors.ts';
import { SqliteEventLog } from './event-log.ts';
import { SqliteSettings } from './settings-store.ts';
import { SqliteSnapshots } from './snapshot-store.ts';
import { configureWriter } from './store.ts';
import { SqliteTableCheckpoints } from './table-checkpoints.ts';
import { SqliteTables } from './table-store.ts';
import type { FromWriter, ToWriter, WriteOp, WriterData } from './writer-protocol.ts';

if (parentPort === null) throw new Error('writer-worker runs as a worker thread (writer-thread.ts starts it)');
const port = parentPort;
const data = workerData as WriterData;
const closed = new Int32Array(data.closed);

const db = new Database(data.file, { fileMustExist: true });
configureWriter(db, data.busyTimeoutMs);
const tables = new SqliteTables(db);
// The main thread's open laid out (or migrated) the store before starting this thread.
const tableCheckpoints = new SqliteTableCheckpoints(db, true, data.checkpointMinEvents);
const log = new SqliteEventLog(db, tables, undefined, tableCheckpoints);
const snapshots = new SqliteSnapshots(db);
const settings = new SqliteSettings(db);

async function run(w: WriteOp): Promise<void> {
  switch (w.op) {
    case 'append': {
      // A Buffer arrives as a plain Uint8Array (structured clone): view the same bytes as one.
      const d = w.commit.digests as Uint8Array;
      return log.appendSerialized({ ...w.commit, digests: Buffer.from(d.buffer, d.byteOffset, d.byteLength) });
    }
    case 'tables.write': return tables.write(w.rows, w.through);
    case 'tables.replaceAll': return tables.replaceAll(w.rows, w.through);
    case 'checkpoints.save': return tableCheckpoints.save(w.checkpoint, w.rows);
    case 'checkpoints.clear': return tableCheckpoints.clear();
    case 'snapshots.save': return snapshots.save(w.snapshot);
    case 'snapshots.clear': return snapshots.clear();
    case 'settings.set': return settings.set(w.key, w.value);
  }
}

port.on('message', (m: ToWriter) => {
  if (m.op === 'close') {
    db.close();
    port.close();
    Atomics.store(closed, 0, 1);
    Atomics.notify(closed, 0);
    return;
  }
  // Every op is synchronous underneath (better-sqlite3): each settles before the next message.
  void run(m).then(
    () => port.postMessage({ id: m.id, ok: true } satisfies FromWriter),
    (e: unknown) => {
      const s = e instanceof StoreError ? e : toStoreError(e, `store writer (${m.op})`);
      port.postMessage({ id: m.id, ok: false, error: { code: s.code, message: s.message, retriable: s.retriable } } satisfies FromWriter);
    },
  );
});
