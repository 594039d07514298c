/**
 * The labels standing on campaigns, folded from `campaign.labelled` events: the newest per
 * campaign, none after a `name: null`; and the scan of a log for them, at the head as it grows
 * and at earlier positions, over logs that keep their serialised events and logs that do not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CampaignEvent, CampaignLabelled } from '../../src/domain/campaign-events.ts';
import { foldLabels, type CampaignLabel } from '../../src/domain/campaign-labels.ts';
import type { EventLog } from '../../src/ports/event-log.ts';
import { LabelScan } from '../../src/pipeline/label-scan.ts';

let seq = 0;
const envelope = (type: CampaignEvent['type'], payload: object, evidence: object[] = []): CampaignEvent => ({
  event_id: `e-${++seq}`, sequence: seq, type, time: '2026-02-01T00:00:00Z', batch: { from: 'f:0', to: 'f:1' }, payload, evidence,
} as unknown as CampaignEvent);
const labelled = (campaign: string, name: string | null, tags: string[] = []): CampaignEvent => envelope('campaign.labelled', {
  campaign_uuid: campaign, name, tags, notes: null, author: name === null ? null : 'kim', override_event_id: name === null ? null : `lb-${seq}`,
} satisfies CampaignLabelled);

const names = (labels: ReadonlyMap<string, CampaignLabel>) => Object.fromEntries([...labels].map(([k, v]) => [k, `${v.name}[${v.tags.join(',')}]`]));

describe('foldLabels', () => {
  it('keeps the newest label per campaign, and forgets a campaign whose label was revoked', () => {
    seq = 0;
    const labels = new Map<string, CampaignLabel>();
    foldLabels(labels, [
      labelled('c1', 'Kettle', ['apt']), labelled('c2', 'Lone'), labelled('c1', 'Teapot', ['apt', 'ssh']),
      envelope('campaign.formed', { campaign_uuid: 'c3', identity_uuids: ['x'] }), labelled('c2', null),
    ]);
    assert.deepEqual(names(labels), { c1: 'Teapot[apt,ssh]' });
  });
});

/** A log of `events` (gap-free from 1); `serialized`: it keeps the stored text too. */
function logOf(events: CampaignEvent[], serialized: boolean): EventLog & { reads: number } {
  const log = {
    reads: 0,
    async read(from: number, limit: number) {
      log.reads++;
      return events.slice(from - 1, from - 1 + limit);
    },
    ...(serialized ? {
      async readSerialized(from: number, limit: number) {
        log.reads++;
        return events.slice(from - 1, from - 1 + limit).map((e) => JSON.stringify(e));
      },
    } : {}),
  };
  return log as unknown as EventLog & { reads: number };
}

describe('LabelScan', () => {
  for (const serialized of [true, false]) {
    it(`gives the labels at any sequence, reading at the head only what is new (${serialized ? 'serialised' : 'plain'} log)`, async () => {
      seq = 0;
      const events = [
        envelope('campaign.formed', { campaign_uuid: 'c1', identity_uuids: ['a'] }, [{ a: 'a', b: 'b', note: ',"type":"campaign.labelled"' }]),
        labelled('c1', 'Kettle', ['apt']),
        labelled('c2', 'Lone'),
        labelled('c1', null),
      ];
      const log = logOf(events, serialized);
      const scan = new LabelScan(log);
      assert.deepEqual(names(await scan.upTo(3)), { c1: 'Kettle[apt]', c2: 'Lone[]' });
      const before = log.reads;
      assert.deepEqual(names(await scan.upTo(4)), { c2: 'Lone[]' });
      assert.equal(log.reads - before, 1, 'one read for the one new event');
      assert.deepEqual(names(await scan.upTo(2)), { c1: 'Kettle[apt]' }, 'an earlier position is scanned afresh');
      assert.deepEqual(names(await scan.upTo(1)), {});
      assert.deepEqual(names(await scan.upTo(4)), { c2: 'Lone[]' }, 'and the head is still known');
    });
  }

  it('asked past the end of the log, still reads the events appended later', async () => {
    seq = 0;
    const events = [labelled('c1', 'Kettle')];
    const scan = new LabelScan(logOf(events, true));
    assert.deepEqual(names(await scan.upTo(5)), { c1: 'Kettle[]' });
    events.push(labelled('c1', 'Teapot'));
    assert.deepEqual(names(await scan.upTo(5)), { c1: 'Teapot[]' });
  });

  it('hands out copies: a later scan does not change labels already given', async () => {
    seq = 0;
    const events = [labelled('c1', 'Kettle'), labelled('c1', 'Teapot')];
    const scan = new LabelScan(logOf(events, true));
    const first = await scan.upTo(1);
    await scan.upTo(2);
    assert.deepEqual(names(first), { c1: 'Kettle[]' });
  });
});
