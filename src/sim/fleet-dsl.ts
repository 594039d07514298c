/**
 * The `fleet:` form of the scenario DSL (campaign-stream extension, docs/SIMULATOR.md "Fleets"):
 * a commodity background of bots running kill chains on a small fleet, with fixtures embedded
 * in it as crews. Validation only; `fleet.ts` expands the result.
 *
 * Unlike the reference forms, unknown keys are errors here: the form is ours, and a misspelt
 * `chance` or `count` silently falling back to a default would change every measurement taken
 * on the scenario without anyone noticing.
 */
import { NON_OBSERVABLE, PHASES, isPhase } from '../domain/phases.ts';
import type { Phase } from '../domain/phases.ts';
import type { BotsSpec, CorpusSpec, CrewTemplateSpec, FleetSpec, KillChainSpec, StepSpec } from './corpus-types.ts';
import type { Validator } from './dsl-validator.ts';

/** Resolves and parses a crew template named at `path` (relative to the fleet file). */
export type LoadTemplate = (name: unknown, path: string) => CorpusSpec;
/** Resolves and parses the fleet a `base:` names (relative to the fleet file). */
export type LoadBase = (name: unknown, path: string) => FleetSpec;

const FLEET_KEYS = ['id', 'base', 'scale', 'deckies', 'duration_days', 'commodity', 'hot_c2', 'bots', 'crews'];
const STEP_KEYS = ['phase', 'decky', 'after', 'dwell', 'chance', 'reported_after', 'payload', 'c2'];

/**
 * A fleet, either written out or derived: `base: other.yaml` takes that fleet's bots and crews
 * (so one set of kill chains serves every size and cannot drift between files) and may replace
 * its id, deckies, days, commodity and hot C2. `scale: k` then multiplies the bot count and every
 * crew count by k, rounded.
 */
export function parseFleet(v: Validator, x: unknown, path: string, loadTemplate: LoadTemplate, loadBase: LoadBase): FleetSpec {
  const f = v.mapping(x, path, 'a fleet mapping with `id`, `deckies`, `duration_days`, `bots` and `crews`, or `id` and `base`');
  onlyKeys(v, f, path, FLEET_KEYS);
  const id = v.id(f.id, `${path}.id`);
  const base = f.base === undefined || f.base === null ? null : loadBase(f.base, `${path}.base`);
  if (base !== null) {
    for (const k of ['bots', 'crews']) {
      if (f[k] !== undefined) v.fail(`${path}.${k}`, `no \`${k}\` beside \`base\` (they come from the base fleet; resize them with \`scale\`)`, f[k]);
    }
  }
  const deckies = base !== null && (f.deckies === undefined || f.deckies === null) ? base.deckies : v.int(f.deckies, `${path}.deckies`, 1, 999);
  const duration_days = base !== null && (f.duration_days === undefined || f.duration_days === null) ? base.duration_days : v.int(f.duration_days, `${path}.duration_days`, 1);

  const commodity = optionalMapping(v, f.commodity, `${path}.commodity`, ['payloads', 'c2']);
  const commodity_payloads = v.optionalInt(commodity.payloads, `${path}.commodity.payloads`, base?.commodity_payloads ?? 0, 0);
  const commodity_c2 = v.optionalInt(commodity.c2, `${path}.commodity.c2`, base?.commodity_c2 ?? 0, 0);

  const hot = optionalMapping(v, f.hot_c2, `${path}.hot_c2`, ['endpoints', 'share']);
  const hot_c2 = v.optionalInt(hot.endpoints, `${path}.hot_c2.endpoints`, base?.hot_c2 ?? 0, 0);
  const hot_share = hot.share === undefined || hot.share === null ? base?.hot_share ?? 0 : share(v, hot.share, `${path}.hot_c2.share`);
  if (hot_share > 0 && hot_c2 === 0) v.fail(`${path}.hot_c2.endpoints`, 'at least one endpoint when `share` > 0', hot.endpoints);

  let scale = 1;
  if (f.scale !== undefined && f.scale !== null) {
    if (typeof f.scale !== 'number' || !Number.isFinite(f.scale) || f.scale <= 0) v.fail(`${path}.scale`, 'a positive number', f.scale);
    scale = f.scale;
  }
  const resize = (n: number): number => Math.round(n * scale);

  if (base !== null) {
    // The base's steps were checked against the base's commodity tokens, not these.
    for (const [i, c] of base.bots.kill_chains.entries()) {
      for (const [j, st] of c.steps.entries()) {
        if (st.payload && commodity_payloads === 0) v.fail(`${path}.commodity.payloads`, `> 0 (the base's kill chain ${i}, step ${j} carries a commodity payload)`, 0);
        if (st.c2 && commodity_c2 === 0) v.fail(`${path}.commodity.c2`, `> 0 (the base's kill chain ${i}, step ${j} carries a commodity C2)`, 0);
      }
    }
    return {
      id, deckies, duration_days, commodity_payloads, commodity_c2, hot_c2, hot_share,
      bots: { ...base.bots, count: resize(base.bots.count) },
      crews: base.crews.map((c) => ({ ...c, count: resize(c.count) })),
    };
  }

  const own = parseBots(v, f.bots, `${path}.bots`, commodity_payloads, commodity_c2);
  const bots = { ...own, count: resize(own.count) };

  const crewList = f.crews === undefined || f.crews === null ? [] : v.list(f.crews, `${path}.crews`, 'a list of `{fixture, count}` entries');
  const names = new Set<string>();
  const crews = crewList.map((c, i): CrewTemplateSpec => {
    const cp = `${path}.crews[${i}]`;
    const m = v.mapping(c, cp, 'a `{fixture, count}` entry');
    onlyKeys(v, m, cp, ['fixture', 'count', 'name']);
    const fixture = v.string(m.fixture, `${cp}.fixture`, 'a fixture file name');
    const name = v.id(m.name === undefined || m.name === null ? stem(fixture) : m.name, `${cp}.name`);
    if (names.has(name)) v.fail(`${cp}.name`, 'a crew name not already used in this fleet (add `name:` to embed one fixture twice)', name);
    names.add(name);
    const count = v.int(m.count, `${cp}.count`, 0);
    return { name, count: resize(count), corpus: loadTemplate(fixture, `${cp}.fixture`) };
  });
  return { id, deckies, duration_days, commodity_payloads, commodity_c2, hot_c2, hot_share, bots, crews };
}

function parseBots(v: Validator, x: unknown, path: string, payloads: number, c2: number): BotsSpec {
  if (x === undefined || x === null) return { count: 0, asn_range: [1000, 65000], kill_chains: [] };
  const b = v.mapping(x, path, 'a mapping with `count` and `kill_chains`');
  onlyKeys(v, b, path, ['count', 'asn_range', 'kill_chains']);
  const count = v.int(b.count, `${path}.count`, 0);
  let asn_range: readonly [number, number] = [1000, 65000];
  if (b.asn_range !== undefined && b.asn_range !== null) asn_range = range(v, b.asn_range, `${path}.asn_range`, 0);
  const chains = b.kill_chains === undefined || b.kill_chains === null ? [] : v.list(b.kill_chains, `${path}.kill_chains`, 'a list of kill chains');
  if (count > 0 && chains.length === 0) v.fail(`${path}.kill_chains`, 'at least one kill chain when `count` > 0', b.kill_chains);
  const seen = new Set<string>();
  const kill_chains = chains.map((c, i): KillChainSpec => {
    const cp = `${path}.kill_chains[${i}]`;
    const m = v.mapping(c, cp, 'a kill chain mapping with `name`, `weight` and `steps`');
    onlyKeys(v, m, cp, ['name', 'weight', 'steps']);
    const name = v.id(m.name, `${cp}.name`);
    if (seen.has(name)) v.fail(`${cp}.name`, 'a kill chain name not already used', name);
    seen.add(name);
    const weight = m.weight;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) v.fail(`${cp}.weight`, 'a positive number', weight);
    const stepList = v.list(m.steps, `${cp}.steps`, 'a non-empty list of steps');
    if (stepList.length === 0) v.fail(`${cp}.steps`, 'a non-empty list of steps', stepList);
    const steps = stepList.map((s, j) => parseStep(v, s, `${cp}.steps[${j}]`, j === 0, payloads, c2));
    return { name, weight, steps };
  });
  return { count, asn_range, kill_chains };
}

function parseStep(v: Validator, x: unknown, path: string, first: boolean, payloads: number, c2: number): StepSpec {
  const s = v.mapping(x, path, 'a step mapping with a `phase`');
  onlyKeys(v, s, path, STEP_KEYS);
  const observable = `an observable UKC phase or a list of them (${PHASES.filter((p) => !NON_OBSERVABLE.has(p)).join(', ')})`;
  const raw = Array.isArray(s.phase) ? s.phase : [s.phase];
  if (raw.length === 0) v.fail(`${path}.phase`, observable, s.phase);
  const phases = raw.map((p, i): Phase => {
    if (typeof p !== 'string' || !isPhase(p) || NON_OBSERVABLE.has(p)) v.fail(Array.isArray(s.phase) ? `${path}.phase[${i}]` : `${path}.phase`, observable, p);
    return p as Phase;
  });
  let decky: 'new' | 'same' = first ? 'new' : 'same';
  if (s.decky !== undefined && s.decky !== null) {
    if (s.decky !== 'new' && s.decky !== 'same') v.fail(`${path}.decky`, '`new` or `same`', s.decky);
    if (first && s.decky === 'same') v.fail(`${path}.decky`, '`new` (the first step has no previous decky)', s.decky);
    decky = s.decky;
  }
  let after: readonly [number, number] = [0, 0];
  if (first) {
    if (s.after !== undefined && s.after !== null) v.fail(`${path}.after`, 'no `after` on a chain\'s first step (it starts on the bot\'s day)', s.after);
  } else {
    after = range(v, s.after, `${path}.after`, Number.MIN_SAFE_INTEGER);
  }
  let dwell: readonly [number, number] = [5, 5];
  if (typeof s.dwell === 'number') {
    const d = v.int(s.dwell, `${path}.dwell`, 0);
    dwell = [d, d];
  } else if (s.dwell !== undefined && s.dwell !== null) {
    dwell = range(v, s.dwell, `${path}.dwell`, 0);
  }
  const chance = s.chance === undefined || s.chance === null ? 1 : share(v, s.chance, `${path}.chance`);
  if (first && chance < 1) v.fail(`${path}.chance`, '1 on a chain\'s first step (a skipped first step leaves the next without an anchor; weigh a separate chain instead)', s.chance);
  const reported_after = s.reported_after === undefined || s.reported_after === null ? null : range(v, s.reported_after, `${path}.reported_after`, 0);
  const payload = flag(v, s.payload, `${path}.payload`);
  const carriesC2 = flag(v, s.c2, `${path}.c2`);
  if (payload && payloads === 0) v.fail(`${path}.payload`, 'commodity payloads to carry (`commodity.payloads` > 0)', s.payload);
  if (carriesC2 && c2 === 0) v.fail(`${path}.c2`, 'commodity C2 endpoints to carry (`commodity.c2` > 0)', s.c2);
  return { phases, decky, after, dwell, chance, reported_after, payload, c2: carriesC2 };
}

function onlyKeys(v: Validator, m: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const k of Object.keys(m)) if (!allowed.includes(k)) v.fail(`${path}.${k}`, `no key \`${k}\` (known: ${allowed.join(', ')})`, m[k]);
}

function optionalMapping(v: Validator, x: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (x === undefined || x === null) return {};
  const m = v.mapping(x, path, `a mapping with ${allowed.map((k) => `\`${k}\``).join(', ')}`);
  onlyKeys(v, m, path, allowed);
  return m;
}

/** `[min, max]` integers, min ≤ max, both ≥ floor. */
function range(v: Validator, x: unknown, path: string, floor: number): readonly [number, number] {
  const pair = v.list(x, path, 'an inclusive [min, max] pair of integers');
  if (pair.length !== 2) v.fail(path, 'an inclusive [min, max] pair of integers', x);
  const lo = v.int(pair[0], `${path}[0]`, floor);
  const hi = v.int(pair[1], `${path}[1]`, floor);
  if (lo > hi) v.fail(path, 'min ≤ max', x);
  return [lo, hi];
}

function share(v: Validator, x: unknown, path: string): number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1 ? x : v.fail(path, 'a number in [0, 1]', x);
}

function flag(v: Validator, x: unknown, path: string): boolean {
  if (x === undefined || x === null) return false;
  return typeof x === 'boolean' ? x : v.fail(path, 'true or false', x);
}

/** `../x/multi_operator.yaml` → `multi_operator`. */
const stem = (file: string): string => file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, '');
