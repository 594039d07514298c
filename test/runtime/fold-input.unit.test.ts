/**
 * The replay's decoder (fold-input.ts) gives exactly what JSON.parse gives for the four fields
 * the fold reads, on real engine output and on hostile strings (attacker-chosen C2 names that
 * spell keys, quotes, escapes), and folding its output gives the same tables as folding the
 * whole events.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import { allRows, emptyTables, foldAll } from '../../src/domain/tables.ts';
import { foldInput } from '../../src/pipeline/fold-input.ts';
import { campaignRun } from '../kafka/support/campaign-runs.ts';

const fields = (e: Pick<CampaignEvent, 'sequence' | 'type' | 'time' | 'payload'>) => ({ sequence: e.sequence, type: e.type, time: e.time, payload: e.payload });

describe('fold input', () => {
  const run = campaignRun(400);

  it('decodes sequence, type, time and payload of every event as JSON.parse does', () => {
    for (const e of run.events) assert.deepEqual(fields(foldInput(JSON.stringify(e))), fields(e));
  });

  it('is not fooled by strings that spell keys, quotes or escapes', () => {
    const hostile = ['","evidence":[],"x":"', ',"payload":{"a":1}', 'a\\"b', '\\u0000', 'quote"comma,', ',"type":"campaign.merged"'];
    const profile = run.events.find((e) => e.type === 'campaign.profile.updated');
    assert.ok(profile?.type === 'campaign.profile.updated');
    const e = { ...profile, payload: { ...profile.payload, c2_endpoints: { added: hostile, removed: [] } } } as CampaignEvent;
    assert.deepEqual(fields(foldInput(JSON.stringify(e))), fields(e));
    const odd = { ...e, time: 'x\\"y', evidence: [{ ...e.evidence[0], a: '","payload":' }] } as unknown as CampaignEvent;
    assert.deepEqual(fields(foldInput(JSON.stringify(odd))), fields(odd));
  });

  it('folds into the same tables as the whole events', () => {
    const whole = emptyTables();
    foldAll(whole, run.events);
    const decoded = emptyTables();
    foldAll(decoded, run.events.map((e) => foldInput(JSON.stringify(e)) as CampaignEvent));
    assert.deepEqual(allRows(decoded), allRows(whole));
  });
});
