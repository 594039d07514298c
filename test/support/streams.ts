/**
 * fast-check arbitraries for identity event streams that exercise every path of the engine:
 * shared tokens (one of them hot), handoffs on a small fleet, near keystroke hashes, windows
 * that overlap, and upstream merges, unmerges and retirements.
 */
import fc from 'fast-check';
import type { Engine } from '../../src/domain/engine-api.ts';
import type { IdentityEvent, Observation } from '../../src/domain/identity-events.ts';
import type { Phase } from '../../src/domain/phases.ts';

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const PHASES: Phase[] = ['delivery', 'exploitation', 'persistence', 'command_and_control', 'discovery', 'lateral_movement', 'collection'];
const BASE_KD = 0x0123456789abcdefn;

export interface StreamShape {
  identities: number;
  maxEvents: number;
}

const identity = (n: number) => fc.integer({ min: 0, max: n - 1 }).map((i) => `id-${String(i).padStart(3, '0')}`);

const observation: fc.Arbitrary<Observation> = fc.record({
  sessions: fc.array(
    fc.record({ start: fc.integer({ min: 0, max: 40 }), len: fc.integer({ min: 0, max: 6 }), decky: fc.integer({ min: 1, max: 3 }) })
      .map(({ start, len, decky }) => ({ start: T0 + start * 3600, end: T0 + (start + len) * 3600, decky: `decky-0${decky}` })),
    { maxLength: 2 },
  ),
  ttp: fc.array(
    fc.record({ decky: fc.integer({ min: 1, max: 3 }), phase: fc.constantFrom(...PHASES), start: fc.integer({ min: 0, max: 60 }), len: fc.integer({ min: 0, max: 2 }) })
      .map(({ decky, phase, start, len }) => ({ decky: `decky-0${decky}`, phase, start: T0 + start * 3600, end: T0 + (start + len) * 3600 })),
    { maxLength: 3 },
  ),
  // "hot" is shared by many identities; the others make Jaccard vary.
  payload_hashes: fc.array(fc.constantFrom('hot', 'p1', 'p2', 'p3'), { maxLength: 2 }),
  c2_endpoints: fc.array(fc.constantFrom('c2.a', 'c2.b', 'c2.c'), { maxLength: 1 }),
  asn: fc.option(fc.constantFrom(64500, 64501, 0), { nil: null }),
  tools: fc.array(fc.constantFrom('hydra', 'nmap'), { maxLength: 1 }),
  ja3: fc.constant(null),
  hassh: fc.constant(null),
  kd_simhash: fc.option(fc.integer({ min: 0, max: 63 }).chain((bit) => fc.boolean().map((flip) => (flip ? BASE_KD ^ (1n << BigInt(bit)) : BASE_KD))), { nil: null }),
});

const kinds = (n: number) => fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('obs' as const), id: identity(n), o: observation }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('merge' as const), w: identity(n), l: identity(n) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unmerge' as const), r: identity(n), w: identity(n) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retire' as const), id: identity(n) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dup' as const), back: fc.nat(20) }) },
);

/** A stream with versions increasing per identity and unique event ids (plus deliberate duplicates). */
export function streamArb(shape: StreamShape = { identities: 12, maxEvents: 70 }): fc.Arbitrary<IdentityEvent[]> {
  return fc.array(kinds(shape.identities), { minLength: Math.min(20, shape.maxEvents), maxLength: shape.maxEvents, size: 'max' }).map((steps) => {
    const versions = new Map<string, number>();
    const out: IdentityEvent[] = [];
    steps.forEach((s, i) => {
      const time = T0 + i;
      const event_id = `ev-${i}`;
      switch (s.kind) {
        case 'obs': {
          const v = (versions.get(s.id) ?? 0) + 1;
          versions.set(s.id, v);
          out.push({ type: 'identity.observed', event_id, time, identity_uuid: s.id, version: v, observation: s.o });
          break;
        }
        case 'merge':
          out.push({ type: 'identity.merged', event_id, time, winner_uuid: s.w, loser_uuid: s.l });
          break;
        case 'unmerge':
          out.push({ type: 'identity.unmerged', event_id, time, resurrected_uuid: s.r, former_winner_uuid: s.w });
          break;
        case 'retire':
          out.push({ type: 'identity.retired', event_id, time, identity_uuid: s.id });
          break;
        case 'dup':
          if (out.length) out.push(out[Math.max(0, out.length - 1 - (s.back % out.length))]);
          break;
      }
    });
    return out;
  });
}

/** Cuts a stream into consecutive batches of the given sizes (cycled). */
export function cut<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  let i = 0;
  let k = 0;
  while (i < items.length) {
    const n = Math.max(1, sizes[k++ % sizes.length]);
    out.push(items.slice(i, i + n));
    i += n;
  }
  return out;
}

/**
 * Applies batches in order (batch b's positions are `b:i`, its range `b<b>`…`b<b+1>`, counting
 * from `first`), calling onBatch with every event applied so far; returns the campaign events.
 * Starting at `first` continues a run cut at that batch (a restored engine).
 */
export function runBatches(
  engine: Engine, batches: readonly IdentityEvent[][], onBatch?: (prefix: IdentityEvent[]) => void, first = 0,
): unknown[] {
  const prefix: IdentityEvent[] = [];
  const log: unknown[] = [];
  batches.forEach((batch, j) => {
    const b = first + j;
    log.push(...engine.applyBatch(batch.map((event, i) => ({ position: `${b}:${i}`, event })), { from: `b${b}`, to: `b${b + 1}` }).events);
    prefix.push(...batch);
    onBatch?.(prefix);
  });
  return log;
}

const overrideKinds = (n: number) => fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('obs' as const), id: identity(n), o: observation }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('merge' as const), w: identity(n), l: identity(n) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unmerge' as const), r: identity(n), w: identity(n) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retire' as const), id: identity(n) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dup' as const), back: fc.nat(20) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom('must' as const, 'cannot' as const, 'pin' as const), a: identity(n), b: identity(n), ka: fc.nat(), kb: fc.nat(), at: fc.nat(40),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), back: fc.nat(8), at: fc.nat(40) }) },
);

/**
 * A stream like `streamArb`'s with analyst must-links, cannot-links, pins and revokes mixed in.
 * An override's time is drawn apart from its place in the stream, so which of two conflicting
 * overrides is newer (time, event_id) is independent of which arrived first; some name
 * identities not seen yet, some revoke ids that are not overrides.
 */
export function overrideStreamArb(shape: StreamShape = { identities: 10, maxEvents: 60 }): fc.Arbitrary<IdentityEvent[]> {
  return fc.array(overrideKinds(shape.identities), { minLength: Math.min(20, shape.maxEvents), maxLength: shape.maxEvents, size: 'max' }).map((steps) => {
    const versions = new Map<string, number>();
    const out: IdentityEvent[] = [];
    const overrideIds: string[] = [];
    const who = { author: 'kim', reason: 'test' };
    steps.forEach((s, i) => {
      const time = T0 + i;
      const event_id = `ev-${String(i).padStart(3, '0')}`;
      switch (s.kind) {
        case 'obs': {
          const v = (versions.get(s.id) ?? 0) + 1;
          versions.set(s.id, v);
          out.push({ type: 'identity.observed', event_id, time, identity_uuid: s.id, version: v, observation: s.o });
          break;
        }
        case 'merge':
          out.push({ type: 'identity.merged', event_id, time, winner_uuid: s.w, loser_uuid: s.l });
          break;
        case 'unmerge':
          out.push({ type: 'identity.unmerged', event_id, time, resurrected_uuid: s.r, former_winner_uuid: s.w });
          break;
        case 'retire':
          out.push({ type: 'identity.retired', event_id, time, identity_uuid: s.id });
          break;
        case 'dup':
          if (out.length) out.push(out[Math.max(0, out.length - 1 - (s.back % out.length))]);
          break;
        case 'must':
        case 'cannot':
        case 'pin': {
          // Mostly identities already observed (an override about a stranger is refused), some not.
          const seen = [...versions.keys()];
          const pick = (raw: string, k: number) => (k % 6 === 0 || seen.length < 2 ? raw : seen[k % seen.length]);
          const a = pick(s.a, s.ka);
          const b = pick(s.b, s.kb);
          if (a === b) break;
          const t = T0 + s.at;
          overrideIds.push(event_id);
          if (s.kind === 'pin') out.push({ type: 'analyst.pin', event_id, time: t, identity_uuid: a, anchor_uuid: b, ...who });
          else out.push({ type: s.kind === 'must' ? 'analyst.must_link' : 'analyst.cannot_link', event_id, time: t, identity_uuids: [a, b], ...who });
          break;
        }
        case 'revoke': {
          const target = s.back < overrideIds.length ? overrideIds[overrideIds.length - 1 - s.back] : `ev-${String(s.back).padStart(3, '0')}`;
          if (target !== event_id) out.push({ type: 'analyst.revoke', event_id, time: T0 + s.at, override_event_id: target, ...who });
          break;
        }
      }
    });
    return out;
  });
}
