/**
 * A dense honeypot fleet, the traffic that made the engine collapse (issue #10): a small fleet
 * (40 deckies) over 60 days, crews of 3–7 embedded in a background of commodity bots that run
 * kill chains on the same busy deckies.
 *
 * - Crews (30 % of identities), each kind as in the seven reference fixtures: shared payload + C2
 *   (55 %), a foothold handed from a broker to consumers on one decky (30 %), or keystroke rhythm
 *   with overlapping sessions (15 %).
 * - Bots (70 %): one decky per observation. About 15 % of all observations end in
 *   `persistence`/`command_and_control` and 15–17 % start with `discovery`/`lateral_movement`, so on a
 *   busy decky an OUT bot and an IN bot within 24 h look like a handoff: the coincidences that
 *   percolate under single linkage.
 * - Late observations change phases: 40 % of the OUT bots later report a `collection` phase on
 *   the same decky (the OUT handoff is gone: edges vanish, components split) and 40 % of the IN bots
 *   later report the `delivery` that preceded their discovery (the IN handoff is gone too).
 * - 3 % of identities also carry one of three hot C2 endpoints; for a bot it is its only
 *   infrastructure, so under a profile where shared infrastructure alone links, the bots on one
 *   hot C2 are one clique (a botnet).
 *
 * Two observations per identity, in time order. Seeded: the same size gives the same stream.
 * `truth` labels every identity with its crew, or with itself for a bot (bots are singletons).
 */
import type { IdentityObserved, Observation, TtpEntry } from '../src/domain/identity-events.ts';
import type { Phase } from '../src/domain/phases.ts';
import { rng } from './corpus.ts';

const T0 = 1_767_225_600;
const HOUR = 3600;
const DAY = 86_400;

export interface DenseOptions {
  readonly deckies?: number;
  readonly days?: number;
  /** share of identities that carry a hot C2 endpoint */
  readonly hotShare?: number;
  readonly hotTokens?: number;
  readonly crewShare?: number;
  readonly seed?: number;
}

export interface DenseCorpus {
  readonly events: IdentityObserved[];
  /** identity uuid → crew label (a bot is labelled with its own uuid) */
  readonly truth: Map<string, string>;
}


const empty: Observation = { sessions: [], ttp: [], payload_hashes: [], c2_endpoints: [], asn: null, tools: [], ja3: null, hassh: null, kd_simhash: null };

export function denseCorpus(identities: number, options: DenseOptions = {}): DenseCorpus {
  const deckyCount = options.deckies ?? 40;
  const days = options.days ?? 60;
  const hotShare = options.hotShare ?? Number(process.env.DENSE_HOT ?? 0.03);
  const hotTokens = options.hotTokens ?? 3;
  const crewShare = options.crewShare ?? 0.3;
  const r = rng(options.seed ?? 7);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const deckyName = (i: number) => `decky-${String(1 + i).padStart(2, '0')}`;
  const decky = () => deckyName(int(deckyCount));
  const hot = () => (r() < hotShare ? `c2.hot-${int(hotTokens)}.example` : null);
  const session = (t: number, d: string) => ({ start: t, end: t + 30 + int(600), decky: d });
  const ttp = (d: string, phase: Phase, start: number, end = start + 30): TtpEntry => ({ decky: d, phase, start, end });

  const events: IdentityObserved[] = [];
  const truth = new Map<string, string>();
  let id = 0;
  let crew = 0;
  const uuidOf = (n: number) => `idn-${String(n).padStart(8, '0')}`;
  const push = (uuid: string, t1: number, first: Observation, t2: number, second: Observation) => {
    events.push(
      { type: 'identity.observed', event_id: `${uuid}-1`, time: t1, identity_uuid: uuid, version: 1, observation: first },
      { type: 'identity.observed', event_id: `${uuid}-2`, time: t2, identity_uuid: uuid, version: 2, observation: second },
    );
  };

  while (id < identities) {
    if (r() < crewShare / (crewShare + (1 - crewShare) * 5)) {
      // A crew (3–7 identities). The odds above make crews hold ~crewShare of identities.
      const size = Math.min(identities - id, 3 + int(5));
      const kind = int(20); // 0–10 infra, 11–16 handoff, 17–19 keystroke
      const label = `crew-${crew++}`;
      const d = decky();
      const start = T0 + int(days - 2) * DAY + int(DAY);
      const kd = (BigInt(int(0x1_0000_0000)) << 32n) | BigInt(int(0x1_0000_0000));
      for (let m = 0; m < size; m++, id++) {
        const uuid = uuidOf(id);
        truth.set(uuid, label);
        const t = start + m * 1800;
        const h = hot();
        const asn = 64_000 + int(4000);
        const first: Observation = { ...empty, asn, sessions: [session(t, d)] };
        let second: Observation;
        let t2 = t + HOUR + int(3 * DAY);
        if (kind <= 10) {
          second = { ...empty, payload_hashes: [`p-${label}`], c2_endpoints: h ? [`c2-${label}.example`, h] : [`c2-${label}.example`] };
        } else if (kind <= 16) {
          // member 0 breaks in and holds the decky; the others pick the foothold up, each within hours
          t2 = t + 600;
          second = m === 0
            ? { ...empty, c2_endpoints: h ? [h] : [], ttp: [ttp(d, 'delivery', t), ttp(d, 'command_and_control', t + 300, t + 500)] }
            : { ...empty, c2_endpoints: h ? [h] : [], ttp: [ttp(d, 'discovery', start + 500 + m * 1800), ttp(d, 'collection', start + 900 + m * 1800)] };
        } else {
          second = { ...empty, kd_simhash: kd ^ (1n << BigInt(int(64))), asn, sessions: [{ start, end: start + 3 * HOUR, decky: d }], c2_endpoints: h ? [h] : [] };
        }
        push(uuid, t, first, Math.max(t2, t + 1), second);
      }
      continue;
    }
    // A bot: two observations, one decky each.
    const uuid = uuidOf(id++);
    truth.set(uuid, uuid);
    const t1 = T0 + int(days) * DAY + int(DAY);
    const t2 = t1 + HOUR + int(5 * DAY);
    const d1 = decky();
    const asn = 1000 + int(60_000);
    const role = r();
    const h = hot();
    const infra = h ? [h] : [];
    let first: Observation;
    let second: Observation;
    if (role < 0.3) {
      // OUT: breaks in and persists; 40 % report what they did next on that decky later
      first = { ...empty, asn, sessions: [session(t1, d1)], ttp: [ttp(d1, 'delivery', t1), ttp(d1, pick(['persistence', 'command_and_control'] as const), t1 + 120 + int(600))] };
      second = r() < 0.4
        ? { ...empty, c2_endpoints: infra, sessions: [session(t2, d1)], ttp: [ttp(d1, 'collection', t2)] }
        : { ...empty, c2_endpoints: infra, sessions: [session(t2, decky())] };
    } else if (role < 0.55) {
      // IN: shows up exploring a decky; 40 % later report the delivery that got them in
      first = { ...empty, asn, sessions: [session(t1, d1)], ttp: [ttp(d1, pick(['discovery', 'lateral_movement'] as const), t1), ttp(d1, 'execution', t1 + 60)] };
      second = r() < 0.4
        ? { ...empty, c2_endpoints: infra, ttp: [ttp(d1, 'delivery', t1 - 60 - int(HOUR))] }
        : { ...empty, c2_endpoints: infra, sessions: [session(t2, decky())] };
    } else {
      // the common bot: delivery and exploitation; some come back later to explore or hold another decky
      first = { ...empty, asn, sessions: [session(t1, d1)], ttp: [ttp(d1, 'delivery', t1), ttp(d1, 'exploitation', t1 + 60)] };
      const d2 = decky();
      const next = r();
      second = next < 0.25
        ? { ...empty, c2_endpoints: infra, sessions: [session(t2, d2)], ttp: [ttp(d2, pick(['discovery', 'lateral_movement'] as const), t2)] }
        : next < 0.35
          ? { ...empty, c2_endpoints: infra, sessions: [session(t2, d2)], ttp: [ttp(d2, 'delivery', t2), ttp(d2, 'persistence', t2 + 300)] }
          : { ...empty, c2_endpoints: infra, sessions: [session(t2, d2)] };
    }
    push(uuid, t1, first, t2, second);
  }
  events.sort((a, b) => a.time - b.time || (a.event_id < b.event_id ? -1 : 1));
  return { events, truth };
}
