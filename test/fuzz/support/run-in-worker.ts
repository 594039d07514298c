/**
 * One fuzz target in a worker thread with a bounded heap: an input that makes a decoder
 * allocate without bound kills the worker (ERR_WORKER_OUT_OF_MEMORY), not the test runner, and
 * is reported with its bytes so it can become a regression fixture.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

export type WorkerRequest =
  | { readonly kind: 'fuzz'; readonly target: string; readonly seed: number; readonly numRuns: number; readonly lastInputFile: string }
  | { readonly kind: 'replay'; readonly target: string; readonly inputs: readonly Uint8Array[]; readonly lastInputFile: string };

export type WorkerReply =
  | { readonly ok: true; readonly runs: number }
  /** `input`: base64 of the failing case (null when it is not known). */
  | { readonly ok: false; readonly input: string | null; readonly error: string };

export interface Limits {
  /** Heap of the worker: far below what an unbounded allocation reaches, far above a real decode. */
  readonly maxOldGenerationSizeMb: number;
  /** A case that loops without allocating would never end: the whole target must finish by then. */
  readonly deadlineMs: number;
}

export const DEFAULT_LIMITS: Limits = { maxOldGenerationSizeMb: 96, deadlineMs: 120_000 };

/** Where a worker leaves the input it is running: `<tmp>/campaign-stream-fuzz/<target>.last`. */
export const lastInputFile = (target: string): string => path.join(tmpdir(), 'campaign-stream-fuzz', `${target}.last`);

type Request = { readonly kind: 'fuzz'; readonly target: string; readonly seed: number; readonly numRuns: number }
  | { readonly kind: 'replay'; readonly target: string; readonly inputs: readonly Uint8Array[] };

export function runInWorker(request: Request, limits: Limits = DEFAULT_LIMITS): Promise<WorkerReply> {
  const file = lastInputFile(request.target);
  mkdirSync(path.dirname(file), { recursive: true });
  rmSync(file, { force: true });
  const lastInput = (): string | null => (existsSync(file) ? readFileSync(file).toString('base64') : null);
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), {
      workerData: { ...request, lastInputFile: file },
      resourceLimits: { maxOldGenerationSizeMb: limits.maxOldGenerationSizeMb },
      stdout: false,
      stderr: false,
    });
    let settled = false;
    const settle = (r: WorkerReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (r.ok) rmSync(file, { force: true });
      resolve(r);
    };
    const timer = setTimeout(() => settle({ ok: false, input: lastInput(), error: `no answer within ${limits.deadlineMs} ms (a case that never ends?)` }), limits.deadlineMs);
    worker.on('message', (m: WorkerReply) => settle(m));
    worker.on('error', (e: Error) => settle({ ok: false, input: lastInput(), error: `the worker died: ${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}` }));
    worker.on('exit', (code) => settle({ ok: false, input: lastInput(), error: `the worker exited with code ${code} before answering` }));
  });
}
