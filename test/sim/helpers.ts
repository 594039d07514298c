/**
 * Shared by the simulator tests: where the reference fixtures live (read in place, never copied
 * into the project) and a few small builders.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { AttackerRow, SimSession } from '../../src/sim/corpus-types.ts';
import { SIM_EPOCH } from '../../src/sim/corpus-types.ts';

/** `../shared/fixtures/decnet/` beside the repository; override with DECNET_FIXTURE_DIR. */
export const FIXTURE_DIR = process.env.DECNET_FIXTURE_DIR ?? fileURLToPath(new URL('../../../shared/fixtures/decnet/', import.meta.url));

export const FIXTURES = ['lone_wolf', 'shared_wordlist', 'vpn_hopping', 'paused_campaign', 'multi_operator', 'noise_floor', 'slow_burn'] as const;
export type FixtureName = (typeof FIXTURES)[number];

export const fixturePath = (name: FixtureName): string => join(FIXTURE_DIR, `${name}.yaml`);

export const iso = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

export const sessionCount = (rows: readonly AttackerRow[]): number => rows.reduce((n, r) => n + r.sessions.length, 0);

/** A hand-made row for unit tests of the identity layer and the clusterers. */
export function row(id: string, over: Partial<Omit<AttackerRow, 'sessions'>> & { sessions?: Partial<SimSession>[] } = {}): AttackerRow {
  const sessions = (over.sessions ?? []).map((s, i): SimSession => ({
    id: `${id}-s${i}`, start: SIM_EPOCH, duration: 1, end: (s.start ?? SIM_EPOCH) + 1, decky: 'decky-01', phase: 'delivery',
    commands: [], credentials: [], c2_callback: null, payload_hash: null, keystroke: null, ...s,
  }));
  return {
    id, ip: '192.0.2.1', asn: null, ja3: null, hassh: null,
    truth: { campaign: id, actor: id, identity: id },
    first_seen: SIM_EPOCH, last_seen: SIM_EPOCH,
    ...over,
    sessions,
  };
}
