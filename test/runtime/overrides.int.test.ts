/**
 * Analyst overrides end to end: `campaigns override` appends NDJSON lines to an overrides file,
 * `campaigns run` reads that file as input with the identity events, and the store's campaigns,
 * log and rejects show what the overrides did. In-process CLI, real stores in a temp directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import { cli } from './support/store-run.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-overrides-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T = '2026-02-01T00:00:00Z';
const observed = (id: string, c2: string, n: number) => JSON.stringify({
  type: 'identity.observed', event_id: `obs-${id}-${n}`, time: T, identity_uuid: id, version: n, observation: { c2_endpoints: [c2] },
});
/** a, b, c share one C2; d has its own. */
const EVENTS = [observed('a', 'c2.x', 1), observed('b', 'c2.x', 1), observed('c', 'c2.x', 1), observed('d', 'c2.y', 1)];

async function ok(argv: string[]): Promise<string> {
  const r = await cli(argv);
  assert.equal(r.code, 0, `campaigns ${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const override = (file: string, ...argv: string[]) => ok(['override', ...argv, '--file', file, '--author', 'kim', '--reason', 'test']);
const membership = async (store: string) =>
  new Map((await ok(['membership', '--store', store])).trim().split('\n').map((l) => JSON.parse(l)).map((m) => [m.identity_uuid, m.campaign_uuid]));
const logOf = async (store: string): Promise<CampaignEvent[]> =>
  (await ok(['events', '--store', store])).trim().split('\n').map((l) => JSON.parse(l));

describe('campaigns override + campaigns run', () => {
  const events = path.join(dir, 'events.ndjson');
  const overrides = path.join(dir, 'overrides.ndjson');
  const store = path.join(dir, 'store');
  writeFileSync(events, EVENTS.join('\n') + '\n');

  it('appends one checked NDJSON line per override and prints it', async () => {
    const line = await override(overrides, 'cannot-link', 'a', 'c', '--event-id', 'ov-1', '--time', T);
    assert.deepEqual(JSON.parse(line), {
      type: 'analyst.cannot_link', event_id: 'ov-1', time: T, identity_uuids: ['a', 'c'], author: 'kim', reason: 'test',
    });
    assert.equal(readFileSync(overrides, 'utf8'), line);
    const linked = JSON.parse(await override(overrides, 'must-link', 'c', 'd', '--time', T));
    assert.match(linked.event_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a random UUID by default');
    assert.equal(readFileSync(overrides, 'utf8').split('\n').length, 3);
  });

  it('a run over the events and the overrides file honours them: a and c apart, c with d', async () => {
    await ok(['run', '--input', events, overrides, '--store', store, '--json']);
    const m = await membership(store);
    assert.notEqual(m.get('a'), m.get('c'));
    assert.equal(m.get('a'), m.get('b'));
    assert.equal(m.get('c'), m.get('d'));
    const evidence = (await logOf(store)).flatMap((e) => e.evidence);
    assert.ok(evidence.some((e) => e.override === 'ov-1' && e.cut === true), 'the cut names the cannot-link');
    assert.ok(evidence.some((e) => e.override !== undefined && e.cut === undefined && [e.a, e.b].join() === 'c,d'), 'the must-link edge names its override');
  });

  it('a label appended later names the campaign in the log when the store catches up, and a revoke undoes the cut', async () => {
    const campaign = (await membership(store)).get('a')!;
    await override(overrides, 'label', campaign, '--name', 'Kettle', '--tag', 'apt', 'ssh', '--event-id', 'lb-1', '--time', T);
    await override(overrides, 'revoke', 'ov-1', '--event-id', 'rv-1', '--time', T);
    await ok(['run', '--input', events, overrides, '--store', store, '--json']);
    const log = await logOf(store);
    const labelled = log.filter((e) => e.type === 'campaign.labelled');
    assert.deepEqual(labelled.map((e) => e.payload), [
      { campaign_uuid: campaign, name: 'Kettle', tags: ['apt', 'ssh'], notes: null, author: 'kim', override_event_id: 'lb-1' },
    ]);
    const m = await membership(store);
    assert.equal(new Set(m.values()).size, 1, 'without the cannot-link, the must-link puts all four in one campaign');
  });

  it('a fresh store over the same files reaches the same campaigns, and two fresh runs write the same log bytes', async () => {
    const runFresh = async (name: string) => {
      const s = path.join(dir, name);
      await ok(['run', '--input', events, overrides, '--store', s, '--batch-size', '2', '--json']);
      return s;
    };
    const one = await runFresh('fresh-1');
    const two = await runFresh('fresh-2');
    assert.equal(await ok(['events', '--store', one]), await ok(['events', '--store', two]));
    const grouping = (m: Map<string, string>) => ['a', 'b', 'c', 'd'].map((u) => ['a', 'b', 'c', 'd'].find((v) => m.get(v) === m.get(u)));
    assert.deepEqual(grouping(await membership(one)), grouping(await membership(store)));
  });

  it('an override the engine refuses is a reject of the run, with its code', async () => {
    const file = path.join(dir, 'stranger.ndjson');
    await override(file, 'must-link', 'a', 'ghost', '--event-id', 'ov-9', '--time', T);
    const s = path.join(dir, 'stranger-store');
    const summary = JSON.parse(await ok(['run', '--input', events, file, '--store', s, '--json']));
    assert.equal(summary.rejected, 1);
    const rejects = readFileSync(path.join(s, 'rejects.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rejects.map((r) => [r.event_id, r.code]), [['ov-9', 'unknown_identity']]);
  });
});

describe('campaigns override: refused before anything is written', () => {
  const file = path.join(dir, 'refused.ndjson');

  it('usage errors exit 2 and leave the file alone', async () => {
    writeFileSync(file, '');
    const cases: Array<[string[], RegExp]> = [
      [['override', 'merge', 'a', 'b', '--file', file, '--reason', 'r', '--author', 'k'], /unknown override kind 'merge'/],
      [['override', 'must-link', 'a', '--file', file, '--reason', 'r', '--author', 'k'], /takes IDENTITY IDENTITY, got 1 operand/],
      [['override', 'must-link', 'a', 'b', '--file', file, '--author', 'k'], /--reason is required/],
      [['override', 'cannot-link', 'a', 'a', '--file', file, '--reason', 'r', '--author', 'k', '--time', T], /would be refused \(bad_value\): identity_uuids must be two distinct/],
      [['override', 'pin', 'a', 'b', '--file', file, '--reason', 'r', '--author', 'k', '--time', 'yesterday'], /bad_time/],
      [['override', 'label', 'c1', '--file', file, '--reason', 'r', '--author', 'k', '--time', T], /label needs --name/],
      [['override', 'revoke', 'ov-1', '--name', 'x', '--file', file, '--reason', 'r', '--author', 'k'], /--name, --tag and --notes are for label/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
    assert.equal(readFileSync(file, 'utf8'), '');
  });

  it('a file whose last line has no newline gets one before the override', async () => {
    writeFileSync(file, '{"type":"identity.retired","event_id":"r1","time":"2026-01-01T00:00:00Z","identity_uuid":"z"}');
    await override(file, 'revoke', 'ov-1', '--event-id', 'rv-9', '--time', T);
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.length, 3);
    for (const l of lines.slice(0, 2)) JSON.parse(l);
  });
});
