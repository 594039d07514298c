/**
 * The Publisher port on Kafka, with the work on a worker thread: `publish` hands the run (plain
 * data, structured clone) to a worker that encodes it and sends it with its own idempotent
 * producer (publisher-worker.ts), and settles when the worker's producer has every message
 * acknowledged (acks -1) or failed. The relay (cursor, order, backoff, drain) is untouched and
 * stays on the caller's thread; only encoding and kafkajs move, which is most of the pipeline's
 * CPU (docs/BENCHMARKS.md, Kafka).
 *
 * Failures keep the in-thread publisher's codes and `retriable` flags (publisher-protocol.ts),
 * so the relay's backoff behaves the same. The worker itself failing is `worker_failed`:
 *
 * - it cannot start when the publisher is created (its modules do not load, it never answers):
 *   not retriable, the pipeline does not start;
 * - it dies (an uncaught error, out of memory, terminated): every run in its hands is rejected,
 *   retriably, and the next publish starts a fresh worker. The relay publishes the run again:
 *   at-least-once anyway, and a run is never half-acknowledged from the relay's view;
 * - it dies `maxConsecutiveDeaths` times in a row with no run acknowledged in between (or cannot
 *   be restarted that often): the failure evidently repeats, so it is no longer retriable and
 *   the relay stops the pipeline loudly instead of retrying forever behind a healthy-looking
 *   process (the relay's rule for every failure retrying cannot fix).
 *
 * An idle worker is unref'd: it never keeps the process alive by itself (a caller that exits
 * without `close()` is not held up); while a run is in its hands it is ref'd, like a socket
 * with a request in flight. `close()` lets the worker disconnect its producer and exit, and
 * terminates it if it does not within `closeTimeoutMs`.
 */
import type { ResourceLimits, Worker } from 'node:worker_threads';
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import type { Publisher, PublishedRow } from '../../ports/publisher.ts';
import { describeRun } from './campaign-messages.ts';
import { KafkaAdapterError } from './errors.ts';
import { errorFromData, type FromWorker, type PublisherWorkerData, type ToWorker } from './publisher-protocol.ts';
import { startWorker } from '../threads/start-worker.ts';

export interface PublisherThreadOptions extends PublisherWorkerData {
  /** Deaths in a row (no run acknowledged between) after which a death is not retriable. Default 3. */
  readonly maxConsecutiveDeaths?: number;
  /** How long a worker may take to load and answer. Default 30 s. */
  readonly startTimeoutMs?: number;
  /** How long `close()` waits for the worker to disconnect and exit before terminating it. Default 5 s. */
  readonly closeTimeoutMs?: number;
  /** The worker's heap limits (Node's defaults when absent). */
  readonly resourceLimits?: ResourceLimits;
}

interface Pending {
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
  readonly acknowledged?: (sequence: number) => void;
}

/** One worker and the runs in its hands. */
interface Running {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** The uncaught error the worker reported before exiting, if any. */
  error: Error | null;
  /** It loaded and answered: only then is its exit a death (a failed start is counted by its caller). */
  ready: boolean;
  /** `close()` asked it to go: its exit is not a death. */
  closing: boolean;
  readonly exited: Promise<number>;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class ThreadedCampaignPublisher implements Publisher {
  private current: Running | null = null;
  private starting: Promise<Running> | null = null;
  private nextId = 1;
  private deaths = 0;
  private closed = false;
  private readonly maxDeaths: number;

  private constructor(private readonly o: PublisherThreadOptions) {
    this.maxDeaths = o.maxConsecutiveDeaths ?? 3;
  }

  /** Starts the worker; rejects (`worker_failed`, not retriable) when it cannot start. */
  static async start(o: PublisherThreadOptions): Promise<ThreadedCampaignPublisher> {
    const p = new ThreadedCampaignPublisher(o);
    try {
      p.current = await p.spawn();
    } catch (e) {
      throw new KafkaAdapterError('worker_failed', message(e), false, { cause: e });
    }
    return p;
  }

  /** The worker's thread id (diagnostics); null while none runs. */
  get threadId(): number | null {
    return this.current?.worker.threadId ?? null;
  }

  private spawn(): Promise<Running> {
    const { maxConsecutiveDeaths: _d, startTimeoutMs, closeTimeoutMs: _c, resourceLimits, ...data } = this.o;
    const workerData: PublisherWorkerData = data;
    const worker = startWorker(import.meta.url, 'publisher-worker', {
      workerData: { ...workerData },
      ...(resourceLimits !== undefined ? { resourceLimits } : {}),
      // Its stdout/stderr (kafkajs' log lines) go straight to the process's.
      stdout: false,
      stderr: false,
    });
    const r: Running = {
      worker,
      pending: new Map(),
      error: null,
      ready: false,
      closing: false,
      exited: new Promise<number>((resolve) => worker.once('exit', resolve)),
    };
    worker.on('error', (e) => { r.error = e; });
    worker.on('message', (m: FromWorker) => this.onMessage(r, m));
    void r.exited.then((code) => this.onExit(r, code));
    return new Promise<Running>((resolve, reject) => {
      const timer = setTimeout(() => {
        void worker.terminate();
        settle(new Error(`the publisher thread did not start within ${startTimeoutMs ?? 30_000} ms`));
      }, startTimeoutMs ?? 30_000);
      const onReady = (m: FromWorker): void => {
        if (m.kind === 'ready') settle(null);
      };
      const onEarlyExit = (code: number): void =>
        settle(new Error(`the publisher thread exited while starting (exit code ${code})${r.error !== null ? `: ${r.error.message}` : ''}`, { cause: r.error }));
      let settled = false;
      function settle(e: Error | null): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        worker.off('message', onReady);
        worker.off('exit', onEarlyExit);
        if (e === null) {
          r.ready = true;
          worker.unref();
          resolve(r);
        } else {
          reject(e);
        }
      }
      worker.on('message', onReady);
      worker.once('exit', onEarlyExit);
    });
  }

  private onMessage(r: Running, m: FromWorker): void {
    if (m.kind !== 'published' && m.kind !== 'failed' && m.kind !== 'acknowledged') return;
    const p = r.pending.get(m.id);
    if (p === undefined) return;
    if (m.kind === 'acknowledged') {
      // Progress: the worker is alive and publishing.
      this.deaths = 0;
      p.acknowledged?.(m.sequence);
      return;
    }
    r.pending.delete(m.id);
    if (r.pending.size === 0) r.worker.unref();
    if (m.kind === 'published') {
      this.deaths = 0;
      p.resolve();
    } else {
      p.reject(errorFromData(m.error));
    }
  }

  private onExit(r: Running, code: number): void {
    if (this.current === r) this.current = null;
    if (!r.ready) return;
    if (r.closing) {
      for (const p of r.pending.values()) p.reject(new KafkaAdapterError('aborted', 'publishing: the publisher was closed', false));
    } else {
      this.deaths++;
      const e = this.deathError(`died (exit code ${code})${r.error !== null ? `: ${r.error.message}` : ''}`);
      for (const p of r.pending.values()) p.reject(e);
    }
    r.pending.clear();
  }

  private deathError(what: string): KafkaAdapterError {
    const retriable = this.deaths < this.maxDeaths;
    return new KafkaAdapterError('worker_failed',
      `the publisher thread ${what}${retriable ? '' : `; ${this.deaths} times in a row without a publish, giving up`}`, retriable);
  }

  /** The running worker, or a fresh one after a death. */
  private async running(): Promise<Running> {
    if (this.current !== null) return this.current;
    this.starting ??= this.spawn().then(
      (r) => {
        this.starting = null;
        if (this.closed) {
          void this.stopWorker(r);
          throw new KafkaAdapterError('aborted', 'publishing: the publisher was closed', false);
        }
        this.current = r;
        return r;
      },
      (e: unknown) => {
        this.starting = null;
        this.deaths++;
        throw this.deathError(`could not be restarted: ${message(e)}`);
      },
    );
    return this.starting;
  }

  async publish(events: readonly CampaignEvent[], rows: readonly PublishedRow[], acknowledged?: (sequence: number) => void): Promise<void> {
    if (events.length === 0 && rows.length === 0) return;
    if (this.closed) throw new KafkaAdapterError('aborted', 'publishing: the publisher was closed', false);
    const r = await this.running();
    const id = this.nextId++;
    const request: ToWorker = { kind: 'publish', id, events, rows };
    await new Promise<void>((resolve, reject) => {
      r.pending.set(id, { resolve, reject, ...(acknowledged !== undefined ? { acknowledged } : {}) });
      r.worker.ref();
      try {
        r.worker.postMessage(request);
      } catch (e) {
        // Not plain data (a bug upstream): the same run would fail the same way again.
        r.pending.delete(id);
        if (r.pending.size === 0) r.worker.unref();
        reject(new KafkaAdapterError('kafka_failure', `publishing ${describeRun(events, rows)}: cannot hand it to the publisher thread: ${message(e)}`, false, { cause: e }));
      }
    });
  }

  private async stopWorker(r: Running): Promise<void> {
    r.closing = true;
    r.worker.ref();
    try {
      r.worker.postMessage({ kind: 'close' } satisfies ToWorker);
    } catch {
      // Already gone.
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      r.exited.then(() => false),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), this.o.closeTimeoutMs ?? 5_000); }),
    ]);
    clearTimeout(timer);
    if (timedOut) await r.worker.terminate();
    await r.exited;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const r = this.current ?? await this.starting?.catch(() => null) ?? null;
    this.current = null;
    if (r !== null) await this.stopWorker(r);
  }
}
