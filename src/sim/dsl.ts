/**
 * The fixture DSL (REFERENCE §6.1–6.2): parse, validate and fill every default, giving a
 * `CorpusSpec` the expander turns into attacker rows. Three top-level shapes are accepted:
 *
 *   campaign: {…}                                   single-campaign form, no noise
 *   corpus: {campaigns: [{campaign: {…}}, …], noise: {scanner_count: n}}
 *   include_fixtures: [a.yaml, …], extra_noise_scanners: n   (names resolved beside this file)
 *   fleet: {…}                                      campaign-stream's fleet form (`fleet-dsl.ts`)
 *
 * YAML is read with YAML 1.1 rules, as the reference (PyYAML) reads it. Unknown keys are
 * ignored (REFERENCE §6 lists no error for them); an explicit `null` means "use the default",
 * except for `asn`, `ja3` and `hassh`, where null is a value. Anything the reference would choke
 * on, or silently misread, is a `FixtureError` naming the file, the path inside it and what was
 * expected.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { AttackerRow, CampaignSpec, CorpusSpec } from './corpus-types.ts';
import { FixtureError, ROOT, Validator, describeKeys, yamlProblem } from './dsl-validator.ts';
import { parseFleet } from './fleet-dsl.ts';
import { expandScenario } from './fleet.ts';

export { FixtureError, yamlProblem } from './dsl-validator.ts';

/** Reads a fixture file's text; injectable so includes can be resolved without a disk. */
export type ReadFixture = (absolutePath: string) => string;

const readUtf8: ReadFixture = (p) => readFileSync(p, 'utf8');

/** Load, validate and resolve a fixture file (and its includes) into a `CorpusSpec`. */
export function loadFixture(path: string, readFile: ReadFixture = readUtf8): CorpusSpec {
  const file = resolve(path);
  return parseFixture(readText(file, readFile, file, '(document)'), file, readFile);
}

/** Load a fixture file and expand it with `random.Random(seed)` (a fleet with the fleet expander). */
export function generateFixture(path: string, seed: number | bigint, readFile: ReadFixture = readUtf8): AttackerRow[] {
  return expandScenario(loadFixture(path, readFile), seed);
}

/** Parse and validate fixture text. `file` names the text in errors and anchors includes. */
export function parseFixture(text: string, file: string, readFile: ReadFixture = readUtf8): CorpusSpec {
  return parseWithStack(text, file, readFile, []);
}

function parseWithStack(text: string, file: string, readFile: ReadFixture, stack: readonly string[]): CorpusSpec {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(document)';
    throw new FixtureError(file, where, 'valid YAML', yamlProblem(e.message));
  }
  const root = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  const v = new Validator(file);
  const top = v.mapping(root, ROOT, 'a mapping with a `campaign`, `corpus` or `include_fixtures` key, or a `fleet` key');
  const forms = ['campaign', 'corpus', 'include_fixtures', 'fleet'].filter((k) => k in top);
  if (forms.length !== 1) {
    throw new FixtureError(file, ROOT, 'exactly one of the keys `campaign`, `corpus`, `include_fixtures`, `fleet`',
      forms.length === 0 ? `keys ${describeKeys(top)}` : `keys ${forms.join(', ')}`);
  }
  switch (forms[0]) {
    case 'campaign':
      return { campaigns: [v.campaign(top.campaign, 'campaign')], noise_scanners: 0 };
    case 'corpus':
      return v.corpus(top.corpus, 'corpus');
    case 'fleet':
      return {
        campaigns: [],
        noise_scanners: 0,
        fleet: parseFleet(v, top.fleet, 'fleet',
          (name, path) => loadNested(v, name, path, file, readFile, stack, false),
          (name, path) => {
            const base = loadNested(v, name, path, file, readFile, stack, true);
            if (base.fleet === undefined) throw new FixtureError(file, path, 'a fleet scenario (a file with a `fleet:` block)', JSON.stringify(name));
            return base.fleet;
          }),
      };
    default:
      return includeFixtures(v, top, file, readFile, stack);
  }
}

/**
 * A fixture named inside another (an include, a fleet's crew template or its base), resolved
 * beside the naming file. Only a `base:` may be a fleet: crews and includes are campaigns, and
 * a fleet inside a fleet would have no single fleet of deckies to run on.
 */
function loadNested(v: Validator, name: unknown, path: string, file: string, readFile: ReadFixture, stack: readonly string[], fleetAllowed: boolean): CorpusSpec {
  const target = resolve(dirname(file), v.string(name, path, 'a fixture file name'));
  if (target === file || stack.includes(target)) {
    throw new FixtureError(file, path, 'a fixture that does not include itself', JSON.stringify(name));
  }
  const spec = parseWithStack(readText(target, readFile, file, path), target, readFile, [...stack, file]);
  if (spec.fleet !== undefined && !fleetAllowed) throw new FixtureError(file, path, 'a fixture without a `fleet` block (fleets do not nest)', JSON.stringify(name));
  return spec;
}

/** noise_floor's composition: constituents' campaigns in listed order, noise counts summed. */
function includeFixtures(v: Validator, top: Record<string, unknown>, file: string, readFile: ReadFixture, stack: readonly string[]): CorpusSpec {
  const names = v.list(top.include_fixtures, 'include_fixtures', 'a list of fixture file names');
  const extra = v.optionalInt(top.extra_noise_scanners, 'extra_noise_scanners', 0, 0);
  const campaigns: CampaignSpec[] = [];
  let noise = extra;
  names.forEach((name, i) => {
    const spec = loadNested(v, name, `include_fixtures[${i}]`, file, readFile, stack, false);
    campaigns.push(...spec.campaigns);
    noise += spec.noise_scanners;
  });
  return { campaigns, noise_scanners: noise };
}

function readText(target: string, readFile: ReadFixture, file: string, path: string): string {
  try {
    return readFile(target);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new FixtureError(file, path, 'a readable fixture file', `${JSON.stringify(target)} (${why})`);
  }
}

