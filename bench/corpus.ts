/**
 * Synthetic identity streams for benchmarks: about 5 identities a campaign, held together by
 * shared payload + C2, by phase handoffs on a 200-decky fleet, or by keystroke rhythm with
 * overlapping activity; 10 % of identities also carry a hot C2 token shared by ~200 identities
 * of unrelated campaigns (candidate work that never forms an edge). Two observations per
 * identity, interleaved in time order across 90 days. Seeded: the same size gives the same stream.
 */
import type { IdentityObserved, Observation } from '../src/domain/identity-events.ts';

const T0 = 1_767_225_600;
const DAY = 86_400;

/** xorshift32 in [0, 1): the benchmark corpora's only randomness (seeded: same size, same stream). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

const empty: Observation = { sessions: [], ttp: [], payload_hashes: [], c2_endpoints: [], asn: null, tools: [], ja3: null, hassh: null, kd_simhash: null };

export function benchCorpus(identities: number, seed = 42): IdentityObserved[] {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const events: IdentityObserved[] = [];
  const hotShare = 200;
  const hotTokens = Math.max(1, Math.round((identities * 0.1) / hotShare));
  let id = 0;
  let c = 0;
  while (id < identities) {
    const size = Math.min(identities - id, 3 + int(5));
    const kind = int(10); // 0-6 infra, 7-8 handoff, 9 keystroke
    const start = T0 + int(90) * DAY + int(DAY);
    const decky = `decky-${String(1 + int(200)).padStart(3, '0')}`;
    const kd = (BigInt(int(0x1_0000_0000)) << 32n) | BigInt(int(0x1_0000_0000));
    const hot = r() < 0.1 ? `c2.hot-${int(hotTokens)}.example` : null;
    for (let m = 0; m < size; m++, id++) {
      const uuid = `idn-${String(id).padStart(8, '0')}`;
      const t = start + m * 1800;
      const first: Observation = { ...empty, asn: 64_000 + int(500), sessions: [{ start: t, end: t + 60 + int(600), decky }] };
      let second: Observation;
      if (kind <= 6) {
        second = { ...empty, payload_hashes: [`p-${c}`], c2_endpoints: hot ? [`c2-${c}.example`, hot] : [`c2-${c}.example`] };
      } else if (kind <= 8) {
        // a chain of operators, each picking up the previous one's foothold on the same decky
        second = { ...empty, c2_endpoints: hot ? [hot] : [], ttp: [
          { decky, phase: 'discovery', start: t + 60, end: t + 120 },
          { decky, phase: 'command_and_control', start: t + 1700, end: t + 1790 },
        ] };
      } else {
        second = { ...empty, kd_simhash: kd ^ (1n << BigInt(int(64))), asn: 64_999, sessions: [{ start, end: start + 3600, decky }] };
      }
      events.push(
        { type: 'identity.observed', event_id: `${uuid}-1`, time: t, identity_uuid: uuid, version: 1, observation: first },
        { type: 'identity.observed', event_id: `${uuid}-2`, time: t + 3600 + int(7 * DAY), identity_uuid: uuid, version: 2, observation: second },
      );
    }
    c++;
  }
  events.sort((a, b) => a.time - b.time || (a.event_id < b.event_id ? -1 : 1));
  return events;
}

/**
 * The same stream, packed: one off-heap buffer of JSON lines and their offsets, decoded into
 * fresh event objects a slice at a time. A million-identity corpus held as two million live
 * objects would sit in the engine's heap for the whole run (every full GC marking it), which no
 * real input does: events arrive, are folded, and die. Decoded events are deep-equal to
 * `benchCorpus`'s (the keystroke SimHash travels as hex).
 */
export class PackedCorpus {
  private constructor(private readonly bytes: Buffer, private readonly offsets: Float64Array) {}

  static of(events: readonly IdentityObserved[]): PackedCorpus {
    const parts: Buffer[] = [];
    const offsets = new Float64Array(events.length + 1);
    let at = 0;
    for (let i = 0; i < events.length; i++) {
      const line = Buffer.from((i ? ',' : '') + JSON.stringify(events[i], (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v)));
      parts.push(line);
      offsets[i] = at + (i ? 1 : 0);
      at += line.length;
    }
    offsets[events.length] = at;
    return new PackedCorpus(Buffer.concat(parts), offsets);
  }

  get length(): number {
    return this.offsets.length - 1;
  }

  /** File form: event count (u32 LE), the offsets (f64 LE), the JSON bytes. */
  toBuffer(): Buffer {
    const head = Buffer.alloc(4 + 8 * this.offsets.length);
    head.writeUInt32LE(this.length, 0);
    for (let i = 0; i < this.offsets.length; i++) head.writeDoubleLE(this.offsets[i], 4 + 8 * i);
    return Buffer.concat([head, this.bytes]);
  }

  static fromBuffer(buf: Buffer): PackedCorpus {
    const count = buf.readUInt32LE(0);
    const offsets = new Float64Array(count + 1);
    for (let i = 0; i <= count; i++) offsets[i] = buf.readDoubleLE(4 + 8 * i);
    return new PackedCorpus(buf.subarray(4 + 8 * (count + 1)), offsets);
  }

  /** Events [from, to), freshly decoded. */
  slice(from: number, to: number): IdentityObserved[] {
    to = Math.min(to, this.length);
    if (from >= to) return [];
    // offsets[i] is where event i's JSON starts; a comma precedes every event but the first
    const end = to === this.length ? this.offsets[to] : this.offsets[to] - 1;
    const text = this.bytes.toString('utf8', this.offsets[from], end);
    const out = JSON.parse('[' + text + ']') as Array<IdentityObserved & { observation: { kd_simhash: unknown } }>;
    for (const e of out) {
      const kd = e.observation.kd_simhash;
      if (typeof kd === 'string') (e.observation as { kd_simhash: bigint | null }).kd_simhash = BigInt(kd);
    }
    return out;
  }
}
