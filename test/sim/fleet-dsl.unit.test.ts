/** The `fleet:` form of the scenario DSL: defaults, `base` + `scale`, and errors that name the path. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FixtureError, loadFixture, parseFixture } from '../../src/sim/dsl.ts';
import { expandCorpus } from '../../src/sim/expander.ts';
import type { FleetSpec } from '../../src/sim/corpus-types.ts';

const crew = 'campaign: {id: crew, actors: [{id: a, ja3: J, hassh: H}, {id: b, ja3: J2, hassh: H2}], phases: [{name: exploitation, tool_signature: {payload_hash: p, c2_callback: c}}, {name: discovery, actor: b}]}';
const files: Record<string, string> = {
  '/fx/crew.yaml': crew,
  '/fx/noisy.yaml': `corpus: {campaigns: [{${crew.replace('campaign:', 'campaign:')}}], noise: {scanner_count: 3}}`,
  '/fx/base.yaml': [
    'fleet:',
    '  id: base',
    '  deckies: 30',
    '  duration_days: 20',
    '  commodity: {payloads: 2, c2: 1}',
    '  hot_c2: {endpoints: 2, share: 0.1}',
    '  bots:',
    '    count: 100',
    '    kill_chains:',
    '      - {name: k, weight: 1, steps: [{phase: exploitation, payload: true}, {phase: persistence, after: [60, 120], c2: true}]}',
    '  crews: [{fixture: crew.yaml, count: 3}, {fixture: noisy.yaml, count: 7}]',
  ].join('\n'),
  '/fx/sub/derived.yaml': 'fleet: {base: ../base.yaml, id: big, scale: 2.5, commodity: {payloads: 5}}',
};
const read = (p: string): string => {
  const t = files[p];
  if (t === undefined) throw new Error(`ENOENT: ${p}`);
  return t;
};
const fleetOf = (text: string, file = '/fx/f.yaml'): FleetSpec => {
  const spec = parseFixture(text, file, read);
  assert.ok(spec.fleet);
  assert.deepEqual([spec.campaigns, spec.noise_scanners], [[], 0]);
  return spec.fleet;
};

const minimal = (steps: string, extra = '') =>
  `fleet: {id: f, deckies: 20, duration_days: 10, commodity: {payloads: 1, c2: 1}, bots: {count: 5, kill_chains: [{name: k, weight: 1, steps: ${steps}}]}${extra}}`;

describe('fleet form: values and defaults', () => {
  test('a written-out fleet: tokens, bots, steps with their defaults, crews named by file stem', () => {
    const f = fleetOf(minimal('[{phase: delivery}, {phase: [persistence, command_and_control], after: [-5, 9], dwell: 7, chance: 0.5, reported_after: [1, 2], c2: true}]', ', crews: [{fixture: crew.yaml, count: 2}]'));
    assert.deepEqual([f.id, f.deckies, f.duration_days, f.commodity_payloads, f.commodity_c2, f.hot_c2, f.hot_share], ['f', 20, 10, 1, 1, 0, 0]);
    assert.equal(f.bots.count, 5);
    assert.deepEqual(f.bots.asn_range, [1000, 65000]);
    const [first, second] = f.bots.kill_chains[0].steps;
    assert.deepEqual(first, { phases: ['delivery'], decky: 'new', after: [0, 0], dwell: [5, 5], chance: 1, reported_after: null, payload: false, c2: false });
    assert.deepEqual(second, { phases: ['persistence', 'command_and_control'], decky: 'same', after: [-5, 9], dwell: [7, 7], chance: 0.5, reported_after: [1, 2], payload: false, c2: true });
    assert.deepEqual(f.crews.map((c) => [c.name, c.count, c.corpus.campaigns[0].id]), [['crew', 2, 'crew']]);
  });

  test('a crew template may be any reference form; its noise scanners come along', () => {
    const f = fleetOf(minimal('[{phase: delivery}]', ', crews: [{fixture: noisy.yaml, count: 1}, {fixture: crew.yaml, count: 1, name: again}]'));
    assert.equal(f.crews[0].corpus.noise_scanners, 3);
    assert.deepEqual(f.crews.map((c) => c.name), ['noisy', 'again']);
  });

  test('base + scale: the base fleet\'s bots and crews, counts multiplied and rounded, keys replaced', () => {
    const f = loadFixture('/fx/sub/derived.yaml', read).fleet as FleetSpec;
    const base = loadFixture('/fx/base.yaml', read).fleet as FleetSpec;
    assert.equal(f.id, 'big');
    assert.deepEqual([f.deckies, f.duration_days, f.commodity_payloads, f.commodity_c2, f.hot_c2, f.hot_share], [30, 20, 5, 1, 2, 0.1]);
    assert.equal(f.bots.count, 250);
    assert.deepEqual(f.bots.kill_chains, base.bots.kill_chains);
    assert.deepEqual(f.crews.map((c) => c.count), [8, 18]); // 7.5 → 8, 17.5 → 18
    // the base's crew templates resolve beside the base, not beside the derived file
    assert.equal(f.crews[0].corpus.campaigns[0].id, 'crew');
  });

  test('the shipped sizes derive from fleet_10k.yaml', () => {
    const at = (n: string) => loadFixture(new URL(`../../scenarios/fleet_${n}.yaml`, import.meta.url).pathname).fleet as FleetSpec;
    const ten = at('10k');
    for (const [n, k] of [['2k', 0.2], ['100k', 10], ['1m', 100]] as const) {
      const f = at(n);
      assert.equal(f.bots.count, Math.round(ten.bots.count * k), n);
      assert.deepEqual(f.crews.map((c) => c.count), ten.crews.map((c) => Math.round(c.count * k)), n);
      assert.deepEqual(f.bots.kill_chains, ten.bots.kill_chains, n);
      assert.deepEqual([f.deckies, f.duration_days, f.hot_c2, f.hot_share], [ten.deckies, ten.duration_days, ten.hot_c2, ten.hot_share], n);
    }
  });

  test('the reference expander refuses a fleet spec rather than expanding it to nothing', () => {
    const spec = parseFixture(minimal('[{phase: delivery}]'), '/fx/f.yaml', read);
    assert.throws(() => expandCorpus(spec, 0), /expandScenario/);
  });
});

describe('fleet form: errors name the file, the path and the expectation', () => {
  const expectError = (text: string, path: string, expected: RegExp, file = '/fx/f.yaml'): void => {
    assert.throws(() => parseFixture(text, file, read), (err: unknown) => {
      assert.ok(err instanceof FixtureError, `not a FixtureError: ${String(err)}`);
      assert.deepEqual([err.file, err.path], [file, path]);
      assert.match(err.expected, expected);
      return true;
    });
  };

  test('the fleet block itself', () => {
    expectError('fleet: [x]', 'fleet', /fleet mapping/);
    expectError('fleet: {deckies: 20, duration_days: 1}', 'fleet.id', /non-empty string id/);
    expectError('fleet: {id: f, deckies: 0, duration_days: 1}', 'fleet.deckies', /integer in \[1, 999\]/);
    expectError('fleet: {id: f, deckies: 20}', 'fleet.duration_days', /integer ≥ 1/);
    expectError('fleet: {id: f, deckies: 20, duration_days: 1, bot: {count: 1}}', 'fleet.bot', /no key `bot` \(known: /);
    expectError('fleet: {id: f, deckies: 20, duration_days: 1, commodity: {payload: 1}}', 'fleet.commodity.payload', /no key/);
    expectError('fleet: {id: f, deckies: 20, duration_days: 1, hot_c2: {share: 0.1}}', 'fleet.hot_c2.endpoints', /at least one endpoint/);
    expectError('fleet: {id: f, deckies: 20, duration_days: 1, hot_c2: {endpoints: 1, share: 3}}', 'fleet.hot_c2.share', /number in \[0, 1\]/);
    expectError('fleet: {id: f, deckies: 20, duration_days: 1, scale: 0}', 'fleet.scale', /positive number/);
    expectError('fleet: {id: f, deckies: 20, duration_days: 1}\ncampaign: {id: c}', '(document)', /exactly one of the keys/);
  });

  test('bots and kill chains', () => {
    expectError('fleet: {id: f, deckies: 2, duration_days: 1, bots: {count: 3}}', 'fleet.bots.kill_chains', /at least one kill chain/);
    expectError(minimal('[{phase: delivery}]').replace('weight: 1', 'weight: 0'), 'fleet.bots.kill_chains[0].weight', /positive number/);
    expectError(minimal('[]'), 'fleet.bots.kill_chains[0].steps', /non-empty list of steps/);
    expectError('fleet: {id: f, deckies: 2, duration_days: 1, bots: {count: 1, asn_range: [9, 1], kill_chains: []}}', 'fleet.bots.asn_range', /min ≤ max/);
    const two = 'fleet: {id: f, deckies: 2, duration_days: 1, bots: {count: 1, kill_chains: [{name: k, weight: 1, steps: [{phase: delivery}]}, {name: k, weight: 1, steps: [{phase: delivery}]}]}}';
    expectError(two, 'fleet.bots.kill_chains[1].name', /not already used/);
  });

  test('steps', () => {
    const at = 'fleet.bots.kill_chains[0].steps';
    expectError(minimal('[{phase: recon}]'), `${at}[0].phase`, /observable UKC phase/);
    expectError(minimal('[{phase: reconnaissance}]'), `${at}[0].phase`, /observable UKC phase/);
    expectError(minimal('[{phase: [delivery, nope]}]'), `${at}[0].phase[1]`, /observable UKC phase/);
    expectError(minimal('[{phase: []}]'), `${at}[0].phase`, /observable UKC phase/);
    expectError(minimal('[{phase: delivery, after: [1, 2]}]'), `${at}[0].after`, /no `after` on a chain's first step/);
    expectError(minimal('[{phase: delivery, decky: same}]'), `${at}[0].decky`, /`new` \(the first step/);
    expectError(minimal('[{phase: delivery, chance: 0.5}]'), `${at}[0].chance`, /1 on a chain's first step/);
    expectError(minimal('[{phase: delivery}, {phase: discovery}]'), `${at}[1].after`, /\[min, max\] pair of integers/);
    expectError(minimal('[{phase: delivery}, {phase: discovery, after: [5, 1]}]'), `${at}[1].after`, /min ≤ max/);
    expectError(minimal('[{phase: delivery}, {phase: discovery, after: [1, 5], decky: elsewhere}]'), `${at}[1].decky`, /`new` or `same`/);
    expectError(minimal('[{phase: delivery}, {phase: discovery, after: [1, 5], chance: 1.5}]'), `${at}[1].chance`, /number in \[0, 1\]/);
    expectError(minimal('[{phase: delivery}, {phase: discovery, after: [1, 5], reported_after: [-1, 5]}]'), `${at}[1].reported_after[0]`, /integer ≥ 0/);
    expectError(minimal('[{phase: delivery, dwell: [3]}]'), `${at}[0].dwell`, /\[min, max\] pair/);
    expectError(minimal('[{phase: delivery, payload: yes please}]'), `${at}[0].payload`, /true or false/);
    expectError(minimal('[{phase: delivery, tool: x}]'), `${at}[0].tool`, /no key `tool`/);
    const noTokens = 'fleet: {id: f, deckies: 2, duration_days: 1, bots: {count: 1, kill_chains: [{name: k, weight: 1, steps: [{phase: delivery, payload: true}]}]}}';
    expectError(noTokens, `${at}[0].payload`, /commodity payloads to carry/);
    expectError(noTokens.replace('payload: true', 'c2: true'), `${at}[0].c2`, /commodity C2 endpoints to carry/);
  });

  test('crews', () => {
    expectError(minimal('[{phase: delivery}]', ', crews: [{fixture: crew.yaml}]'), 'fleet.crews[0].count', /integer ≥ 0/);
    expectError(minimal('[{phase: delivery}]', ', crews: [{fixture: missing.yaml, count: 1}]'), 'fleet.crews[0].fixture', /readable fixture file/);
    expectError(minimal('[{phase: delivery}]', ', crews: [{fixture: crew.yaml, count: 1}, {fixture: crew.yaml, count: 2}]'), 'fleet.crews[1].name', /not already used/);
    expectError(minimal('[{phase: delivery}]', ', crews: [{fixture: base.yaml, count: 1}]'), 'fleet.crews[0].fixture', /without a `fleet` block/);
    expectError(minimal('[{phase: delivery}]', ', crews: [{fixture: crew.yaml, count: 1, size: 3}]'), 'fleet.crews[0].size', /no key `size`/);
    expectError('include_fixtures: [base.yaml]', 'include_fixtures[0]', /without a `fleet` block/);
  });

  test('base', () => {
    expectError('fleet: {id: d, base: crew.yaml}', 'fleet.base', /a fleet scenario/);
    expectError('fleet: {id: d, base: base.yaml, bots: {count: 1}}', 'fleet.bots', /no `bots` beside `base`/);
    expectError('fleet: {id: d, base: base.yaml, crews: []}', 'fleet.crews', /no `crews` beside `base`/);
    expectError('fleet: {id: d, base: base.yaml, commodity: {payloads: 0}}', 'fleet.commodity.payloads', /the base's kill chain 0, step 0 carries a commodity payload/);
    expectError('fleet: {id: d, base: f.yaml}', 'fleet.base', /does not include itself/);
  });
});
