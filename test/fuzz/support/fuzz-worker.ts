/**
 * Runs one fuzz target inside a worker thread (see run-in-worker.ts). Before each case the
 * input is written to `lastInputFile`, so that when the case kills the worker (heap exhausted
 * under `resourceLimits`) or the whole process (a fatal V8 error such as "invalid table size"),
 * the input that did it is still on disk.
 */
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { TARGETS, type TargetName } from '../targets.ts';
import type { WorkerRequest, WorkerReply } from './run-in-worker.ts';

const req = workerData as WorkerRequest;

function remember(bytes: Uint8Array): void {
  writeFileSync(req.lastInputFile, bytes);
}

async function main(): Promise<WorkerReply> {
  const target = TARGETS[req.target as TargetName];
  if (req.kind === 'replay') {
    const inputs = req.inputs.map((b) => new Uint8Array(b));
    for (const input of inputs) {
      remember(input);
      await target.check(input);
    }
    return { ok: true, runs: inputs.length };
  }
  const details = await fc.check(
    fc.asyncProperty(target.arbitrary, async (input) => {
      remember(input);
      await target.check(input);
    }),
    { seed: req.seed, numRuns: req.numRuns, endOnFailure: true },
  );
  if (!details.failed) return { ok: true, runs: details.numRuns };
  const input = details.counterexample?.[0] as Uint8Array | undefined;
  return {
    ok: false,
    input: input === undefined ? null : Buffer.from(input).toString('base64'),
    error: details.errorInstance instanceof Error ? details.errorInstance.stack ?? details.errorInstance.message : String(details.errorInstance),
  };
}

main().then(
  (reply) => parentPort!.postMessage(reply),
  (e: unknown) => parentPort!.postMessage({ ok: false, input: null, error: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies WorkerReply),
);
