/**
 * The fixture DSL's typed readers: each takes a parsed YAML node and its path inside the
 * document and returns a validated value with every default filled, or throws a `FixtureError`
 * naming the file, the path and what was expected. `dsl.ts` (reference forms) and
 * `fleet-dsl.ts` (the fleet form) read documents with them.
 */
import { PHASES, isPhase } from '../domain/phases.ts';
import { DEFAULT_COMMANDS } from './corpus-types.ts';
import type { ActorSpec, CampaignSpec, CorpusSpec, Credential, PhaseSpec } from './corpus-types.ts';

/** A fixture or bounds file the simulator refuses: never retriable, fix the file. */
export class FixtureError extends Error {
  override readonly name = 'FixtureError';
  readonly code = 'invalid_fixture';
  readonly retriable = false;
  constructor(
    readonly file: string,
    /** Path inside the document, e.g. `campaign.phases[2].name`; `(document)` for the root. */
    readonly path: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${file}: ${path}: expected ${expected}, got ${got}`);
  }
}

export const ROOT = '(document)';

/** The first line of a `yaml` error, without the position it repeats. */
export const yamlProblem = (message: string): string => message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing (key missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (typeof value === 'object') return `a mapping with keys ${describeKeys(value as Record<string, unknown>)}`;
  return typeof value;
}

export function describeKeys(m: Record<string, unknown>): string {
  const keys = Object.keys(m);
  return keys.length === 0 ? '(none)' : keys.join(', ');
}

export const isMapping = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date);

/** Typed readers that fail with the file, the path and the expectation. */
export class Validator {
  constructor(readonly file: string) {}

  fail(path: string, expected: string, value: unknown): never {
    throw new FixtureError(this.file, path, expected, describe(value));
  }

  mapping(x: unknown, path: string, expected = 'a mapping'): Record<string, unknown> {
    return isMapping(x) ? x : this.fail(path, expected, x);
  }

  list(x: unknown, path: string, expected = 'a list'): unknown[] {
    return Array.isArray(x) ? x : this.fail(path, expected, x);
  }

  string(x: unknown, path: string, expected = 'a string'): string {
    return typeof x === 'string' ? x : this.fail(path, expected, x);
  }

  id(x: unknown, path: string): string {
    return typeof x === 'string' && x.length > 0 ? x : this.fail(path, 'a non-empty string id', x);
  }

  int(x: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof x === 'number' && Number.isSafeInteger(x) && x >= min && x <= max) return x;
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    return this.fail(path, `an integer ${range}`, x);
  }

  /** Absent or null → default. */
  optionalInt(x: unknown, path: string, dflt: number, min: number, max?: number): number {
    return x === undefined || x === null ? dflt : this.int(x, path, min, max);
  }

  /** Absent → default; explicit null stays null. */
  nullableString(x: unknown, path: string): string | null {
    return x === undefined || x === null ? null : this.string(x, path, 'a string or null');
  }

  intList(x: unknown, path: string, min: number, max?: number): number[] {
    return this.list(x, path, 'a list of integers').map((e, i) => this.int(e, `${path}[${i}]`, min, max));
  }

  corpus(x: unknown, path: string): CorpusSpec {
    const c = this.mapping(x, path, 'a mapping with `campaigns` and `noise`');
    const wrappers = c.campaigns === undefined || c.campaigns === null ? [] : this.list(c.campaigns, `${path}.campaigns`, 'a list of `{campaign: …}` wrappers');
    const campaigns = wrappers.map((w, i) => {
      const wp = `${path}.campaigns[${i}]`;
      const wrapper = this.mapping(w, wp, 'a `{campaign: …}` wrapper');
      return this.campaign(wrapper.campaign, `${wp}.campaign`);
    });
    let noise = 0;
    if (c.noise !== undefined && c.noise !== null) {
      const n = this.mapping(c.noise, `${path}.noise`, 'a mapping with `scanner_count`, or null');
      noise = this.optionalInt(n.scanner_count, `${path}.noise.scanner_count`, 0, 0);
    }
    return { campaigns, noise_scanners: noise };
  }

  campaign(x: unknown, path: string): CampaignSpec {
    const c = this.mapping(x, path, 'a campaign mapping with `id`, `actors` and `phases`');
    const id = this.id(c.id, `${path}.id`);
    const duration_days = this.optionalInt(c.duration_days, `${path}.duration_days`, 1, 0);
    const pause_windows = c.pause_windows === undefined || c.pause_windows === null ? [] :
      this.list(c.pause_windows, `${path}.pause_windows`, 'a list of [start, end] day ranges').map((w, i) => {
        const wp = `${path}.pause_windows[${i}]`;
        const pair = this.list(w, wp, 'an inclusive [start, end] day range');
        if (pair.length !== 2) this.fail(wp, 'an inclusive [start, end] day range of 2 integers', w);
        return [this.int(pair[0], `${wp}[0]`, Number.MIN_SAFE_INTEGER), this.int(pair[1], `${wp}[1]`, Number.MIN_SAFE_INTEGER)] as const;
      });
    const actorList = this.list(c.actors, `${path}.actors`, 'a non-empty list of actors');
    if (actorList.length === 0) this.fail(`${path}.actors`, 'a non-empty list of actors', actorList);
    const actors = actorList.map((a, i) => this.actor(a, `${path}.actors[${i}]`));
    const seen = new Set<string>();
    actors.forEach((a, i) => {
      if (seen.has(a.id)) this.fail(`${path}.actors[${i}].id`, 'an actor id not already declared in this campaign', a.id);
      seen.add(a.id);
    });
    const phases = this.list(c.phases, `${path}.phases`, 'a list of phases')
      .map((p, i) => this.phase(p, `${path}.phases[${i}]`, actors));
    return { id, duration_days, pause_windows, actors, phases };
  }

  actor(x: unknown, path: string): ActorSpec {
    const a = this.mapping(x, path, 'an actor mapping with an `id`');
    const id = this.id(a.id, `${path}.id`);
    const asn = a.asn === undefined ? 0 : a.asn === null ? null : this.int(a.asn, `${path}.asn`, 0);
    const ip_pool = a.ip_pool === undefined || a.ip_pool === null ? 'sticky' : this.string(a.ip_pool, `${path}.ip_pool`, 'a string (`sticky` or `rotating`)');
    const rotation_count = this.optionalInt(a.rotation_count, `${path}.rotation_count`, 1, 1);
    const rotation_asns = a.rotation_asns === undefined || a.rotation_asns === null ? [] : this.intList(a.rotation_asns, `${path}.rotation_asns`, 0);
    const ja3 = this.nullableString(a.ja3, `${path}.ja3`);
    const hassh = this.nullableString(a.hassh, `${path}.hassh`);
    let hours_active_utc: number[] = Array.from({ length: 24 }, (_, h) => h);
    if (a.hours_active_utc !== undefined && a.hours_active_utc !== null) {
      hours_active_utc = this.intList(a.hours_active_utc, `${path}.hours_active_utc`, 0, 23);
      if (hours_active_utc.length === 0) this.fail(`${path}.hours_active_utc`, 'a non-empty list of hours in [0, 23]', a.hours_active_utc);
    }
    const jitter_seconds = this.optionalInt(a.jitter_seconds, `${path}.jitter_seconds`, 60, 0);
    const active_days = a.active_days === undefined || a.active_days === null ? null : this.intList(a.active_days, `${path}.active_days`, Number.MIN_SAFE_INTEGER);
    const keystroke = this.nullableString(a.keystroke, `${path}.keystroke`);
    if (keystroke !== null && !/^[0-9a-fA-F]{16}$/.test(keystroke)) this.fail(`${path}.keystroke`, 'a 64-bit SimHash as 16 hex digits', keystroke);
    return { id, asn, ip_pool, rotation_count, rotation_asns, ja3, hassh, hours_active_utc, jitter_seconds, active_days, keystroke: keystroke?.toLowerCase() ?? null };
  }

  phase(x: unknown, path: string, actors: readonly ActorSpec[]): PhaseSpec {
    const p = this.mapping(x, path, 'a phase mapping with a `name`');
    const rawName = p.name;
    if (typeof rawName !== 'string' || !isPhase(rawName)) {
      this.fail(`${path}.name`, `one of the 19 UKC phases (${PHASES.join(', ')})`, rawName);
    }
    const name = rawName;
    let actor = actors[0].id;
    if (p.actor !== undefined && p.actor !== null) {
      const declared = actors.map((a) => a.id);
      if (typeof p.actor !== 'string' || !declared.includes(p.actor)) {
        this.fail(`${path}.actor`, `one of the declared actors (${declared.join(', ')})`, p.actor);
      }
      actor = p.actor;
    }
    const ts = p.tool_signature === undefined || p.tool_signature === null ? {} :
      this.mapping(p.tool_signature, `${path}.tool_signature`, 'a mapping or null');
    const commands = ts.commands === undefined || ts.commands === null ? DEFAULT_COMMANDS[name] :
      this.list(ts.commands, `${path}.tool_signature.commands`, 'a list of command strings')
        .map((cmd, i) => this.string(cmd, `${path}.tool_signature.commands[${i}]`));
    const credentials = ts.credentials === undefined || ts.credentials === null ? [] :
      this.list(ts.credentials, `${path}.tool_signature.credentials`, 'a list of [user, password] pairs').map((c, i) => this.credential(c, `${path}.tool_signature.credentials[${i}]`));
    const c2_callback = this.nullableString(ts.c2_callback, `${path}.tool_signature.c2_callback`);
    const payload_seed = this.nullableString(ts.payload_hash, `${path}.tool_signature.payload_hash`);
    const sel = p.target_selector === undefined || p.target_selector === null ? {} :
      this.mapping(p.target_selector, `${path}.target_selector`, 'a mapping or null');
    const count = this.optionalInt(sel.count, `${path}.target_selector.count`, 1, 0);
    const decky_selector = sel.decky === undefined || sel.decky === null ? null : this.string(sel.decky, `${path}.target_selector.decky`, 'a string (`previous_success` or anything for random)');
    let decky_of: string | null = null;
    if (sel.decky_of !== undefined && sel.decky_of !== null) {
      const declared = actors.map((a) => a.id);
      if (typeof sel.decky_of !== 'string' || !declared.includes(sel.decky_of)) {
        this.fail(`${path}.target_selector.decky_of`, `one of the declared actors (${declared.join(', ')})`, sel.decky_of);
      }
      decky_of = sel.decky_of;
    }
    let dwell_seconds = 5;
    if (p.dwell_seconds !== undefined && p.dwell_seconds !== null) {
      const d = p.dwell_seconds;
      if (typeof d !== 'number' || !Number.isFinite(d) || d < 0) this.fail(`${path}.dwell_seconds`, 'a non-negative number of seconds', d);
      dwell_seconds = d;
    }
    return { name, actor, commands, credentials, c2_callback, payload_seed, count, decky_selector, decky_of, dwell_seconds };
  }

  credential(x: unknown, path: string): Credential {
    const expected = 'a [user, password] pair of strings';
    const pair = this.list(x, path, expected);
    if (pair.length !== 2) this.fail(path, expected, x);
    return [this.string(pair[0], `${path}[0]`, 'a user name string'), this.string(pair[1], `${path}[1]`, 'a password string (quote numeric passwords)')];
  }
}
