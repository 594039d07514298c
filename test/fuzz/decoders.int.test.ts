/**
 * Fuzzing as a test suite: every decoder that reads bytes from outside (NDJSON files, Avro
 * records and container files, Kafka values, API query strings) gets mutated valid inputs and
 * random bytes, and must answer each with a result or a reject, never a crash, a hang or an
 * allocation its input does not justify. Each target runs in a worker thread with a bounded
 * heap (support/run-in-worker.ts), with a fixed seed and a fixed number of runs, so a run is
 * reproducible and its time bounded. The inputs that found bugs are kept in
 * test/fixtures/fuzz/ and replayed first.
 *
 * To hunt for more: `FUZZ_SEED=<n> FUZZ_RUNS=<n> node scripts/run-tests.mjs test/fuzz`; a
 * failure names the input's bytes (and leaves them in <tmp>/campaign-stream-fuzz/<target>.last).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { TARGETS, type TargetName } from './targets.ts';
import { runInWorker, type WorkerReply } from './support/run-in-worker.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_113);
/** Runs per target: together well under a minute on two cores. */
const RUNS: Record<TargetName, number> = {
  'avro-record-v4': 1_000,
  'avro-record-v3': 1_000,
  'avro-record-v2': 1_000,
  'avro-record-v1': 1_000,
  'avro-container': 800,
  'ndjson-file': 800,
  'kafka-value': 1_500,
  'http-query': 2_000,
};
const runsOf = (t: TargetName): number => Number(process.env.FUZZ_RUNS ?? RUNS[t]);

const FIXTURES = new URL('../fixtures/fuzz/', import.meta.url);

function assertHeld(reply: WorkerReply): void {
  if (reply.ok) return;
  assert.fail(`${reply.error}\ninput (base64): ${reply.input ?? 'unknown'}`);
}

describe('fuzz: inputs that found bugs (test/fixtures/fuzz)', () => {
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.bin')).sort();
  it('there is at least one fixture per bug found', () => assert.ok(fixtures.length >= 6));
  for (const name of fixtures) {
    const target = name.slice(0, name.indexOf('.')) as TargetName;
    it(`${name} ends in a result or a reject`, async () => {
      assert.ok(target in TARGETS, `no fuzz target ${target}`);
      assertHeld(await runInWorker({ kind: 'replay', target, inputs: [readFileSync(new URL(name, FIXTURES))] }));
    });
  }
});

describe('fuzz: mutated valid inputs and random bytes', () => {
  for (const target of Object.keys(TARGETS) as TargetName[]) {
    it(`${target}: ${runsOf(target)} inputs (seed ${SEED}) each end in a result or a reject`, async () => {
      assertHeld(await runInWorker({ kind: 'fuzz', target, seed: SEED, numRuns: runsOf(target) }));
    });
  }
});
