/**
 * A SQLite read model's writes on a thread of their own (read-model-worker.ts): a page of
 * events takes the follower's writer hundreds of milliseconds of SQLite work, which on the
 * serving thread would hold every request for as long. Here the serving thread hands the page
 * over and goes on answering from its reader connections (WAL: they see each page once it
 * commits); the follower waits for the commit before it tells the event streams.
 *
 * Pages are applied one at a time in the order sent. A worker that dies fails the page in its
 * hands and every later one; the model stays at the last page it committed.
 */
import type { Worker } from 'node:worker_threads';
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import { StoreError, type StoreErrorCode } from '../../ports/errors.ts';
import { startWorker } from '../threads/start-worker.ts';

export interface ReadModelWorkerData {
  readonly file: string;
  readonly busyTimeoutMs: number;
}

export type ToReadModelWorker =
  | { readonly op: 'apply'; readonly id: number; readonly events: readonly CampaignEvent[] }
  | { readonly op: 'close'; readonly id: number };

export type FromReadModelWorker =
  | { readonly id: number; readonly ok: true; readonly sequence: number }
  | { readonly id: number; readonly ok: false; readonly sequence: number; readonly error: { readonly code: StoreErrorCode; readonly message: string; readonly retriable: boolean } };

export class ReadModelWriterThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (sequence: number) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  private dead: StoreError | null = null;
  /** The position the worker reported last (a failed page reports where the model stands). */
  sequence: number;

  constructor(data: ReadModelWorkerData, at: number) {
    this.sequence = at;
    this.worker = startWorker(import.meta.url, 'read-model-worker', { workerData: { ...data } });
    this.worker.unref();
    this.worker.on('message', (m: FromReadModelWorker) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      this.sequence = m.sequence;
      if (m.ok) p.resolve(m.sequence);
      else p.reject(new StoreError(m.error.code, m.error.message, m.error.retriable));
    });
    this.worker.on('error', (e) => this.die(`the read model's writer thread failed: ${e.message}`, e));
    this.worker.on('exit', (code) => this.die(`the read model's writer thread exited (code ${code})`));
  }

  private die(message: string, cause?: unknown): void {
    this.dead ??= new StoreError('store_failure', message, false, { cause });
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
  }

  private send(m: { readonly op: 'apply'; readonly events: readonly CampaignEvent[] } | { readonly op: 'close' }): Promise<number> {
    if (this.dead !== null) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...m, id } as ToReadModelWorker);
    });
  }

  /** Applies a page; resolves to the model's position after it. */
  apply(events: readonly CampaignEvent[]): Promise<number> {
    return this.send({ op: 'apply', events });
  }

  /** Closes the worker's connection (after the pages in its hands), then the worker. */
  async close(): Promise<void> {
    if (this.dead === null) await this.send({ op: 'close' }).catch(() => {});
    this.dead ??= new StoreError('store_failure', 'the read model is closed', false);
    await this.worker.terminate();
  }
}
