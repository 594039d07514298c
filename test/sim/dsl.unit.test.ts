import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FixtureError, generateFixture, loadFixture, parseFixture } from '../../src/sim/dsl.ts';
import { expandCorpus, sha256Hex } from '../../src/sim/expander.ts';
import { DEFAULT_COMMANDS, SIM_EPOCH } from '../../src/sim/corpus-types.ts';
import { PHASES } from '../../src/domain/phases.ts';
import { FIXTURES, fixturePath, iso, sessionCount } from './helpers.ts';

describe('REFERENCE §6.3 test vectors (seed 0, lone_wolf)', () => {
  const rows = generateFixture(fixturePath('lone_wolf'), 0);

  test('the wolf: identity, attacker id, IP, ASN, session', () => {
    const wolf = rows[0];
    assert.equal(wolf.truth.identity, 'id-cd072cd8-be6f-9f62-ac4c-09c28206e7e3');
    assert.equal(wolf.truth.campaign, 'lone-wolf-001');
    assert.equal(wolf.truth.actor, 'wolf-a');
    assert.equal(wolf.id, 'att-5594aa6b-342f-5d0a-3a5e-4842fab428f7');
    assert.equal(wolf.ip, '131.248.207.236');
    assert.equal(wolf.asn, 14061);
    assert.equal(wolf.sessions.length, 1);
    const s = wolf.sessions[0];
    assert.equal(s.id, 'sess-78df43e4-1316-7ae8-d9dc-eb3776283381');
    assert.equal(s.decky, 'decky-05');
    assert.equal(iso(s.start), '2026-01-01T04:39:41Z');
    assert.equal(s.duration, 1);
    assert.equal(s.end, s.start + 1);
    assert.equal(s.phase, 'delivery');
    assert.equal(wolf.first_seen, s.start);
    assert.equal(wolf.last_seen, s.start);
  });

  test('noise scanner 0', () => {
    const n = rows[1];
    assert.equal(n.id, 'att-73862648-2f61-c623-7962-7cc124d44618');
    assert.equal(n.ip, '159.128.75.80');
    assert.equal(n.asn, 7472);
    assert.deepEqual(n.truth, { campaign: 'noise-scanner-0000', actor: 'noise-scanner-0000', identity: 'noise-scanner-0000' });
    assert.equal(n.ja3, null);
    assert.equal(n.hassh, null);
    const s = n.sessions[0];
    assert.equal(iso(s.start), '2026-01-01T02:41:05Z');
    assert.equal(s.decky, 'decky-16');
    assert.equal(s.duration, 1);
    assert.equal(s.phase, 'delivery');
    assert.deepEqual([s.commands, s.credentials, s.c2_callback, s.payload_hash], [[], [], null, null]);
    assert.deepEqual(rows.slice(1).map((r) => r.truth.campaign), Array.from({ length: 8 }, (_, i) => `noise-scanner-000${i}`));
  });

  test('corpora generated separately with the same seed start with the same ids', () => {
    const vpn = generateFixture(fixturePath('vpn_hopping'), 0);
    assert.equal(vpn[0].truth.identity, 'id-cd072cd8-be6f-9f62-ac4c-09c28206e7e3');
    assert.equal(vpn[0].id, rows[0].id);
  });

  test('payload hash = SHA-256 hex of the seed string', () => {
    assert.ok(sha256Hex('vpn-hopper-stage1-payload').startsWith('ce0c4f3a'));
    const vpn = generateFixture(fixturePath('vpn_hopping'), 0);
    const exploit = vpn.flatMap((r) => r.sessions).filter((s) => s.phase === 'exploitation');
    assert.equal(exploit.length, 5);
    for (const s of exploit) assert.equal(s.payload_hash, sha256Hex('vpn-hopper-stage1-payload'));
  });
});

describe('REFERENCE §6.4 corpus shapes (seed 0)', () => {
  const shapes: Record<(typeof FIXTURES)[number], [rows: number, sessions: number, truthCampaigns: number]> = {
    lone_wolf: [9, 9, 9],
    shared_wordlist: [2, 8, 2],
    vpn_hopping: [5, 15, 1],
    paused_campaign: [2, 10, 1],
    multi_operator: [2, 14, 1],
    noise_floor: [30, 66, 24],
    slow_burn: [3, 18, 1],
  };
  for (const name of FIXTURES) {
    test(name, () => {
      const rows = generateFixture(fixturePath(name), 0);
      const [n, s, c] = shapes[name];
      assert.equal(rows.length, n);
      assert.equal(sessionCount(rows), s);
      assert.equal(new Set(rows.map((r) => r.truth.campaign)).size, c);
    });
  }

  test('noise_floor: constituents in listed order, 8 + 10 noise scanners numbered from 0', () => {
    const rows = generateFixture(fixturePath('noise_floor'), 0);
    const campaigns = [...new Set(rows.map((r) => r.truth.campaign))];
    assert.deepEqual(campaigns.slice(0, 6), ['shared-wordlist-A', 'shared-wordlist-B', 'vpn-hopping-001', 'lone-wolf-001', 'paused-campaign-001', 'multi-operator-001']);
    assert.deepEqual(campaigns.slice(6), Array.from({ length: 18 }, (_, i) => `noise-scanner-${String(i).padStart(4, '0')}`));
    assert.equal(rows.filter((r) => r.truth.campaign.startsWith('noise-')).length, 18);
  });
});

describe('expansion semantics', () => {
  test('rotating actor: one row per rotation, ASN per row, session k of each phase on row k mod n', () => {
    const rows = generateFixture(fixturePath('vpn_hopping'), 0);
    assert.deepEqual(rows.map((r) => r.asn), [64512, 64513, 64514, 64515, 64516]);
    assert.equal(new Set(rows.map((r) => r.truth.identity)).size, 1);
    for (const r of rows) assert.deepEqual(r.sessions.map((s) => s.phase), ['delivery', 'exploitation', 'discovery']);
    assert.equal(new Set(rows.map((r) => r.ip)).size, 5);
  });

  test('previous_success follows the same actor\'s latest exploitation/persistence decky, else decky-01', () => {
    const [a, b] = generateFixture(fixturePath('multi_operator'), 0);
    const lastExploit = a.sessions.filter((s) => s.phase === 'exploitation').at(-1)?.decky;
    const persistence = a.sessions.find((s) => s.phase === 'persistence');
    const c2 = a.sessions.find((s) => s.phase === 'command_and_control');
    assert.equal(persistence?.decky, lastExploit);
    assert.equal(c2?.decky, persistence?.decky);
    // Operator B has no foothold of its own: its discovery goes to decky-01, not A's foothold.
    for (const s of b.sessions.filter((x) => x.phase === 'discovery')) assert.equal(s.decky, 'decky-01');
  });

  test('active_days and pause windows bound the days; hours come from hours_active_utc', () => {
    const [s1, s2] = generateFixture(fixturePath('paused_campaign'), 0);
    const day = (t: number): number => Math.floor((t - SIM_EPOCH) / 86_400);
    for (const s of s1.sessions) assert.ok([0, 1].includes(day(s.start)));
    for (const s of s2.sessions) assert.ok([5, 6].includes(day(s.start)));
    for (const s of [...s1.sessions, ...s2.sessions]) {
      const h = new Date(s.start * 1000).getUTCHours();
      assert.ok(h >= 8 && h <= 17, `hour ${h}`);
    }
  });

  test('default commands per phase; explicit [] means none; credentials are copied as pairs', () => {
    const counts = Object.fromEntries(PHASES.map((p) => [p, DEFAULT_COMMANDS[p].length]));
    assert.deepEqual(counts, {
      reconnaissance: 0, resource_development: 0, weaponization: 0, social_engineering: 0,
      delivery: 0, exploitation: 0, command_and_control: 0, pivoting: 0, objectives: 0,
      discovery: 6, credential_access: 3, persistence: 3, privilege_escalation: 2, lateral_movement: 2,
      collection: 1, exfiltration: 1, execution: 1, impact: 1, defense_evasion: 2,
    });
    const [a] = generateFixture(fixturePath('shared_wordlist'), 0);
    const cred = a.sessions.filter((s) => s.phase === 'credential_access');
    assert.equal(cred.length, 3);
    for (const s of cred) {
      assert.deepEqual(s.commands, []);
      assert.equal(s.credentials.length, 8);
      assert.deepEqual(s.credentials[2], ['admin', '12345']);
    }
    const [, b] = generateFixture(fixturePath('multi_operator'), 0);
    assert.deepEqual(b.sessions.find((s) => s.phase === 'discovery')?.commands, DEFAULT_COMMANDS.discovery);
  });

  test('defaults: duration 1 day, asn 0, sticky, jitter 60, all 24 hours, dwell 5, count 1, first actor', () => {
    const spec = parseFixture('campaign: {id: c, actors: [{id: a}], phases: [{name: discovery}, {name: reconnaissance}]}', 'mem.yaml');
    const c = spec.campaigns[0];
    assert.equal(spec.noise_scanners, 0);
    assert.equal(c.duration_days, 1);
    assert.deepEqual(c.pause_windows, []);
    assert.deepEqual(c.actors[0], {
      id: 'a', asn: 0, ip_pool: 'sticky', rotation_count: 1, rotation_asns: [], ja3: null, hassh: null,
      hours_active_utc: Array.from({ length: 24 }, (_, h) => h), jitter_seconds: 60, active_days: null, keystroke: null,
    });
    assert.deepEqual({ ...c.phases[0], commands: [...c.phases[0].commands] }, {
      name: 'discovery', actor: 'a', commands: DEFAULT_COMMANDS.discovery, credentials: [], c2_callback: null,
      payload_seed: null, count: 1, decky_selector: null, decky_of: null, dwell_seconds: 5,
    });
    const rows = expandCorpus(spec, 3);
    // The non-observable phase emits nothing and draws nothing.
    assert.equal(rows[0].sessions.length, 1);
    assert.equal(rows[0].asn, 0);
    assert.equal(rows[0].sessions[0].duration, 5);
  });

  test('a non-observable phase draws nothing: the corpus equals the one without it', () => {
    const a = parseFixture('campaign: {id: c, actors: [{id: a}], phases: [{name: weaponization, target_selector: {count: 3}}, {name: delivery}]}', 'a.yaml');
    const b = parseFixture('campaign: {id: c, actors: [{id: a}], phases: [{name: delivery}]}', 'b.yaml');
    assert.deepEqual(expandCorpus(a, 11), expandCorpus(b, 11));
  });

  test('an empty day pool skips sessions without drawing', () => {
    const paused = parseFixture('campaign: {id: c, duration_days: 2, pause_windows: [[0, 1]], actors: [{id: a}, {id: b}], phases: [{name: delivery, actor: a, target_selector: {count: 4}}]}', 'p.yaml');
    const noPhase = parseFixture('campaign: {id: c, duration_days: 2, actors: [{id: a}, {id: b}], phases: []}', 'q.yaml');
    const [ra, rb] = expandCorpus(paused, 5);
    const [qa, qb] = expandCorpus(noPhase, 5);
    assert.equal(ra.sessions.length, 0);
    assert.equal(ra.first_seen, SIM_EPOCH);
    assert.equal(ra.last_seen, SIM_EPOCH);
    assert.deepEqual([ra.id, rb.id, rb.ip], [qa.id, qb.id, qb.ip]);
  });

  test('first_seen / last_seen quirk: last_seen follows starts only after E', () => {
    // Hour 0 with a large jitter puts some starts before E: first_seen moves there, last_seen stays E.
    const spec = parseFixture('campaign: {id: c, actors: [{id: a, hours_active_utc: [0], jitter_seconds: 7200}], phases: [{name: delivery}]}', 'j.yaml');
    let before = 0;
    let after = 0;
    for (let seed = 0; seed < 40; seed++) {
      const [r] = expandCorpus(spec, seed);
      const start = r.sessions[0].start;
      assert.equal(r.first_seen, start);
      if (start < SIM_EPOCH) {
        before++;
        assert.equal(r.last_seen, SIM_EPOCH);
      } else {
        after++;
        assert.equal(r.last_seen, start);
      }
    }
    assert.ok(before > 0 && after > 0);
  });
});

describe('DSL errors name the file, the path and the expectation', () => {
  const expectError = (text: string, path: string, expected: RegExp, file = 'bad.yaml'): void => {
    assert.throws(() => parseFixture(text, file), (err: unknown) => {
      assert.ok(err instanceof FixtureError, `not a FixtureError: ${String(err)}`);
      assert.equal(err.file, file);
      assert.equal(err.path, path);
      assert.match(err.expected, expected);
      assert.ok(err.message.startsWith(`${file}: ${path}: expected `), err.message);
      return true;
    });
  };
  const ok = 'actors: [{id: a}]';

  test('not a mapping', () => {
    expectError('- campaign: {}', '(document)', /a mapping with a `campaign`, `corpus` or `include_fixtures` key/);
    expectError('just text', '(document)', /a mapping/);
  });
  test('no recognised top-level form, or two of them', () => {
    expectError('campagin: {id: x}', '(document)', /exactly one of the keys/);
    expectError('campaign: {id: x, actors: [{id: a}], phases: []}\ncorpus: {campaigns: []}', '(document)', /exactly one of the keys/);
  });
  test('missing ids', () => {
    expectError(`campaign: {${ok}, phases: []}`, 'campaign.id', /non-empty string id/);
    expectError('campaign: {id: c, actors: [{asn: 1}], phases: []}', 'campaign.actors[0].id', /non-empty string id/);
    expectError('campaign: {id: "", actors: [{id: a}], phases: []}', 'campaign.id', /non-empty string id/);
  });
  test('actors: missing, empty, duplicated', () => {
    expectError('campaign: {id: c, phases: []}', 'campaign.actors', /non-empty list of actors/);
    expectError('campaign: {id: c, actors: [], phases: []}', 'campaign.actors', /non-empty list of actors/);
    expectError('campaign: {id: c, actors: [{id: a}, {id: a}], phases: []}', 'campaign.actors[1].id', /not already declared/);
  });
  test('phases missing', () => {
    expectError(`campaign: {id: c, ${ok}}`, 'campaign.phases', /a list of phases/);
  });
  test('unknown phase', () => {
    expectError(`campaign: {id: c, ${ok}, phases: [{name: delivery}, {name: discovery}, {name: recon}]}`, 'campaign.phases[2].name', /one of the 19 UKC phases \(reconnaissance, /);
    expectError(`campaign: {id: c, ${ok}, phases: [{actor: a}]}`, 'campaign.phases[0].name', /UKC phases/);
  });
  test('undeclared actor', () => {
    expectError('campaign: {id: c, actors: [{id: a}, {id: b}], phases: [{name: delivery, actor: z}]}', 'campaign.phases[0].actor', /one of the declared actors \(a, b\)/);
  });
  test('wrong types', () => {
    expectError('campaign: {id: c, actors: [{id: a, hours_active_utc: "3"}], phases: []}', 'campaign.actors[0].hours_active_utc', /list of integers/);
    expectError('campaign: {id: c, actors: [{id: a, hours_active_utc: [3, 24]}], phases: []}', 'campaign.actors[0].hours_active_utc[1]', /integer in \[0, 23\]/);
    expectError('campaign: {id: c, actors: [{id: a, jitter_seconds: 1.5}], phases: []}', 'campaign.actors[0].jitter_seconds', /integer ≥ 0/);
    expectError('campaign: {id: c, actors: [{id: a, ja3: 771}], phases: []}', 'campaign.actors[0].ja3', /string or null/);
    expectError('campaign: {id: c, actors: [{id: a, asn: AS123}], phases: []}', 'campaign.actors[0].asn', /integer/);
    expectError('campaign: {id: c, actors: [{id: a, rotation_count: 0}], phases: []}', 'campaign.actors[0].rotation_count', /integer ≥ 1/);
    expectError('campaign: {id: c, duration_days: "7", actors: [{id: a}], phases: []}', 'campaign.duration_days', /integer/);
    expectError('campaign: {id: c, actors: [{id: a}], pause_windows: [[2]], phases: []}', 'campaign.pause_windows[0]', /\[start, end\] day range/);
    expectError(`campaign: {id: c, ${ok}, phases: [{name: delivery, target_selector: {count: two}}]}`, 'campaign.phases[0].target_selector.count', /integer ≥ 0/);
    expectError(`campaign: {id: c, ${ok}, phases: [{name: delivery, dwell_seconds: -1}]}`, 'campaign.phases[0].dwell_seconds', /non-negative number/);
    expectError(`campaign: {id: c, ${ok}, phases: [{name: delivery, tool_signature: {credentials: [[root, toor, x]]}}]}`, 'campaign.phases[0].tool_signature.credentials[0]', /\[user, password\] pair/);
    expectError(`campaign: {id: c, ${ok}, phases: [{name: delivery, tool_signature: {credentials: [[root, 123456]]}}]}`, 'campaign.phases[0].tool_signature.credentials[0][1]', /password string/);
    expectError(`campaign: {id: c, ${ok}, phases: [{name: delivery, tool_signature: {commands: [ls, [x]]}}]}`, 'campaign.phases[0].tool_signature.commands[1]', /a string/);
    expectError(`campaign: {id: c, ${ok}, phases: [{name: delivery, tool_signature: [x]}]}`, 'campaign.phases[0].tool_signature', /mapping or null/);
    expectError(`campaign: {id: c, ${ok}, phases: [[delivery]]}`, 'campaign.phases[0]', /phase mapping/);
  });
  test('corpus form', () => {
    expectError('corpus: [x]', 'corpus', /mapping with `campaigns` and `noise`/);
    expectError('corpus: {campaigns: {campaign: {}}}', 'corpus.campaigns', /list of `\{campaign: …\}` wrappers/);
    expectError(`corpus: {campaigns: [{campaign: {id: c, ${ok}, phases: []}}, {id: d}]}`, 'corpus.campaigns[1].campaign', /campaign mapping/);
    expectError(`corpus: {campaigns: [{campaign: {id: c, ${ok}, phases: [{name: x}]}}]}`, 'corpus.campaigns[0].campaign.phases[0].name', /UKC phases/);
    expectError('corpus: {campaigns: [], noise: {scanner_count: many}}', 'corpus.noise.scanner_count', /integer ≥ 0/);
    assert.equal(parseFixture('corpus: {campaigns: [], noise: null}', 'n.yaml').noise_scanners, 0);
  });
  test('YAML syntax and duplicate keys', () => {
    expectError('campaign: {id: c, id: d}', 'line 1, column 19', /valid YAML/);
    expectError('campaign: [unclosed', 'line 1, column 20', /valid YAML/);
  });

  describe('include_fixtures', () => {
    const files: Record<string, string> = {
      '/fx/one.yaml': `campaign: {id: one, ${ok}, phases: [{name: delivery}]}`,
      '/fx/two.yaml': `corpus: {campaigns: [{campaign: {id: two, ${ok}, phases: []}}, {campaign: {id: three, ${ok}, phases: []}}], noise: {scanner_count: 2}}`,
      '/fx/broken.yaml': `campaign: {id: b, ${ok}, phases: [{name: nope}]}`,
      '/fx/self.yaml': 'include_fixtures: [self.yaml]',
      '/fx/sub/inc.yaml': 'include_fixtures: [../one.yaml, ../two.yaml]\nextra_noise_scanners: 3',
    };
    const read = (p: string): string => {
      const t = files[p];
      if (t === undefined) throw new Error(`ENOENT: ${p}`);
      return t;
    };
    const includeError = (text: string, file: string, path: string, expected: RegExp): void => {
      assert.throws(() => parseFixture(text, file, read), (err: unknown) => {
        assert.ok(err instanceof FixtureError);
        assert.deepEqual([err.file, err.path], [file, path]);
        assert.match(err.expected, expected);
        return true;
      });
    };

    test('resolved relative to the including file; campaigns concatenated, noise summed', () => {
      const spec = loadFixture('/fx/sub/inc.yaml', read);
      assert.deepEqual(spec.campaigns.map((c) => c.id), ['one', 'two', 'three']);
      assert.equal(spec.noise_scanners, 5);
    });
    test('errors', () => {
      includeError('include_fixtures: [missing.yaml]', '/fx/main.yaml', 'include_fixtures[0]', /readable fixture file/);
      includeError('include_fixtures: [one.yaml, 7]', '/fx/main.yaml', 'include_fixtures[1]', /fixture file name/);
      includeError('include_fixtures: one.yaml', '/fx/main.yaml', 'include_fixtures', /list of fixture file names/);
      includeError('include_fixtures: [one.yaml]\nextra_noise_scanners: -1', '/fx/main.yaml', 'extra_noise_scanners', /integer ≥ 0/);
      includeError('include_fixtures: [self.yaml]', '/fx/self.yaml', 'include_fixtures[0]', /does not include itself/);
    });
    test('an error inside an included file carries the included file name', () => {
      assert.throws(() => parseFixture('include_fixtures: [one.yaml, broken.yaml]', '/fx/main.yaml', read), (err: unknown) =>
        err instanceof FixtureError && err.file === '/fx/broken.yaml' && err.path === 'campaign.phases[0].name');
    });
  });
});
