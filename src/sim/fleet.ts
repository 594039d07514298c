/**
 * The fleet expander (campaign-stream extension, docs/SIMULATOR.md "Fleets"): a `FleetSpec` plus
 * a seed → attacker rows with truth. One `PythonRandom(seed)` draws everything, in this order:
 *
 *   1. crews: per template, per instance k: the instance's day offset, then its campaigns
 *      through the reference campaign expander (on the fleet's deckies, shifted by the offset),
 *      then the template's noise scanners as fleet noise;
 *   2. bots, one after another (kill chain, commodity tokens, ids, fingerprints, steps);
 *   3. one pass over every fingerprinted row: a hot-C2 sighting with probability `hot_share`.
 *
 * Truth: an embedded campaign is one crew, `<campaign id>~<crew name>-<k>`; a bot is its own
 * singleton `<fleet id>-bot-NNNNNN`; noise scanners keep the reference's `noise-scanner-NNNN`.
 * The reference expander (`expandCorpus`) is untouched by all of this: fixtures without a
 * `fleet:` block expand exactly as before.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_COMMANDS, SIM_EPOCH, fleetDeckies } from './corpus-types.ts';
import type { AttackerRow, CampaignSpec, CorpusSpec, FleetSpec, KillChainSpec, SimSession } from './corpus-types.ts';
import { expandCampaign, expandCorpus, randomId, randomIp, sha256Hex, touch } from './expander.ts';
import type { RowBuilder } from './expander.ts';
import { PythonRandom } from './mt19937.ts';

const DAY = 86_400;

/** Any scenario: the fleet expander for a `fleet:` spec, the reference expander otherwise. */
export function expandScenario(spec: CorpusSpec, seed: number | bigint): AttackerRow[] {
  return spec.fleet === undefined ? expandCorpus(spec, seed) : expandFleet(spec.fleet, seed);
}

/** The commodity tokens a fleet's bots share (payload hashes are SHA-256 of these seeds). */
export const commodityPayloadSeed = (i: number): string => `commodity-payload-${i}`;
export const commodityC2 = (i: number): string => `c2.commodity-${i}.example`;
export const hotC2 = (i: number): string => `c2.hot-${i}.example`;

export function expandFleet(fleet: FleetSpec, seed: number | bigint): AttackerRow[] {
  const rng = new PythonRandom(seed);
  const deckies = fleetDeckies(fleet.deckies);
  const rows: RowBuilder[] = [];
  let noise = 0;
  for (const crew of fleet.crews) {
    // One offset per instance keeps the template's own timing (noise_floor's constituents stay
    // on the same days relative to each other); a template longer than the fleet starts on day 0.
    const templateDays = Math.max(1, ...crew.corpus.campaigns.map((c) => c.duration_days));
    const span = Math.max(1, fleet.duration_days - templateDays + 1);
    for (let k = 0; k < crew.count; k++) {
      const tag = `${crew.name}-${k}`;
      const placement = { deckies, dayOffset: rng.randbelow(span) };
      for (const c of crew.corpus.campaigns) rows.push(...expandCampaign(rng, instantiate(c, tag), placement));
      for (let i = 0; i < crew.corpus.noise_scanners; i++) rows.push(noiseScanner(rng, noise++, fleet, deckies));
    }
  }
  const bots = new BotFactory(fleet, deckies);
  for (let i = 0; i < fleet.bots.count; i++) rows.push(bots.bot(rng, i));
  if (fleet.hot_share > 0) addHotSightings(rng, rows, fleet);
  return rows;
}

/**
 * One embedded instance of a template campaign: every token that links rows (JA3, HASSH,
 * payload seed, C2, keystroke) is made the instance's own, so instances of one template are
 * unrelated crews — sharing stays exactly what the template shares inside itself. Strings get
 * `~<tag>`; a keystroke SimHash is XORed with a mask derived from the tag, which keeps every
 * Hamming distance inside the instance and puts other instances ~32 bits away.
 * Credentials, commands and ASNs are kept: a wordlist or a hosting ASN is shared in the wild.
 */
export function instantiate(c: CampaignSpec, tag: string): CampaignSpec {
  const own = (s: string): string => `${s}~${tag}`;
  const mask = createHash('sha256').update(`keystroke~${tag}`, 'utf8').digest('hex').slice(0, 16);
  return {
    ...c,
    id: own(c.id),
    actors: c.actors.map((a) => ({
      ...a,
      ja3: a.ja3 === null ? null : own(a.ja3),
      hassh: a.hassh === null ? null : own(a.hassh),
      keystroke: a.keystroke === null ? null : xorHex(a.keystroke, mask),
    })),
    phases: c.phases.map((p) => ({
      ...p,
      // '' carries no C2 in the emitted events; keep it that way
      c2_callback: p.c2_callback ? own(p.c2_callback) : p.c2_callback,
      payload_seed: p.payload_seed === null ? null : own(p.payload_seed),
    })),
  };
}

const xorHex = (a: string, b: string): string =>
  Array.from(a, (ch, i) => (parseInt(ch, 16) ^ parseInt(b[i], 16)).toString(16)).join('');

/** The reference noise scanner's shape (one delivery session), spread over the fleet's days and deckies. */
function noiseScanner(rng: PythonRandom, i: number, fleet: FleetSpec, deckies: readonly string[]): RowBuilder {
  const label = `noise-scanner-${String(i).padStart(4, '0')}`;
  const id = randomId(rng, 'att');
  const ip = randomIp(rng);
  const asn = rng.randint(1000, 65000);
  const start = SIM_EPOCH + rng.randbelow(fleet.duration_days) * DAY + rng.randbelow(DAY);
  const sessionId = randomId(rng, 'sess');
  const decky = rng.choice(deckies);
  const row: RowBuilder = {
    id, ip, asn, ja3: null, hassh: null,
    truth: { campaign: label, actor: label, identity: label, background: true },
    first_seen: SIM_EPOCH, last_seen: SIM_EPOCH,
    sessions: [{ id: sessionId, start, duration: 1, end: start + 1, decky, phase: 'delivery', commands: [], credentials: [], c2_callback: null, payload_hash: null, keystroke: null }],
  };
  touch(row, start);
  return row;
}

class BotFactory {
  private readonly payloads: readonly string[];
  private readonly c2: readonly string[];
  private readonly totalWeight: number;

  constructor(private readonly fleet: FleetSpec, private readonly deckies: readonly string[]) {
    this.payloads = Array.from({ length: fleet.commodity_payloads }, (_, i) => sha256Hex(commodityPayloadSeed(i)));
    this.c2 = Array.from({ length: fleet.commodity_c2 }, (_, i) => commodityC2(i));
    this.totalWeight = fleet.bots.kill_chains.reduce((s, c) => s + c.weight, 0);
  }

  private chain(rng: PythonRandom): KillChainSpec {
    const chains = this.fleet.bots.kill_chains;
    let r = rng.random() * this.totalWeight;
    for (const c of chains) {
      if (r < c.weight) return c;
      r -= c.weight;
    }
    return chains[chains.length - 1]; // r landed on the float sum's rounding edge
  }

  /**
   * A bot: a fingerprint of its own (unique JA3 and HASSH, so the identity layer never folds
   * two bots that share a commodity payload or C2 — the fingerprints veto it), one commodity
   * payload and C2, and the sessions of one kill chain starting on a uniform day and second.
   */
  bot(rng: PythonRandom, i: number): RowBuilder {
    const chain = this.chain(rng);
    const payload = this.payloads.length > 0 ? this.payloads[rng.randbelow(this.payloads.length)] : null;
    const c2 = this.c2.length > 0 ? this.c2[rng.randbelow(this.c2.length)] : null;
    const identity = randomId(rng, 'id');
    const id = randomId(rng, 'att');
    const ip = randomIp(rng);
    const [lo, hi] = this.fleet.bots.asn_range;
    const asn = rng.randint(lo, hi);
    const ja3 = Buffer.from(rng.randbytes(16)).toString('hex');
    const hassh = Buffer.from(rng.randbytes(16)).toString('hex');
    const label = `${this.fleet.id}-bot-${String(i).padStart(6, '0')}`;
    const row: RowBuilder = {
      id, ip, asn, ja3, hassh,
      truth: { campaign: label, actor: chain.name, identity, background: true },
      first_seen: SIM_EPOCH, last_seen: SIM_EPOCH, sessions: [],
    };
    const t0 = SIM_EPOCH + rng.randbelow(this.fleet.duration_days) * DAY + rng.randbelow(DAY);
    let prevStart = t0;
    let prevDecky = '';
    let latest = t0;
    chain.steps.forEach((step, k) => {
      if (step.chance < 1 && !(rng.random() < step.chance)) return;
      const phase = rng.choice(step.phases);
      const start = k === 0 ? t0 : prevStart + rng.randint(step.after[0], step.after[1]);
      const dwell = rng.randint(step.dwell[0], step.dwell[1]);
      const decky = step.decky === 'new' ? rng.choice(this.deckies) : prevDecky;
      const sid = randomId(rng, 'sess');
      if (start > latest) latest = start;
      const session: SimSession = {
        id: sid, start, duration: dwell, end: start + dwell, decky, phase,
        commands: DEFAULT_COMMANDS[phase], credentials: [],
        c2_callback: step.c2 ? c2 : null, payload_hash: step.payload ? payload : null, keystroke: null,
      };
      // A late report arrives after everything the chain has done so far, so the stream first
      // shows the chain without it (e.g. discovery as the first phase on a decky) and then changes.
      row.sessions.push(step.reported_after === null ? session : { ...session, reported: latest + rng.randint(step.reported_after[0], step.reported_after[1]) });
      touch(row, start);
      prevStart = start;
      prevDecky = decky;
    });
    return row;
  }
}

/**
 * Hot C2 endpoints: each fingerprinted row, with probability `hot_share`, is seen once talking
 * to one of them, at a uniform time between its first and last seen. Rows without JA3 and HASSH
 * are skipped: the reference identity layer has no fingerprint to veto a shared C2 with, so it
 * would fold every other holder of the endpoint into them upstream — an identity-layer artefact,
 * not the campaign-level coincidence the scenario is about.
 */
function addHotSightings(rng: PythonRandom, rows: RowBuilder[], fleet: FleetSpec): void {
  for (const row of rows) {
    if (row.ja3 === null && row.hassh === null) continue;
    if (!(rng.random() < fleet.hot_share)) continue;
    const c2_callback = hotC2(rng.randbelow(fleet.hot_c2));
    const time = rng.randint(row.first_seen, Math.max(row.first_seen, row.last_seen));
    (row.sightings ??= []).push({ id: randomId(rng, 'sight'), time, c2_callback });
  }
}
