/**
 * `campaigns serve --workers N`: N processes answer on one port. One Node process answers on one
 * core (a read model query runs on the thread that serves the request), so under many clients
 * its answers queue behind each other; Node's cluster module shares the listening socket and
 * hands connections to the workers in turn. Each worker is a whole `serve` (its own store
 * connections, read model follower and event streams): two followers of one read model apply
 * each page once (the page is applied under the position's lock and skipped by the other), so
 * nothing is shared in this process but the socket.
 *
 * This process only starts the workers, prints the first one's start line once all listen,
 * forwards SIGINT/SIGTERM, and fails (exit 1, the others stopped) when a worker dies on its own:
 * a server answering from fewer processes than asked for would hide a crash behind slower answers.
 */
import cluster, { type Worker } from 'node:cluster';
import { emit, type CliIo } from './io.ts';

/** What a worker tells this process once it listens. */
export interface WorkerListening {
  readonly kind: 'campaigns-serve-listening';
  /** The lines a single `serve` prints when it starts. */
  readonly banner: string;
}

export const isServeWorker = (): boolean => cluster.isWorker;

/** In a worker: hands the start line to the primary instead of printing it (printed once there). */
export function reportListening(banner: string): void {
  const m: WorkerListening = { kind: 'campaigns-serve-listening', banner };
  process.send?.(m);
}

/**
 * In a worker whose server has closed: leaves the cluster. The channel to the primary would
 * otherwise keep the process alive after its last handle closed (a worker never exited on SIGTERM).
 */
export function leaveCluster(): void {
  if (cluster.isWorker) cluster.worker?.disconnect();
}

export async function runServeWorkers(count: number, io: CliIo, stop: AbortSignal): Promise<number> {
  const workers: Worker[] = [];
  let stopping = false;
  let failure: string | null = null;
  const exits: Array<Promise<number>> = [];
  const stopAll = (): void => {
    if (stopping) return;
    stopping = true;
    for (const w of workers) if (!w.isDead()) w.process.kill('SIGTERM');
  };
  const listening = new Promise<string>((resolve) => {
    let first: string | null = null;
    let heard = 0;
    for (let k = 0; k < count; k++) {
      const w = cluster.fork();
      workers.push(w);
      exits.push(new Promise<number>((done) => w.once('exit', (code, signal) => {
        // Exit 0 is a worker told to stop (a terminal's Ctrl-C reaches every process of the
        // group, a worker may hear it first): the others follow, nothing failed.
        if (!stopping && code !== 0) failure ??= `worker ${w.process.pid} exited (${code ?? signal}) on its own`;
        stopAll();
        done(code ?? 1);
      })));
      w.on('message', (m: unknown) => {
        if ((m as WorkerListening | null)?.kind !== 'campaigns-serve-listening') return;
        first ??= (m as WorkerListening).banner;
        if (++heard === count) resolve(first);
      });
    }
  });
  stop.addEventListener('abort', stopAll, { once: true });
  if (stop.aborted) stopAll();
  const all = Promise.all(exits);
  const banner = await Promise.race([listening, all.then(() => null)]);
  if (banner !== null) {
    await emit(io.stderr, banner + `campaigns serve: answered by ${count} worker processes (${workers.map((w) => w.process.pid).join(', ')})\n`);
  }
  const codes = await all;
  if (failure !== null) {
    await emit(io.stderr, `campaigns serve: ${failure}; stopped the others\n`);
    return 1;
  }
  return codes.every((c) => c === 0) ? 0 : 1;
}
