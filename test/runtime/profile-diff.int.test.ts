/**
 * `campaigns diff --store s --profile other` (docs/ANALYSTS.md, "What-if: comparing profiles"):
 * the store's recorded input re-clustered under another profile with the same batches, compared
 * campaign by campaign.
 *
 * - under the store's own profile nothing changes (all three lists empty);
 * - on test/fixtures/scenarios/diff_fleet.yaml seed 1, default@1 against default@2: the very
 *   merges, splits and moves the scenario was built to show, each merge's evidence from the other
 *   log, and the report applied to the store's partition gives the other partition exactly;
 * - the kept scratch store (--out) is what `campaigns run --profile default@2` writes with the
 *   same batches, byte for byte;
 * - every domain is compared on its own, or the one --domain names;
 * - a recorded input file that changed is input_changed, one that is gone input_missing.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RecordedEdge } from '../../src/domain/merge-evidence.ts';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import type { DiffMove, DiffSplit } from '../../src/domain/partition-diff.ts';
import { simulateFixture } from '../../src/sim/scenario.ts';
import { applyDiff, groups } from '../support/diff-apply.ts';
import { writeLines } from './support/identity-stream.ts';
import { cli, dump } from './support/store-run.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-diff-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string): string => path.join(dir, `${name}-${++n}`);

const FLEET = path.resolve(import.meta.dirname, '../fixtures/scenarios/diff_fleet.yaml');
const sim = simulateFixture(FLEET, 1);
const input = writeLines(path.join(dir, 'fleet.ndjson'), sim.emitted.lines);

/**
 * A readable name per identity, from the scenario's truth: `bot-07` for diff-bot-000007, and a
 * crew member its crew and rank by uuid (`foothold-1` … `foothold-4`, `handoff-1`, `tooling-1` …).
 */
const names = (() => {
  const byCrew = new Map<string, string[]>();
  const out = new Map<string, string>();
  for (const t of sim.emitted.truth.values()) {
    const bot = /^diff-bot-0*(\d+)$/.exec(t.truth_campaign);
    if (bot !== null) out.set(t.identity_uuid, `bot-${bot[1].padStart(2, '0')}`);
    else {
      const crew = t.truth_campaign.split('-')[0].replace('shared', 'tooling');
      byCrew.set(crew, [...(byCrew.get(crew) ?? []), t.identity_uuid]);
    }
  }
  for (const [crew, ids] of byCrew) [...new Set(ids)].sort().forEach((id, k) => out.set(id, `${crew}-${k + 1}`));
  return out;
})();
const named = (ids: Iterable<string>): string[] => [...ids].map((i) => names.get(i) ?? i).sort();

interface Report {
  merges: Array<{ campaigns: string[]; into: string; identities: number; evidence: RecordedEdge[]; domain?: string }>;
  splits: Array<DiffSplit & { domain?: string }>;
  moves: Array<DiffMove & { domain?: string }>;
  domains: Array<{ domain: string; store_profile: string; profile: string; batches: number; identities: number }>;
}

async function ok(argv: string[]): Promise<string> {
  const r = await cli(argv);
  assert.equal(r.code, 0, `campaigns ${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const diffJson = async (argv: string[]): Promise<Report> => JSON.parse(await ok(['diff', ...argv, '--json'])) as Report;

/** identity → campaign of a store's (one domain's) membership. */
async function membership(store: string, domain?: string): Promise<Map<string, string>> {
  const lines = (await ok(['membership', '--store', store, ...(domain === undefined ? [] : ['--domain', domain])])).split('\n').filter((l) => l !== '');
  return new Map(lines.map((l) => JSON.parse(l) as { identity_uuid: string; campaign_uuid: string }).map((m) => [m.identity_uuid, m.campaign_uuid]));
}

/** Sorted by their JSON text: for comparing lists whose order the readable names do not give. */
const sorted = <T>(xs: readonly T[]): T[] => [...xs].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));

const members = (m: ReadonlyMap<string, string>, campaign: string): string[] => named([...m].filter(([, c]) => c === campaign).map(([i]) => i));

async function storeOf(profile: string, files = [input]): Promise<string> {
  const store = fresh(profile.replace('@', ''));
  await ok(['run', '--input', ...files, '--store', store, '--profile', profile, '--batch-size', '20']);
  return store;
}

describe('campaigns diff', () => {
  it('under the store\'s own profile nothing would change: three empty lists, and the summary says so', async () => {
    const store = await storeOf('default@1');
    const report = await diffJson(['--store', store, '--profile', 'default@1']);
    assert.deepEqual([report.merges, report.splits, report.moves], [[], [], []]);
    assert.deepEqual(report.domains.map((d) => [d.domain, d.store_profile, d.profile, d.batches, d.identities]), [['default', 'default@1', 'default@1', 4, 23]]);
    assert.match(await ok(['diff', '--store', store, '--profile', 'default@1']), /no change   no campaign would merge, split or move/);
  });

  it('default@1 against default@2: the coincidental-handoff campaign splits, bots sharing one token merge, two bots move', async () => {
    const store = await storeOf('default@1');
    const out = fresh('out');
    const report = await diffJson(['--store', store, '--profile', 'default@2', '--out', out]);
    const before = await membership(store);

    // default@1: the foothold chain, the handoff pair and bots 04 and 10 are one campaign through
    // handoffs that count 1 however many could have been the counterpart.
    const fused = ['bot-04', 'bot-10', 'foothold-1', 'foothold-2', 'foothold-3', 'foothold-4', 'handoff-1', 'handoff-2'];
    assert.deepEqual(report.splits.map((s) => ({
      campaign: members(before, s.campaign), identities: s.identities,
      parts: s.parts.map((p) => named(p.identity_uuids)).sort(), continuing: s.parts.filter((p) => p.continues).length,
    })), [{
      campaign: fused, identities: 8,
      // default@2: a foothold sold to three is 1/3 a handoff, and the pair's handoff had a second candidate.
      parts: [['foothold-1'], ['foothold-2'], ['foothold-3'], ['foothold-4'], ['handoff-1'], ['handoff-2']], continuing: 1,
    }]);
    // default@2 counts a payload or C2 held by a few bots fully (default@1: its Jaccard share).
    assert.deepEqual(sorted(report.merges.map((m) => ({ campaigns: m.campaigns.map((c) => members(before, c)).sort(), identities: m.identities }))), sorted([
      { campaigns: [['bot-02'], ['bot-05'], ['bot-07'], ['bot-08', 'bot-11']], identities: 6 },
      { campaigns: [['bot-01', 'bot-03'], ['bot-06']], identities: 3 },
    ]));
    // Two bots leave the fused campaign for the side of a campaign that stays.
    assert.deepEqual(sorted(report.moves.map((m) => ({ identity: names.get(m.identity_uuid), from: members(before, m.from), to: members(before, m.to) }))), [
      { identity: 'bot-04', from: fused, to: ['bot-09'] },
      { identity: 'bot-10', from: fused, to: ['bot-08', 'bot-11'] },
    ]);

    // Complete: the report applied to the store's partition is the re-clustered one.
    const other = await membership(out);
    assert.deepEqual(groups(applyDiff(before, report)), groups(other));

    // Each merge's evidence: edges the other log recorded (in the event it names), over the
    // threshold, scored by default@2 (adjusted), that join every campaign of the merge.
    const events = new Map((await ok(['events', '--store', out])).split('\n').filter((l) => l !== '')
      .map((l) => JSON.parse(l) as CampaignEvent).map((e) => [e.sequence, e]));
    for (const m of report.merges) {
      assert.ok(m.evidence.length >= m.campaigns.length - 1, `${m.evidence.length} edges join ${m.campaigns.length} campaigns`);
      const side = new Map<string, string>();
      for (const [i, c] of before) if (m.campaigns.includes(c) && !report.moves.some((x) => x.identity_uuid === i)) side.set(i, c);
      const parent = new Map<string, string>();
      const find = (x: string): string => (parent.has(x) ? find(parent.get(x)!) : x);
      for (const e of m.evidence) {
        const { sequence, ...edge } = e;
        assert.ok(events.get(sequence)!.evidence.some((x) => JSON.stringify(x) === JSON.stringify(edge)), `edge ${e.a}–${e.b} is in event ${sequence}`);
        assert.ok(e.weight >= 1 && e.adjusted !== undefined);
        assert.equal(other.get(e.a), m.into);
        assert.equal(other.get(e.b), m.into);
        parent.set(find(side.get(e.a) ?? e.a), find(side.get(e.b) ?? e.b));
      }
      assert.equal(new Set(m.campaigns.map(find)).size, 1, 'the evidence joins every campaign of the merge');
    }

    const text = await ok(['diff', '--store', store, '--profile', 'default@2']);
    assert.match(text, /merges {6}2: 6 campaigns would come together into 2\n/);
    assert.match(text, /splits {6}1: 1 campaign would fall into 6 parts\n/);
    assert.match(text, /moves {7}2 identities would change campaign\n/);
  });

  it('--out keeps the re-clustered store: the log `run --profile default@2` writes with the same batches, byte for byte; without --out nothing is left', async () => {
    const store = await storeOf('default@1');
    const out = fresh('out');
    const tmpBefore = readdirSync(tmpdir()).filter((f) => f.startsWith('campaigns-diff-')).sort();
    await diffJson(['--store', store, '--profile', 'default@2']);
    assert.deepEqual(readdirSync(tmpdir()).filter((f) => f.startsWith('campaigns-diff-')).sort(), tmpBefore, 'the temporary store is removed');
    await diffJson(['--store', store, '--profile', 'default@2', '--out', out]);
    const direct = await storeOf('default@2');
    const [kept, ran] = [await dump(out), await dump(direct)];
    assert.ok(kept.events.length > 0);
    assert.equal(kept.events, ran.events);
    assert.equal(kept.tables, ran.tables);
    // The kept store recorded the same input: a run over the same file resumes it and adds nothing.
    const resumed = JSON.parse(await ok(['run', '--input', input, '--store', out, '--json'])) as { events_read: number; events_appended: number };
    assert.deepEqual([resumed.events_read, resumed.events_appended], [0, 0]);

    const refused = await cli(['diff', '--store', store, '--profile', 'default@2', '--out', out]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--out .* is not empty/);
  });

  it('every domain on its own, as if it were alone in the store, tagged with its domain; or only the one --domain names', async () => {
    const other = writeLines(path.join(dir, 'fleet-b.ndjson'), sim.emitted.lines.map((l) => JSON.stringify({ ...JSON.parse(l), domain: 'fleet-b' })));
    const mixed = await storeOf('default@1', [input, other]);
    const all = await diffJson(['--store', mixed, '--profile', 'default@2']);
    assert.deepEqual(all.domains.map((d) => [d.domain, d.batches, d.identities]), [['default', 4, 23], ['fleet-b', 4, 23]]);
    const entries = (r: Report, domain?: string) => [r.merges, r.splits, r.moves].map((xs) => (xs as Array<{ domain?: string }>).filter((x) => x.domain === domain));
    const alone = await diffJson(['--store', await storeOf('default@1', [input]), '--profile', 'default@2']);
    const aloneB = await diffJson(['--store', await storeOf('default@1', [other]), '--profile', 'default@2']);
    assert.deepEqual(entries(all), entries(alone), 'the default domain\'s entries carry no domain');
    assert.deepEqual(entries(all, 'fleet-b'), entries(aloneB, 'fleet-b'));
    assert.ok(entries(all, 'fleet-b').every((xs) => xs.length > 0));

    const one = await diffJson(['--store', mixed, '--profile', 'default@2', '--domain', 'fleet-b']);
    assert.deepEqual(one.domains.map((d) => d.domain), ['fleet-b']);
    assert.deepEqual(entries(one, 'fleet-b'), entries(all, 'fleet-b'));
    assert.deepEqual(entries(one).flat(), []);
    const missing = await cli(['diff', '--store', mixed, '--profile', 'default@2', '--domain', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /error \[store_missing\]: no domain nope/);
  });

  it('a recorded input that changed is input_changed, one that is gone input_missing; the store is left as it was', async () => {
    const file = path.join(dir, `moving-${++n}.ndjson`);
    copyFileSync(input, file);
    const store = fresh('moving');
    await ok(['run', '--input', file, '--store', store, '--profile', 'default@1', '--batch-size', '20']);
    const before = await dump(store);
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('"identity.observed"', '"identity.observed" '));
    const changed = await cli(['diff', '--store', store, '--profile', 'default@2']);
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /campaigns diff: error \[input_changed\]: moving-\d+\.ndjson: the part already consumed/);
    rmSync(file);
    const gone = await cli(['diff', '--store', store, '--profile', 'default@2']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /campaigns diff: error \[input_missing\]: cannot read .*moving-\d+\.ndjson/);
    assert.deepEqual(await dump(store), before);
    assert.ok(!existsSync(path.join(store, 'domains')));
  });

  it('an unknown profile is a usage error before anything is read', async () => {
    const r = await cli(['diff', '--store', fresh('none'), '--profile', 'default@9']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown scoring profile 'default@9'/);
  });
});
