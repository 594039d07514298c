/**
 * The store's writes on a thread of their own (writer-worker.ts): `append` hands the batch over
 * and settles when its transaction has committed (synchronous=FULL: on disk), while the caller's
 * thread goes on (the batch committer clusters the next batch meanwhile). Reads stay on the
 * caller's connection; WAL lets them see every committed write.
 *
 * Writes run one at a time in the order they were sent, so a snapshot or a table write sent
 * after an append lands after it. A worker that dies fails every write in its hands, and every
 * later one, with a non-retriable `store_failure`: the process stops, and a restart resumes from
 * what was committed (nothing half-written: each write is one transaction).
 */
import type { Worker } from 'node:worker_threads';
import { StoreError } from '../../ports/errors.ts';
import { startWorker } from '../threads/start-worker.ts';
import type { FromWriter, ToWriter, WriteOp, WriterData } from './writer-protocol.ts';

/** How long `close()` waits for the worker to close its connection (it is idle when callers close). */
const CLOSE_WAIT_MS = 30_000;

export class SqliteWriterThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: unknown) => void }>();
  private readonly closedFlag = new SharedArrayBuffer(4);
  private nextId = 1;
  private dead: StoreError | null = null;
  private closed = false;

  constructor(file: string, busyTimeoutMs: number, checkpointMinEvents: number) {
    const data: WriterData = { file, busyTimeoutMs, checkpointMinEvents, closed: this.closedFlag };
    this.worker = startWorker(import.meta.url, 'writer-worker', { workerData: { ...data } });
    // Idle, it must not keep the process alive; a write in its hands does (ref() in send).
    this.worker.unref();
    this.worker.on('message', (m: FromWriter) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.ok) p.resolve();
      else p.reject(new StoreError(m.error.code, m.error.message, m.error.retriable));
    });
    this.worker.on('error', (e) => this.die(`the store's writer thread failed: ${e.message}`, e));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.die(`the store's writer thread exited (code ${code})`);
    });
  }

  private die(message: string, cause?: unknown): void {
    this.dead ??= new StoreError('store_failure', message, false, { cause });
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
  }

  send(w: WriteOp): Promise<void> {
    if (this.dead !== null) return Promise.reject(this.dead);
    if (this.closed) return Promise.reject(new StoreError('store_failure', 'the store is closed', false));
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...w, id } satisfies ToWriter);
    });
  }

  /**
   * Closes the worker's connection before returning (the store's `close()` is synchronous, and
   * the next open, or the writer lock's release, must find it closed). Writes still in its hands
   * finish first: the worker handles messages in order.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.dead === null) {
      this.worker.postMessage({ op: 'close' } satisfies ToWriter);
      Atomics.wait(new Int32Array(this.closedFlag), 0, 0, CLOSE_WAIT_MS);
    }
    void this.worker.terminate();
  }
}
