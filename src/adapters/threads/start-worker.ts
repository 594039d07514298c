/**
 * Starts a worker thread on one of our modules, compiled or not: a `.js` module (the npm
 * package) is the worker's entry itself; a `.ts` module (a development checkout under tsx) is
 * loaded through worker-boot.mjs, which registers tsx in the worker first. The caller names the
 * module by its base name beside its own file (`startWorker(import.meta.url, 'x-worker')`): the
 * extension is the caller's, so the same line finds `x-worker.ts` in a checkout and
 * `x-worker.js` in the compiled package (tsc rewrites import specifiers, not URLs).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Flags a Worker refuses (ERR_WORKER_INVALID_EXEC_ARGV, or an error event for --input-type): V8
 * heap and GC options and the ones that act on the whole process or its main entry only. `node --max-old-space-size=16384 bin/campaigns.mjs pipeline`, a
 * common way to run a big job, failed to start its publisher thread with them passed on. A
 * worker's heap is bounded by its own resourceLimits instead.
 */
const PROCESS_WIDE = /^--(expose[-_]gc|(max|min)[-_](old|semi|young|new)[-_](space|generation)[-_]size(=.*)?|stack[-_]size(=.*)?|title(=.*)?|input[-_]type(=.*)?|v8[-_]pool[-_]size(=.*)?)$/;

/**
 * The parent's flags a worker should start with: without tsx's own (the boot entry registers tsx
 * itself, and twice would install its hooks twice) and without process-wide ones (PROCESS_WIDE).
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i];
    if (PROCESS_WIDE.test(a)) {
      // The spaced form (`--stack-size 984`) takes the next argument along.
      if (!a.includes('=') && /size$|title$|type$/.test(a) && execArgv[i + 1] !== undefined && !execArgv[i + 1].startsWith('-')) i++;
      continue;
    }
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
  const start = (execArgv: string[]): Worker => new Worker(entry, {
    ...options,
    workerData: typescript ? { ...options.workerData, __entry: module.href } : options.workerData,
    execArgv,
  });
  try {
    return start(workerExecArgv(process.execArgv));
  } catch (e) {
    // A flag PROCESS_WIDE does not know yet: the worker needs none of the parent's flags to run
    // (compiled modules load directly, TypeScript through worker-boot.mjs), so start it bare
    // rather than fail the job.
    if ((e as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    return start([]);
  }
}
