/**
 * Deterministic identity-event input for runtime tests: identities in groups that share
 * infrastructure (so the real engine forms, grows, merges and splits campaigns), redeliveries
 * and stale versions (counted, not applied), retirements and upstream merges, and, when asked,
 * one bad line of every kind the validator refuses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** mulberry32: small, fast, and the same sequence everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
const uuid = (kind: number, n: number): string => `${hex(kind, 8)}-0000-4000-8000-${hex(n, 12)}`;

export interface StreamOptions {
  readonly seed: number;
  readonly events: number;
  readonly identities?: number;
  readonly groups?: number;
  /** Insert one bad line of each kind every this many lines (0: none). */
  readonly badEvery?: number;
}

/** One bad line of every kind, with the reject code the runtime must report. */
export const BAD_LINES: ReadonlyArray<{ readonly code: string; readonly line: (k: number) => string }> = [
  { code: 'invalid_json', line: (k) => `{"type":"identity.observed","event_id":"bad-json-${k}"` },
  { code: 'schema', line: (k) => JSON.stringify({ type: 'identity.observed', event_id: `bad-schema-${k}`, time: '2026-01-01T00:00:00Z', identity_uuid: 'x', version: 'one', observation: {} }) },
  { code: 'unknown_type', line: (k) => JSON.stringify({ type: 'identity.teleported', event_id: `bad-type-${k}`, time: '2026-01-01T00:00:00Z' }) },
  { code: 'bad_time', line: (k) => JSON.stringify({ type: 'identity.retired', event_id: `bad-time-${k}`, time: 'yesterday at noon', identity_uuid: 'x' }) },
  {
    code: 'bad_time', line: (k) => JSON.stringify({
      type: 'identity.observed', event_id: `bad-session-${k}`, time: '2026-01-01T00:00:00Z', identity_uuid: 'x', version: 1,
      observation: { sessions: [{ start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z', decky: 'd' }] },
    }),
  },
  {
    code: 'bad_time', line: (k) => JSON.stringify({
      type: 'identity.observed', event_id: `absurd-session-${k}`, time: '2026-01-01T00:00:00Z', identity_uuid: 'x', version: 1,
      observation: { sessions: [{ start: '2026-01-01T00:00:00Z', end: '2026-12-01T00:00:00Z', decky: 'd' }] },
    }),
  },
  {
    code: 'too_many_entries', line: (k) => JSON.stringify({
      type: 'identity.observed', event_id: `many-${k}`, time: '2026-01-01T00:00:00Z', identity_uuid: 'x', version: 1,
      observation: { payload_hashes: Array.from({ length: 10_001 }, (_, n) => `h${n}`) },
    }),
  },
  {
    code: 'bad_value', line: (k) => JSON.stringify({
      type: 'identity.observed', event_id: `asn-${k}`, time: '2026-01-01T00:00:00Z', identity_uuid: 'x', version: 1, observation: { asn: -5 },
    }),
  },
  { code: 'line_too_long', line: (k) => JSON.stringify({ type: 'identity.retired', event_id: `huge-${k}`, time: '2026-01-01T00:00:00Z', identity_uuid: 'x'.repeat(1_100_000) }) },
];

/** NDJSON lines (without terminators). */
export function identityLines(o: StreamOptions): string[] {
  const rnd = prng(o.seed);
  const nIdentities = o.identities ?? Math.max(20, Math.floor(o.events / 8));
  const nGroups = o.groups ?? Math.max(4, Math.floor(nIdentities / 5));
  const pick = (n: number): number => Math.floor(rnd() * n);
  const version = new Array<number>(nIdentities).fill(0);
  const retired = new Set<number>();
  const groupOf = (i: number): number => (i * 7919) % nGroups;
  const t0 = Date.UTC(2026, 0, 1) / 1000;
  const lines: string[] = [];
  let badK = 0;
  for (let k = 0; k < o.events; k++) {
    const time = t0 + k * 37;
    if (o.badEvery && k > 0 && k % o.badEvery === 0) {
      const bad = BAD_LINES[badK % BAD_LINES.length];
      lines.push(bad.line(badK++));
    }
    const r = rnd();
    if (r < 0.02 && lines.length > 0) {
      lines.push(lines[pick(lines.length)]); // redelivery: a repeated event id
      continue;
    }
    const i = pick(nIdentities);
    const id = uuid(1, i);
    if (r < 0.03) {
      if (!retired.has(i)) {
        retired.add(i);
        lines.push(JSON.stringify({ type: 'identity.retired', event_id: `ev-${k}`, time: iso(time), identity_uuid: id }));
        continue;
      }
    } else if (r < 0.045) {
      const j = pick(nIdentities);
      if (j !== i && !retired.has(i) && !retired.has(j)) {
        lines.push(JSON.stringify({ type: 'identity.merged', event_id: `ev-${k}`, time: iso(time), winner_uuid: id, loser_uuid: uuid(1, j) }));
        continue;
      }
    } else if (r < 0.05) {
      // A stale redelivery: a version the identity has already passed.
      if (version[i] > 1) {
        lines.push(JSON.stringify(observed(k, id, 1, time, groupOf(i), rnd, nGroups)));
        continue;
      }
    }
    if (retired.has(i)) continue;
    version[i]++;
    lines.push(JSON.stringify(observed(k, id, version[i], time, groupOf(i), rnd, nGroups)));
  }
  return lines;
}

function observed(k: number, id: string, version: number, time: number, group: number, rnd: () => number, nGroups: number) {
  const bridge = rnd() < 0.05 ? Math.floor(rnd() * nGroups) : group;
  const decky = `decky-${String(group % 20).padStart(2, '0')}`;
  return {
    type: 'identity.observed',
    event_id: `ev-${k}`,
    time: iso(time),
    identity_uuid: id,
    version,
    observation: {
      sessions: [{ start: iso(time - 600), end: iso(time), decky }],
      ttp: rnd() < 0.3 ? [{ decky, tactic: rnd() < 0.5 ? 'TA0011' : 'TA0007', start: iso(time - 300) }] : [],
      payload_hashes: [`payload-${hex(group, 6)}`, ...(bridge !== group ? [`payload-${hex(bridge, 6)}`] : [])],
      c2_endpoints: rnd() < 0.5 ? [`10.${group % 250}.0.1:443`] : [],
      asn: 64_512 + (group % 100),
      tools: ['nmap'],
    },
  };
}

export function writeLines(file: string, lines: readonly string[]): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, lines.map((l) => l + '\n').join(''));
  return file;
}
