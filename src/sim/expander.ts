/**
 * The fixture expander: a validated `CorpusSpec` plus a seed → attacker rows, bit-identical to
 * the reference generator (REFERENCE §6.2–6.3). One `random.Random(seed)` is shared by the whole
 * corpus, so every draw below happens in exactly the reference's order; moving, adding or
 * skipping a single draw changes every id and timestamp after it.
 */
import { createHash } from 'node:crypto';
import type { Phase } from '../domain/phases.ts';
import { NON_OBSERVABLE } from '../domain/phases.ts';
import { PythonRandom } from './mt19937.ts';
import { DECKY_POOL, SIM_EPOCH } from './corpus-types.ts';
import type { ActorSpec, AttackerRow, CampaignSpec, CorpusSpec, RowTruth, SimSession, SimSighting } from './corpus-types.ts';

const DAY = 86_400;
const HOUR = 3_600;
/** Phases after which `previous_success` moves to the session's decky. */
const FOOTHOLD_PHASES: ReadonlySet<Phase> = new Set<Phase>(['exploitation', 'persistence']);
const FALLBACK_DECKY = 'decky-01';

/** Rows are built in place, then handed out as `AttackerRow`s. */
export interface RowBuilder {
  id: string;
  ip: string;
  asn: number | null;
  ja3: string | null;
  hassh: string | null;
  truth: RowTruth;
  first_seen: number;
  last_seen: number;
  sessions: SimSession[];
  sightings?: SimSighting[];
}

export function expandCorpus(spec: CorpusSpec, seed: number | bigint): AttackerRow[] {
  if (spec.fleet !== undefined) throw new Error('expandCorpus: a fleet spec is expanded by expandScenario (fleet.ts)');
  const rng = new PythonRandom(seed);
  const rows: RowBuilder[] = [];
  for (const campaign of spec.campaigns) rows.push(...expandCampaign(rng, campaign));
  for (let i = 0; i < spec.noise_scanners; i++) rows.push(noiseScanner(rng, i));
  return rows;
}

/** `prefix-` + 16 random bytes as lowercase hex grouped 8-4-4-4-12. */
export function randomId(rng: PythonRandom, prefix: string): string {
  const h = Buffer.from(rng.randbytes(16)).toString('hex');
  // join, not a template: one flat string instead of a rope of slices (a million-identity
  // fleet holds millions of these ids)
  return [prefix, h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join('-');
}

/** A public-looking IPv4: skips 10/8, 127/8, 172.16/12 and 192.168/16 by redrawing. */
export function randomIp(rng: PythonRandom): string {
  for (;;) {
    const a = rng.randint(1, 223);
    if (a === 10 || a === 127) continue;
    const b = rng.randint(0, 255);
    if ((a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) continue;
    const c = rng.randint(0, 255);
    const d = rng.randint(1, 254);
    return `${a}.${b}.${c}.${d}`;
  }
}

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * Where a campaign runs: the decky pool its random targets are drawn from, and a whole number
 * of days added to every session start. The reference placement (`DECKY_POOL`, 0) changes no
 * draw and no value; a fleet places embedded crews on its own deckies and weeks.
 */
export interface Placement {
  readonly deckies: readonly string[];
  readonly dayOffset: number;
}

const REFERENCE_PLACEMENT: Placement = { deckies: DECKY_POOL, dayOffset: 0 };

export function expandCampaign(rng: PythonRandom, campaign: CampaignSpec, placement: Placement = REFERENCE_PLACEMENT): RowBuilder[] {
  const rowsByActor = new Map<string, RowBuilder[]>();
  const all: RowBuilder[] = [];
  for (const actor of campaign.actors) {
    const identity = randomId(rng, 'id');
    const n = actor.ip_pool === 'rotating' ? actor.rotation_count : 1;
    const mine: RowBuilder[] = [];
    for (let r = 0; r < n; r++) {
      const id = randomId(rng, 'att');
      const ip = randomIp(rng);
      const asn = actor.rotation_asns.length > 0 ? actor.rotation_asns[r % actor.rotation_asns.length] : actor.asn;
      mine.push({
        id, ip, asn, ja3: actor.ja3, hassh: actor.hassh,
        truth: { campaign: campaign.id, actor: actor.id, identity },
        first_seen: SIM_EPOCH, last_seen: SIM_EPOCH, sessions: [],
      });
    }
    rowsByActor.set(actor.id, mine);
    all.push(...mine);
  }

  const pools = dayPools(campaign);
  const actorById = new Map(campaign.actors.map((a) => [a.id, a] as const));
  const previousSuccess = new Map<string, string>();
  const payloadCache = new Map<string, string>();
  for (const phase of campaign.phases) {
    if (NON_OBSERVABLE.has(phase.name)) continue;
    const actor = actorById.get(phase.actor) as ActorSpec;
    const rows = rowsByActor.get(phase.actor) as RowBuilder[];
    const pool = pools.get(phase.actor) as number[];
    let payload: string | null = null;
    if (phase.payload_seed !== null) {
      payload = payloadCache.get(phase.payload_seed) ?? sha256Hex(phase.payload_seed);
      payloadCache.set(phase.payload_seed, payload);
    }
    for (let k = 0; k < phase.count; k++) {
      if (pool.length === 0) continue;
      const day = rng.choice(pool);
      const hour = rng.choice(actor.hours_active_utc);
      const jitter = rng.randint(-actor.jitter_seconds, actor.jitter_seconds);
      const offset = rng.randint(0, HOUR);
      const start = SIM_EPOCH + (placement.dayOffset + day) * DAY + hour * HOUR + (jitter + offset);
      const id = randomId(rng, 'sess');
      const choices = phase.decky_of !== null
        ? [previousSuccess.get(phase.decky_of) ?? FALLBACK_DECKY]
        : phase.decky_selector === 'previous_success'
          ? [previousSuccess.get(actor.id) ?? FALLBACK_DECKY]
          : placement.deckies;
      const decky = rng.choice(choices);
      if (FOOTHOLD_PHASES.has(phase.name)) previousSuccess.set(actor.id, decky);
      const row = rows[k % rows.length];
      row.sessions.push({
        id, start, duration: phase.dwell_seconds, end: start + phase.dwell_seconds, decky, phase: phase.name,
        commands: phase.commands, credentials: phase.credentials, c2_callback: phase.c2_callback, payload_hash: payload,
        keystroke: actor.keystroke,
      });
      touch(row, start);
    }
  }
  return all;
}

/**
 * Per actor, the days its sessions are drawn from: days 0..N−1 outside every pause window,
 * ascending; or, with `active_days`, those of its entries (in their own order) that are such days.
 */
function dayPools(campaign: CampaignSpec): Map<string, number[]> {
  const open: number[] = [];
  for (let d = 0; d < campaign.duration_days; d++) {
    if (!campaign.pause_windows.some(([s, e]) => d >= s && d <= e)) open.push(d);
  }
  const openSet = new Set(open);
  return new Map(campaign.actors.map((a) => [a.id, a.active_days === null ? open : a.active_days.filter((d) => openSet.has(d))] as const));
}

/**
 * The reference's first/last-seen rule, quirks included: first_seen starts at E and is replaced
 * by an earlier start or while it still equals E; last_seen follows the latest *start*.
 */
export function touch(row: RowBuilder, start: number): void {
  if (start < row.first_seen || row.first_seen === SIM_EPOCH) row.first_seen = start;
  if (start > row.last_seen) row.last_seen = start;
}

function noiseScanner(rng: PythonRandom, i: number): RowBuilder {
  const label = `noise-scanner-${String(i).padStart(4, '0')}`;
  const id = randomId(rng, 'att');
  const ip = randomIp(rng);
  const asn = rng.randint(1000, 65000);
  const start = SIM_EPOCH + rng.randint(0, DAY);
  const sessionId = randomId(rng, 'sess');
  const decky = `decky-${String(rng.randint(1, 20)).padStart(2, '0')}`;
  const row: RowBuilder = {
    id, ip, asn, ja3: null, hassh: null,
    truth: { campaign: label, actor: label, identity: label },
    first_seen: SIM_EPOCH, last_seen: SIM_EPOCH,
    sessions: [{ id: sessionId, start, duration: 1.0, end: start + 1.0, decky, phase: 'delivery', commands: [], credentials: [], c2_callback: null, payload_hash: null, keystroke: null }],
  };
  touch(row, start);
  return row;
}
