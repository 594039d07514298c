/** The campaign tables as a pure fold of campaign events. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  allRows, campaignCounts, canonicalOf, emptyTables, foldEvents, membershipOf, rowOf, tablesFromRows, type CampaignTables,
} from '../../src/domain/tables.ts';
import { assigned, draft, echo, formed, log, merged, profile, removed, unmerged, type Draft } from '../support/campaign-logs.ts';

const fold = (drafts: readonly Draft[]): { t: CampaignTables; changed: string[] } => {
  const t = emptyTables();
  const changed = foldEvents(t, log(drafts));
  return { t, changed };
};

describe('tables fold: event semantics', () => {
  it('campaign.formed creates an active row with its sorted members and formation time', () => {
    const { t, changed } = fold([formed('c1', 'i2', 'i1')]);
    const r = rowOf(t, 'c1')!;
    assert.deepEqual(changed, ['c1']);
    assert.equal(r.status, 'active');
    assert.deepEqual(r.members, ['i1', 'i2']);
    assert.equal(r.identity_count, 2);
    assert.equal(r.formed_sequence, 1);
    assert.equal(r.formed_at, '2026-01-01T00:00:01Z');
    assert.equal(r.updated_sequence, 1);
  });

  it('campaign.identity.assigned moves the identity out of its prior literal campaign', () => {
    const { t } = fold([formed('c1', 'i1', 'i2'), formed('c2', 'i3'), assigned('i2', 'c2', 'c1')]);
    assert.deepEqual(rowOf(t, 'c1')!.members, ['i1']);
    assert.deepEqual(rowOf(t, 'c2')!.members, ['i2', 'i3']);
    assert.equal(rowOf(t, 'c1')!.identity_count, 1);
    assert.equal(rowOf(t, 'c2')!.updated_sequence, 3);
  });

  it('identity.campaign.assigned repeating an assignment changes nothing', () => {
    const a = fold([formed('c1', 'i1'), formed('c2', 'i2'), assigned('i1', 'c2', 'c1')]).t;
    const b = fold([formed('c1', 'i1'), formed('c2', 'i2'), assigned('i1', 'c2', 'c1'), echo('i1', 'c2', 'c1')]);
    assert.deepEqual(allRows(b.t), allRows(a));
    assert.equal(b.t.sequence, 4);
  });

  it('identity.campaign.assigned alone moves the identity like its campaign-keyed twin', () => {
    const { t } = fold([formed('c1', 'i1'), formed('c2', 'i2'), echo('i1', 'c2')]);
    assert.deepEqual(rowOf(t, 'c2')!.members, ['i1', 'i2']);
    assert.equal(rowOf(t, 'c1')!.status, 'empty');
  });

  it('campaign.merged marks the loser merged and counts its members for the winner chain', () => {
    const { t } = fold([formed('c1', 'i1'), formed('c2', 'i2', 'i3'), formed('c3', 'i4'), merged('c1', 'c2'), merged('c3', 'c1')]);
    assert.equal(rowOf(t, 'c2')!.status, 'merged');
    assert.equal(rowOf(t, 'c2')!.merged_into, 'c1');
    assert.equal(rowOf(t, 'c1')!.identity_count, 3);
    assert.equal(rowOf(t, 'c3')!.identity_count, 4);
    assert.equal(canonicalOf(t, 'c2'), 'c3');
    assert.deepEqual(membershipOf(t).map((m) => m.campaign_uuid), ['c3', 'c3', 'c3', 'c3']);
  });

  it('an assignment into a merged-in campaign raises every count up its chain', () => {
    const { t } = fold([formed('c1', 'i1'), formed('c2', 'i2'), merged('c1', 'c2'), assigned('i9', 'c2')]);
    assert.equal(rowOf(t, 'c2')!.identity_count, 2);
    assert.equal(rowOf(t, 'c1')!.identity_count, 3);
    assert.equal(rowOf(t, 'c1')!.updated_sequence, 4);
  });

  it('campaign.unmerged clears the pointer and gives the members back', () => {
    const { t } = fold([formed('c1', 'i1'), formed('c2', 'i2'), merged('c1', 'c2'), unmerged('c2', 'c1')]);
    assert.equal(rowOf(t, 'c2')!.status, 'active');
    assert.equal(rowOf(t, 'c2')!.merged_into, null);
    assert.equal(rowOf(t, 'c1')!.identity_count, 1);
    assert.equal(canonicalOf(t, 'c2'), 'c2');
  });

  it('campaign.identity.removed drops the identity; a campaign left with none is empty but stays', () => {
    const { t } = fold([formed('c1', 'i1'), removed('c1', 'i1')]);
    const r = rowOf(t, 'c1')!;
    assert.equal(r.status, 'empty');
    assert.equal(r.identity_count, 0);
    assert.deepEqual(r.members, []);
    assert.deepEqual(membershipOf(t), []);
  });

  it('campaign.profile.updated sets scalars and applies set deltas, keeping sets sorted', () => {
    const { t } = fold([
      formed('c1', 'i1'),
      profile('c1', {
        first_activity: '2026-01-01T00:00:00Z', last_activity: '2026-01-02T00:00:00Z', confidence: 0.5,
        payload_hashes: { added: ['h2', 'h1'], removed: [] }, asns: { added: [65000, 100], removed: [] },
        deckies: { added: ['d1'], removed: [] },
      }),
      profile('c1', {
        first_activity: '2026-01-01T00:00:00Z', last_activity: '2026-01-03T00:00:00Z', confidence: 0.75,
        payload_hashes: { added: ['h3'], removed: ['h1'] }, c2_endpoints: { added: ['10.0.0.1:443'], removed: [] },
        deckies: { added: [], removed: ['d1'] },
      }),
    ]);
    const r = rowOf(t, 'c1')!;
    assert.deepEqual(r.payload_hashes, ['h2', 'h3']);
    assert.deepEqual(r.asns, [100, 65000]);
    assert.deepEqual(r.c2_endpoints, ['10.0.0.1:443']);
    assert.deepEqual(r.deckies, []);
    assert.equal(r.last_activity, '2026-01-03T00:00:00Z');
    assert.equal(r.confidence, 0.75);
    assert.equal(r.updated_sequence, 3);
  });

  it('a profile update that changes nothing leaves updated_sequence alone', () => {
    const { t } = fold([formed('c1', 'i1'), profile('c1'), profile('c1')]);
    assert.equal(rowOf(t, 'c1')!.updated_sequence, 1);
  });

  it('canonicalOf survives a merge cycle and names the cycle by its smallest uuid', () => {
    const { t } = fold([formed('c1', 'i1'), formed('c2', 'i2'), merged('c1', 'c2'), merged('c2', 'c1')]);
    assert.equal(canonicalOf(t, 'c1'), 'c1');
    assert.equal(canonicalOf(t, 'c2'), 'c1');
  });

  it('events at or below the tables sequence are skipped', () => {
    const events = log([formed('c1', 'i1'), formed('c2', 'i2')]);
    const t = emptyTables();
    foldEvents(t, events);
    assert.deepEqual(foldEvents(t, events), []);
    assert.equal(rowOf(t, 'c1')!.identity_count, 1);
  });

  it('campaignCounts counts active, empty and merged rows and the largest live campaign through merges', () => {
    const { t } = fold([
      formed('c1', 'i1', 'i2'), formed('c2', 'i3'), formed('c3', 'i4'), merged('c1', 'c2'), removed('c3', 'i4'),
    ]);
    assert.deepEqual(campaignCounts(t), { active: 1, empty: 1, merged: 1, largest: 3 });
  });

  it('tablesFromRows refuses rows that list one identity twice', () => {
    const rows = allRows(fold([formed('c1', 'i1')]).t);
    assert.throws(() => tablesFromRows([...rows, { ...rows[0], uuid: 'c9' }], 1), /inconsistent tables/);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over arbitrary logs (not only the ones a correct engine writes).

/** Split points → chunks of the log. */
const chunked = <T>(xs: readonly T[], cuts: readonly number[]): T[][] => {
  const at = [...new Set(cuts.map((k) => k % (xs.length + 1)))].sort((a, b) => a - b);
  const out: T[][] = [];
  let prev = 0;
  for (const k of [...at, xs.length]) {
    out.push(xs.slice(prev, k));
    prev = k;
  }
  return out;
};

describe('tables fold: properties', () => {
  it('folding the log in one go equals folding it in arbitrary chunks (rows, membership, changed set)', () => {
    fc.assert(fc.property(fc.array(draft, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 8 }), (drafts, cuts) => {
      const events = log(drafts);
      const whole = emptyTables();
      const changedWhole = foldEvents(whole, events);
      const parts = emptyTables();
      const changedParts = new Set<string>();
      for (const chunk of chunked(events, cuts)) for (const u of foldEvents(parts, chunk)) changedParts.add(u);
      assert.deepEqual(allRows(parts), allRows(whole));
      assert.deepEqual(membershipOf(parts), membershipOf(whole));
      assert.equal(parts.sequence, whole.sequence);
      assert.deepEqual([...changedParts].sort(), changedWhole);
    }), { numRuns: 300 });
  });

  it('restarting from stored rows and folding the rest equals folding everything', () => {
    fc.assert(fc.property(fc.array(draft, { maxLength: 60 }), fc.nat(), (drafts, cut) => {
      const events = log(drafts);
      const k = cut % (events.length + 1);
      const whole = emptyTables();
      foldEvents(whole, events);
      const first = emptyTables();
      foldEvents(first, events.slice(0, k));
      const restarted = tablesFromRows(allRows(first), first.sequence);
      foldEvents(restarted, events.slice(k));
      assert.deepEqual(allRows(restarted), allRows(whole));
    }), { numRuns: 300 });
  });

  it('identity_count counts the members of every campaign whose merge chain reaches the row, even around a cycle', () => {
    fc.assert(fc.property(fc.array(draft, { maxLength: 60 }), (drafts) => {
      const t = emptyTables();
      foldEvents(t, log(drafts));
      const rows = allRows(t);
      const byUuid = new Map(rows.map((r) => [r.uuid, r]));
      const expected = new Map<string, number>();
      for (const r of rows) {
        const seen = new Set<string>();
        for (let u: string | null = r.uuid; u !== null && !seen.has(u); u = byUuid.get(u)?.merged_into ?? null) {
          seen.add(u);
          expected.set(u, (expected.get(u) ?? 0) + r.members.length);
        }
      }
      for (const r of rows) {
        assert.equal(r.identity_count, expected.get(r.uuid) ?? 0, `count of ${r.uuid}`);
        assert.equal(r.status, r.merged_into !== null ? 'merged' : r.identity_count > 0 ? 'active' : 'empty');
      }
      const active = membershipOf(t);
      assert.deepEqual(active.map((m) => m.identity_uuid), [...t.identities.keys()].sort());
      // The canonical campaign is live, or (only around a cycle) a campaign its own chain returns to.
      const onCycle = (u: string): boolean => {
        const seen = new Set<string>();
        for (let v = byUuid.get(u)!.merged_into; v !== null && !seen.has(v); v = byUuid.get(v)?.merged_into ?? null) {
          if (v === u) return true;
          seen.add(v);
        }
        return false;
      };
      for (const m of active) assert.ok(byUuid.get(m.campaign_uuid)!.merged_into === null || onCycle(m.campaign_uuid));
    }), { numRuns: 500 });
  });
});
