/**
 * Starts a worker thread on one of our modules, compiled or not: a `.js` module (the npm
 * package) is the worker's entry itself; a `.ts` module (a development checkout under tsx) is
 * loaded through worker-boot.mjs, which registers tsx in the worker first. The caller names the
 * module by its base name beside its own file (`startWorker(import.meta.url, 'x-worker')`): the
 * extension is the caller's, so the same line finds `x-worker.ts` in a checkout and
 * `x-worker.js` in the compiled package (tsc rewrites import specifiers, not URLs).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** tsx's own flags: the boot entry registers tsx itself, and twice would install its hooks twice. */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i];
    const m = /^(--import|--require|-r|--loader|--experimental-loader)(=(.*))?$/.exec(a);
    if (m !== null) {
      const value = m[2] !== undefined ? m[3] : execArgv[i + 1];
      if (/(^|[\\/@:])tsx([\\/]|$)/.test(value ?? '')) {
        if (m[2] === undefined) i++;
        continue;
      }
    }
    out.push(a);
  }
  return out;
}

export function startWorker(
  callerUrl: string, name: string, options: WorkerOptions & { workerData?: Record<string, unknown> } = {},
): Worker {
  const typescript = callerUrl.endsWith('.ts');
  const module = new URL(`./${name}${typescript ? '.ts' : '.js'}`, callerUrl);
  const entry = typescript ? new URL('./worker-boot.mjs', import.meta.url) : module;
  return new Worker(entry, {
    ...options,
    workerData: typescript ? { ...options.workerData, __entry: module.href } : options.workerData,
    execArgv: workerExecArgv(process.execArgv),
  });
}
