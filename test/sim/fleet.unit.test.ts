/**
 * The fleet expander: determinism, truth labels, embedded crew instances, bot kill chains, late
 * reports, hot-C2 sightings, the identity layer at fleet scale, and the properties the shipped
 * fleet scenario claims (issue #11).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseFixture, generateFixture, loadFixture } from '../../src/sim/dsl.ts';
import { commodityC2, commodityPayloadSeed, expandFleet, expandScenario, hotC2 } from '../../src/sim/fleet.ts';
import { sha256Hex } from '../../src/sim/expander.ts';
import { SIM_EPOCH, isBackground } from '../../src/sim/corpus-types.ts';
import type { AttackerRow, FleetSpec } from '../../src/sim/corpus-types.ts';
import { identityComponentsBruteForce, resolveIdentities } from '../../src/sim/identity-layer.ts';
import { emitIdentityEvents } from '../../src/sim/emit.ts';
import { handoffRoleShares, tokenHolders } from '../../src/sim/fleet-stats.ts';
import { loadBounds } from '../../src/sim/bounds.ts';
import { validateIdentityEvent } from '../../src/domain/validate.ts';
import { FIXTURE_DIR } from './helpers.ts';

const DAY = 86_400;
const SCENARIOS = new URL('../../scenarios/', import.meta.url).pathname;

/** A small fleet on 30 deckies, with crews from the reference fixtures; `file` anchors the crew paths. */
function smallFleet(opts: { bots?: number; steps?: string; hot?: number; days?: number } = {}): FleetSpec {
  const steps = opts.steps ?? '[{phase: delivery}, {phase: exploitation, after: [10, 600], payload: true}, {phase: [persistence, command_and_control], after: [60, 600], c2: true}]';
  const text = `
fleet:
  id: small
  deckies: 30
  duration_days: ${opts.days ?? 10}
  commodity: {payloads: 3, c2: 2}
  hot_c2: {endpoints: 2, share: ${opts.hot ?? 0.05}}
  bots: {count: ${opts.bots ?? 200}, kill_chains: [{name: chain, weight: 1, steps: ${steps}}]}
  crews:
    - {fixture: multi_operator.yaml, count: 3}
    - {fixture: ${join(SCENARIOS, 'keystroke_overlap.yaml')}, count: 2}
    - {fixture: lone_wolf.yaml, count: 2}
`;
  return parseFixture(text, join(FIXTURE_DIR, 'small-fleet.yaml')).fleet as FleetSpec;
}

const hamming = (a: string, b: string): number => {
  let x = BigInt('0x' + a) ^ BigInt('0x' + b);
  let n = 0;
  for (; x; x &= x - 1n) n++;
  return n;
};

describe('determinism', () => {
  test('the same seed gives the same rows and the same event stream; another seed does not', () => {
    const spec = smallFleet();
    const a = expandFleet(spec, 7);
    const b = expandFleet(spec, 7);
    assert.deepEqual(a, b);
    const lines = (rows: AttackerRow[]) => emitIdentityEvents(rows, resolveIdentities(rows)).lines;
    assert.deepEqual(lines(a), lines(b));
    const c = expandFleet(spec, 8);
    assert.equal(c.length, a.length);
    assert.notDeepEqual(c.map((r) => r.id), a.map((r) => r.id));
  });
  test('expandScenario dispatches: a fleet to the fleet expander, a reference fixture to the reference one', () => {
    const spec = smallFleet();
    assert.deepEqual(expandScenario({ campaigns: [], noise_scanners: 0, fleet: spec }, 3), expandFleet(spec, 3));
    const wolf = loadFixture(join(FIXTURE_DIR, 'lone_wolf.yaml'));
    assert.equal(expandScenario(wolf, 0)[0].id, 'att-5594aa6b-342f-5d0a-3a5e-4842fab428f7', 'the §6.3 test vector');
  });
});

describe('truth', () => {
  const rows = expandFleet(smallFleet(), 0);
  const byCampaign = new Map<string, AttackerRow[]>();
  for (const r of rows) byCampaign.set(r.truth.campaign, [...(byCampaign.get(r.truth.campaign) ?? []), r]);

  test('rows: every crew instance, every template noise scanner, every bot', () => {
    // multi_operator 3 × 2 rows; keystroke_overlap 2 × (3 rows + 5 scanners); lone_wolf 2 × (1 + 8); 200 bots
    assert.equal(rows.length, 6 + 16 + 18 + 200);
  });
  test('each crew instance is one campaign `<id>~<crew>-<k>`, never background', () => {
    for (let k = 0; k < 3; k++) assert.equal(byCampaign.get(`multi-operator-001~multi_operator-${k}`)?.length, 2);
    for (let k = 0; k < 2; k++) {
      assert.equal(byCampaign.get(`same-hands-001~keystroke_overlap-${k}`)?.length, 2);
      assert.equal(byCampaign.get(`same-rhythm-elsewhere-001~keystroke_overlap-${k}`)?.length, 1);
      assert.equal(byCampaign.get(`lone-wolf-001~lone_wolf-${k}`)?.length, 1);
    }
    for (const r of rows.filter((x) => x.truth.campaign.includes('~'))) assert.equal(isBackground(r.truth), false);
  });
  test('each bot and noise scanner is its own singleton in the background', () => {
    const bots = rows.filter((r) => r.truth.campaign.startsWith('small-bot-'));
    assert.equal(bots.length, 200);
    assert.equal(bots[0].truth.campaign, 'small-bot-000000');
    assert.equal(bots[0].truth.actor, 'chain');
    const noise = rows.filter((r) => r.truth.campaign.startsWith('noise-scanner-'));
    assert.equal(noise.length, 26);
    for (const r of [...bots, ...noise]) {
      assert.equal(byCampaign.get(r.truth.campaign)?.length, 1);
      assert.equal(isBackground(r.truth), true);
      assert.equal(r.truth.background, true);
    }
    assert.equal(new Set(bots.map((r) => r.truth.identity)).size, 200);
  });
});

describe('embedded crews', () => {
  const rows = expandFleet(smallFleet({ hot: 0 }), 1);
  const crew = (campaign: string) => rows.filter((r) => r.truth.campaign === campaign);

  test('an instance shares exactly what its template shares; instances share nothing', () => {
    const c2Of = (r: AttackerRow) => new Set(r.sessions.map((s) => s.c2_callback).filter(Boolean));
    const all = new Set<string>();
    for (let k = 0; k < 3; k++) {
      const [a, b] = crew(`multi-operator-001~multi_operator-${k}`);
      assert.deepEqual([...c2Of(a)], [`c2.shared-op.example~multi_operator-${k}`]);
      assert.deepEqual(c2Of(a), c2Of(b));
      assert.ok(a.ja3?.endsWith(`~multi_operator-${k}`));
      const payloads = new Set([...a.sessions, ...b.sessions].map((s) => s.payload_hash).filter(Boolean));
      assert.deepEqual([...payloads], [sha256Hex(`shared-op-stage1-payload~multi_operator-${k}`)]);
      all.add(a.ja3 as string);
    }
    assert.equal(all.size, 3);
  });
  test('keystrokes keep their distances inside an instance and are far apart across instances', () => {
    const ks = (k: number) => [...crew(`same-hands-001~keystroke_overlap-${k}`), ...crew(`same-rhythm-elsewhere-001~keystroke_overlap-${k}`)]
      .map((r) => r.sessions[0].keystroke as string);
    const [k0, k1] = [ks(0), ks(1)];
    assert.equal(new Set(k0).size, 1, 'typists and the lookalike type alike inside the instance, as in the template');
    assert.notEqual(k0[0], '5a5a0f0f3c3c9696');
    assert.ok(hamming(k0[0], k1[0]) >= 8, `instances ${hamming(k0[0], k1[0])} bits apart`);
  });
  test('crews run on the fleet\'s deckies, shifted by a whole number of days, within their own duration', () => {
    const deckies = new Set(rows.flatMap((r) => r.sessions.map((s) => s.decky)));
    for (const d of deckies) assert.match(d, /^decky-(0[1-9]|[12]\d|30)$/);
    assert.ok([...deckies].some((d) => d > 'decky-20'), 'beyond the reference pool of 20');
    for (let k = 0; k < 3; k++) {
      const starts = crew(`multi-operator-001~multi_operator-${k}`).flatMap((r) => r.sessions.map((s) => s.start));
      const span = Math.max(...starts) - Math.min(...starts);
      assert.ok(span < 3 * DAY + 2 * 3600, 'multi_operator lasts 3 days');
      assert.ok(Math.min(...starts) >= SIM_EPOCH - 3600 && Math.max(...starts) < SIM_EPOCH + 10 * DAY + 3600, 'inside the fleet\'s 10 days');
    }
  });
});

describe('bot kill chains', () => {
  const steps = `[
    {phase: delivery, dwell: [1, 3]},
    {phase: exploitation, after: [10, 10], payload: true},
    {phase: [persistence, command_and_control], after: [100, 100], dwell: [60, 60], c2: true},
    {phase: discovery, decky: new, after: [1000, 1000], chance: 0.5},
    {phase: delivery, after: [-500, -500], chance: 1, reported_after: [7, 7]},
    {phase: impact, after: [1, 1], chance: 0}
  ]`.replace(/\s*\n\s*/g, ' ');
  const rows = expandFleet(smallFleet({ steps, hot: 0 }), 2).filter((r) => r.truth.campaign.startsWith('small-bot-'));
  const payloads = new Set([0, 1, 2].map((i) => sha256Hex(commodityPayloadSeed(i))));
  const c2s = new Set([0, 1].map(commodityC2));

  test('steps follow their offsets, deckies, dwell, tokens and chances', () => {
    let withDiscovery = 0;
    for (const r of rows) {
      const [d, x, p, ...rest] = r.sessions;
      assert.equal(d.phase, 'delivery');
      assert.ok(d.duration >= 1 && d.duration <= 3);
      assert.deepEqual([x.phase, x.start - d.start, x.decky], ['exploitation', 10, d.decky]);
      assert.ok(payloads.has(x.payload_hash as string) && x.c2_callback === null);
      assert.ok(['persistence', 'command_and_control'].includes(p.phase));
      assert.deepEqual([p.start - x.start, p.decky, p.duration, p.payload_hash], [100, d.decky, 60, null]);
      assert.ok(c2s.has(p.c2_callback as string));
      assert.ok(r.sessions.every((s) => s.phase !== 'impact'), 'chance 0 never happens');
      const late = rest[rest.length - 1];
      if (rest.length === 2) {
        withDiscovery++;
        assert.deepEqual([rest[0].phase, rest[0].start - p.start], ['discovery', 1000]);
        assert.deepEqual([late.start - rest[0].start, late.decky], [-500, rest[0].decky]);
        assert.equal(late.reported, rest[0].start + 7, 'reported after the latest start so far');
      } else {
        assert.equal(rest.length, 1);
        assert.deepEqual([late.start - p.start, late.decky], [-500, d.decky]);
        assert.equal(late.reported, p.start + 7);
      }
      assert.ok(r.sessions.slice(0, 3).every((s) => s.reported === undefined));
    }
    assert.ok(withDiscovery > 60 && withDiscovery < 140, `chance 0.5 taken ${withDiscovery} of 200 times`);
  });
  test('bots start on every day of the fleet and carry fingerprints of their own', () => {
    const days = new Set(rows.map((r) => Math.floor((r.sessions[0].start - SIM_EPOCH) / DAY)));
    assert.deepEqual([...days].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(new Set(rows.map((r) => r.ja3)).size, rows.length);
    assert.equal(new Set(rows.map((r) => r.hassh)).size, rows.length);
    assert.ok(rows.every((r) => (r.asn as number) >= 1000 && (r.asn as number) <= 65000));
  });
  test('a late report is emitted at its report time, after the chain\'s later sessions, and changes the first phase there', () => {
    const em = emitIdentityEvents(rows, resolveIdentities(rows));
    const times = em.events.map((e) => e.time);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    const r = rows.find((x) => x.sessions.length === 5) as AttackerRow;
    const [discovery, late] = r.sessions.slice(3);
    const event = (sid: string) => em.events.find((e) => e.event_id === `obs-${sid}`);
    const lateEvent = event(late.id);
    assert.ok(lateEvent && lateEvent.time === late.reported && lateEvent.observation.ttp[0].start === late.start);
    assert.ok((event(discovery.id)?.time as number) < lateEvent.time, 'discovery is seen first…');
    assert.ok(late.start < discovery.start, '…though the delivery happened before it');
  });
});

describe('hot C2 sightings', () => {
  test('share 1: every fingerprinted row touches one hot endpoint once; rows without JA3/HASSH never do', () => {
    const rows = expandFleet(smallFleet({ hot: 1 }), 3);
    const hot = new Set([0, 1].map(hotC2));
    for (const r of rows) {
      if (r.ja3 === null && r.hassh === null) assert.equal(r.sightings, undefined);
      else {
        assert.equal(r.sightings?.length, 1);
        const s = r.sightings![0];
        assert.ok(hot.has(s.c2_callback));
        assert.ok(s.time >= r.first_seen && s.time <= Math.max(r.first_seen, r.last_seen));
      }
    }
  });
  test('a sighting is an observation with only its C2, and every emitted event is valid on the wire', () => {
    const rows = expandFleet(smallFleet({ hot: 1, bots: 20 }), 3);
    const em = emitIdentityEvents(rows, resolveIdentities(rows));
    const sightings = em.events.filter((e) => e.event_id.startsWith('obs-sight-'));
    assert.equal(sightings.length, rows.filter((r) => r.sightings).length);
    for (const e of sightings) {
      assert.deepEqual([e.observation.sessions, e.observation.ttp, e.observation.payload_hashes, e.observation.c2_endpoints.length], [[], [], [], 1]);
    }
    for (const line of em.lines) assert.ok(validateIdentityEvent(JSON.parse(line)).ok, line);
  });
  test('share 0: no sightings at all', () => {
    assert.ok(expandFleet(smallFleet({ hot: 0 }), 3).every((r) => r.sightings === undefined));
  });
});

describe('the identity layer at fleet scale', () => {
  test('bots sharing commodity payloads and C2 stay separate identities; equal to the brute force', () => {
    const rows = expandFleet(smallFleet({ hot: 0.3 }), 4);
    const blocked = resolveIdentities(rows);
    const canon = (m: ReadonlyMap<string, readonly string[]>) => [...m.values()].map((x) => [...x].sort().join()).sort();
    assert.deepEqual(canon(blocked.members), canon(identityComponentsBruteForce(rows).members));
    for (const r of rows.filter((x) => x.truth.campaign.startsWith('small-bot-'))) assert.deepEqual(blocked.members.get(blocked.identityOf.get(r.id) as string), [r.id]);
    assert.ok(blocked.pairsScored < rows.length, `scored ${blocked.pairsScored} pairs for ${rows.length} rows`);
  });
});

describe('scenarios/fleet_10k.yaml has the properties it claims', () => {
  const path = join(SCENARIOS, 'fleet_10k.yaml');
  const rows = generateFixture(path, 0);
  const ids = resolveIdentities(rows);

  test('~10,000 identities, blocked identity layer (no quadratic pair scoring)', () => {
    assert.ok(ids.members.size >= 9_500 && ids.members.size <= 10_500, `${ids.members.size} identities`);
    assert.ok(ids.pairsScored < 1_000, `scored ${ids.pairsScored} pairs`);
  });
  test('bots: ~15 % of their decky activity ends in persistence/C2 and ~15 % starts with discovery/lateral movement', () => {
    const s = handoffRoleShares(rows.filter((r) => r.truth.campaign.startsWith('fleet-10k-bot-')));
    assert.ok(s.ending_out >= 0.13 && s.ending_out <= 0.17, `ending out ${s.ending_out}`);
    assert.ok(s.starting_in >= 0.13 && s.starting_in <= 0.17, `starting in ${s.starting_in}`);
  });
  test('commodity tokens are each held by hundreds to thousands; ~3 % touch one of three hot C2s', () => {
    const holders = tokenHolders(rows);
    const commodity = [...[0, 1, 2, 3, 4].map((i) => sha256Hex(commodityPayloadSeed(i))), ...[0, 1, 2, 3].map(commodityC2)];
    for (const t of commodity) {
      const n = holders.get(t) ?? 0;
      assert.ok(n >= 100 && n <= 5_000, `${t}: ${n} holders`);
    }
    const hot = [0, 1, 2].map((i) => holders.get(hotC2(i)) ?? 0);
    const share = hot.reduce((a, b) => a + b, 0) / ids.members.size;
    assert.ok(share >= 0.02 && share <= 0.04, `hot share ${share}`);
    assert.ok(hot.every((n) => n >= 50), `hot holders ${hot}`);
    assert.ok(rows.some((r) => r.sessions.some((s) => s.reported !== undefined)), 'late reports');
  });
  test('forty deckies are used, and the largest_campaign bound is the largest true crew', () => {
    assert.equal(new Set(rows.flatMap((r) => r.sessions.map((s) => s.decky))).size, 40);
    const crews = new Map<string, Set<string>>();
    for (const r of rows) crews.set(r.truth.campaign, (crews.get(r.truth.campaign) ?? new Set()).add(ids.identityOf.get(r.id) as string));
    const largest = Math.max(...[...crews.values()].map((s) => s.size));
    assert.equal(loadBounds(join(SCENARIOS, 'fleet_10k.expected.yaml')).largest_campaign?.max, largest);
    assert.equal(loadBounds(join(SCENARIOS, 'fleet_2k.expected.yaml')).largest_campaign?.max, largest);
  });
});

test('fleet_100k and fleet_1m are ~100,000 and ~1,000,000 identities (counted from the spec, not generated)', () => {
  const rowsOf = (f: FleetSpec) => f.bots.count + f.crews.reduce((n, c) => n + c.count *
    (c.corpus.noise_scanners + c.corpus.campaigns.reduce((m, camp) => m + camp.actors.reduce((a, x) => a + (x.ip_pool === 'rotating' ? x.rotation_count : 1), 0), 0)), 0);
  const ten = loadFixture(join(SCENARIOS, 'fleet_10k.yaml')).fleet as FleetSpec;
  const tenRows = rowsOf(ten);
  assert.equal(tenRows, generateFixture(join(SCENARIOS, 'fleet_2k.yaml'), 0).length * 5, 'the count matches a generated fleet');
  assert.equal(rowsOf(loadFixture(join(SCENARIOS, 'fleet_100k.yaml')).fleet as FleetSpec), tenRows * 10);
  assert.equal(rowsOf(loadFixture(join(SCENARIOS, 'fleet_1m.yaml')).fleet as FleetSpec), tenRows * 100);
  assert.ok(tenRows >= 10_000 && tenRows <= 10_500);
});
