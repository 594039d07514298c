/**
 * Test data for the query surface: a real store written by the real `campaigns run`, holding
 * the noise_floor reference scenario plus two campaigns whose every attacker-controlled string
 * is hostile markup (identity ids, C2 endpoints, payload hashes, decky names). A later input
 * file adds one identity that bridges the two, so the run appends a live `campaign.merged`.
 *
 *   campaign A: a1, a2 share C2 + payload (shared infrastructure, Jaccard 1)
 *   campaign B: b1, b2 share C2 + payload; b1 also has sessions and a keystroke centroid
 *   merge file: z shares A's infrastructure (edge to a1, a2) and b1's sessions and centroid
 *               (keystroke 0.6 + temporal 0.4 = 1.0: an edge to b1) → B merges into A (older)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IdentityEvent, IdentityObserved, Observation } from '../../../src/domain/identity-events.ts';
import { identityEventToWire } from '../../../src/domain/validate.ts';
import { main } from '../../../src/cli/main.ts';
import type { CliIo } from '../../../src/cli/io.ts';
import { simulateFixture } from '../../../src/sim/scenario.ts';

export const HOSTILE = {
  script: '<script>alert(1)</script>',
  img: '"><img src=x onerror=alert(1)>',
  svg: "'><svg onload=alert(1)>",
  js: 'javascript:alert(1)',
} as const;

/** Identity ids: two of them are the hostile strings themselves. */
export const IDS = { a1: HOSTILE.img, a2: HOSTILE.script, b1: 'b1-operator', b2: 'b2-operator', z: 'z-bridge' } as const;

export const A_C2 = HOSTILE.script;
export const A_PAYLOAD = HOSTILE.svg;
export const B_C2 = HOSTILE.js;
export const B_PAYLOAD = HOSTILE.img;
export const HOSTILE_DECKY = '<b>decky-7</b>';

const FIXTURE_DIR = process.env.DECNET_FIXTURE_DIR ?? fileURLToPath(new URL('../../../../shared/fixtures/decnet/', import.meta.url));

/** 2026-01-10T00:00:00Z: after the simulator's epoch, so these campaigns are the newest. */
const T0 = 1_768_003_200;
const KD = 0x0123_4567_89ab_cdefn;

const obs = (o: Partial<Observation>): Observation => ({
  sessions: [], ttp: [], payload_hashes: [], c2_endpoints: [], asn: null, tools: [], ja3: null, hassh: null, kd_simhash: null, ...o,
});
export const observed = (identity: string, version: number, time: number, o: Partial<Observation>): IdentityObserved => ({
  type: 'identity.observed', event_id: `http-${identity}-${version}`, identity_uuid: identity, version, time, observation: obs(o),
});

export function hostileEvents(): IdentityEvent[] {
  const aInfra = { c2_endpoints: [A_C2], payload_hashes: [A_PAYLOAD] };
  const bInfra = { c2_endpoints: [B_C2], payload_hashes: [B_PAYLOAD] };
  return [
    observed(IDS.a1, 1, T0, { ...aInfra, sessions: [{ start: T0, end: T0 + 600, decky: HOSTILE_DECKY }], asn: 64500 }),
    observed(IDS.a2, 1, T0 + 60, { ...aInfra, sessions: [{ start: T0 + 60, end: T0 + 900, decky: HOSTILE_DECKY }] }),
    observed(IDS.b1, 1, T0 + 7_200, { ...bInfra, sessions: [{ start: T0 + 7_200, end: T0 + 10_800, decky: 'decky-9' }], kd_simhash: KD }),
    observed(IDS.b2, 1, T0 + 7_300, { ...bInfra, sessions: [{ start: T0 + 86_400, end: T0 + 86_500, decky: 'decky-9' }] }),
  ];
}

export function bridgeEvents(): IdentityEvent[] {
  return [
    observed(IDS.z, 1, T0 + 90_000, {
      c2_endpoints: [A_C2], payload_hashes: [A_PAYLOAD], sessions: [{ start: T0 + 7_200, end: T0 + 10_800, decky: 'decky-9' }], kd_simhash: KD,
    }),
  ];
}

export const toLines = (events: readonly IdentityEvent[]): string =>
  events.map((e) => JSON.stringify(identityEventToWire(e))).join('\n') + '\n';

const quiet = (): CliIo & { text: () => string } => {
  let out = '';
  const sink = { write: (c: string) => ((out += c), true), once: () => undefined };
  return { stdout: sink, stderr: sink, text: () => out };
};

export interface ScenarioStore {
  readonly dir: string;
  readonly files: readonly string[];
  /** Runs the bridge file into the store: the page and stream see B merge into A. */
  appendBridge(): Promise<void>;
  /**
   * Runs NDJSON lines (analyst overrides, say) into the store after everything before, as a
   * later `campaigns run` given one more input file would.
   */
  appendLines(name: string, lines: readonly string[]): Promise<void>;
}

async function run(dir: string, files: readonly string[], batchSize: number): Promise<void> {
  const io = quiet();
  const code = await main(['run', '--input', ...files, '--store', dir, '--batch-size', String(batchSize), '--json'], io);
  if (code !== 0) throw new Error(`campaigns run failed (${code}): ${io.text()}`);
}

/** Writes the input files and runs them into `<root>/store` with the real CLI. */
export async function buildScenarioStore(root: string): Promise<ScenarioStore> {
  const inputs = path.join(root, 'inputs');
  mkdirSync(inputs, { recursive: true });
  const noise = simulateFixture(path.join(FIXTURE_DIR, 'noise_floor.yaml'), 0).emitted.lines;
  const base = path.join(inputs, 'base.ndjson');
  writeFileSync(base, noise.join('\n') + '\n' + toLines(hostileEvents()));
  const bridge = path.join(inputs, 'bridge.ndjson');
  writeFileSync(bridge, toLines(bridgeEvents()));
  const dir = path.join(root, 'store');
  // Small batches: several batch records for the metrics, and the hostile campaigns last.
  await run(dir, [base], 40);
  const given = [base];
  return {
    dir,
    files: given,
    async appendBridge() {
      if (!given.includes(bridge)) given.push(bridge);
      await run(dir, given, 40);
    },
    async appendLines(name, lines) {
      const file = path.join(inputs, name);
      writeFileSync(file, lines.map((l) => l + '\n').join(''));
      if (!given.includes(file)) given.push(file);
      await run(dir, given, 40);
    },
  };
}
