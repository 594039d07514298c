/**
 * Comparing two partitions (src/domain/partition-diff.ts, merge-evidence.ts): the three kinds of
 * change on hand-made cases, and, on random partitions, that the report is complete (applying
 * it, as docs/ANALYSTS.md says, to the first gives the second), empty exactly when nothing
 * changed, and independent of the order it was given.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CampaignEvent, EdgeEvidence } from '../../src/domain/campaign-events.ts';
import type { Membership } from '../../src/domain/engine-api.ts';
import { MergeEvidence, type ProfileDiff } from '../../src/domain/merge-evidence.ts';
import { comparePartitions } from '../../src/domain/partition-diff.ts';
import { applyDiff, groups } from '../support/diff-apply.ts';

/** `{A: 'i1 i2', B: 'i3'}` → memberships */
const partition = (spec: Record<string, string>): Membership[] =>
  Object.entries(spec).flatMap(([c, ids]) => ids.split(' ').map((i) => ({ identity_uuid: i, campaign_uuid: c })));

const diff = (before: Membership[], after: Membership[], events: CampaignEvent[] = []): ProfileDiff => {
  const evidence = new MergeEvidence(comparePartitions(before, after));
  evidence.add(events);
  return evidence.report();
};

const pairs = (ms: Membership[]): [string, string][] => ms.map((m) => [m.identity_uuid, m.campaign_uuid]);
const apply = (before: Membership[], d: ProfileDiff): Map<string, string> => applyDiff(new Map(pairs(before)), d);

const edge = (a: string, b: string, weight: number): EdgeEvidence =>
  ({ a, b, weight, handoff: 0, shared_infra: weight, temporal: 0, cohort: 0, keystroke: 0 });
const event = (sequence: number, evidence: EdgeEvidence[]): CampaignEvent => ({
  event_id: `e${sequence}`, sequence, type: 'campaign.merged', time: '2026-01-01T00:00:00Z',
  batch: { from: 'f:0', to: 'f:1' }, payload: { winner_uuid: 'w', loser_uuid: 'l' }, evidence,
});

describe('comparing two partitions: merges, splits, moves', () => {
  it('the same partition under other campaign ids is no change at all', () => {
    const d = diff(partition({ A: 'i1 i2', B: 'i3' }), partition({ X: 'i1 i2', Y: 'i3' }));
    assert.deepEqual(d, { merges: [], splits: [], moves: [] });
  });

  it('two campaigns in one: a merge of both, with the edge that joins them as evidence', () => {
    const d = diff(partition({ A: 'i1 i2', B: 'i3' }), partition({ X: 'i1 i2 i3' }), [
      event(4, [edge('i1', 'i2', 1.5)]), // inside A: not why A and B merge
      event(7, [edge('i2', 'i3', 1.2)]),
    ]);
    assert.deepEqual(d.merges, [{ campaigns: ['A', 'B'], into: 'X', identities: 3, evidence: [{ sequence: 7, ...edge('i2', 'i3', 1.2) }] }]);
    assert.deepEqual([d.splits, d.moves], [[], []]);
  });

  it('one campaign in two: a split whose larger part continues it', () => {
    const d = diff(partition({ A: 'i1 i2 i3' }), partition({ X: 'i2 i3', Y: 'i1' }));
    assert.deepEqual(d.splits, [{
      campaign: 'A', identities: 3,
      parts: [
        { into: 'X', identities: 2, continues: true, identity_uuids: ['i2', 'i3'] },
        { into: 'Y', identities: 1, continues: false, identity_uuids: ['i1'] },
      ],
    }]);
    assert.deepEqual([d.merges, d.moves], [[], []]);
  });

  it('an even split: the part in the smaller campaign, then in the smaller uuid, continues it', () => {
    const d = diff(partition({ A: 'i1 i2' }), partition({ Y: 'i1', X: 'i2' }));
    assert.deepEqual(d.splits[0].parts.map((p) => [p.into, p.continues]), [['X', true], ['Y', false]]);
    // X also takes all of B: A goes on as Y (only A's), B as X, and i1 moves from A to B.
    const sized = diff(partition({ A: 'i1 i2', B: 'i3' }), partition({ X: 'i1 i3', Y: 'i2' }));
    assert.deepEqual(sized, { merges: [], splits: [], moves: [{ identity_uuid: 'i1', from: 'A', to: 'B' }] });
  });

  it('an identity that changes sides between two campaigns that stay: a move, from and to in the first partition\'s ids', () => {
    const d = diff(partition({ A: 'i1 i2 i3', B: 'i4 i5' }), partition({ X: 'i1 i2', Y: 'i3 i4 i5' }));
    assert.deepEqual(d, { merges: [], splits: [], moves: [{ identity_uuid: 'i3', from: 'A', to: 'B' }] });
  });

  it('parts of two campaigns that come together in a campaign matched with neither: two splits and a merge, with the strongest joining edge', () => {
    // Y holds 2 of A (whose match is X) and 1 of B (whose match is Z): Y has no match.
    const d = diff(partition({ A: 'i1 i2 i3 i4 i5', B: 'i6 i7' }), partition({ X: 'i1 i2 i3', Y: 'i4 i5 i6', Z: 'i7' }), [
      event(3, [edge('i4', 'i6', 1.1), edge('i5', 'i6', 1.3), edge('i4', 'i5', 2)]),
    ]);
    assert.deepEqual(d.splits.map((s) => [s.campaign, s.parts.map((p) => [p.into, p.identities, p.continues])]), [
      ['A', [['X', 3, true], ['Y', 2, false]]],
      ['B', [['Z', 1, true], ['Y', 1, false]]],
    ]);
    assert.deepEqual(d.merges.map((m) => [m.campaigns, m.into, m.identities, m.evidence.map((e) => `${e.a}-${e.b}`)]), [[['A', 'B'], 'Y', 3, ['i5-i6']]]);
    assert.deepEqual(d.moves, []);
  });

  it('ties go to the smaller campaign: a piece of a big campaign that joins a small one moves there', () => {
    // Y holds 2 of A (5) and 2 of B (2): B's, the smaller; so i4 and i5 move from A to B.
    const d = diff(partition({ A: 'i1 i2 i3 i4 i5', B: 'i6 i7' }), partition({ X: 'i1 i2 i3', Y: 'i4 i5 i6 i7' }));
    assert.deepEqual(d, {
      merges: [], splits: [],
      moves: [{ identity_uuid: 'i4', from: 'A', to: 'B' }, { identity_uuid: 'i5', from: 'A', to: 'B' }],
    });
  });

  it('a chunk of a campaign that joins another matched campaign: each of its identities is a move', () => {
    const d = diff(partition({ A: 'i1 i2 i3 i4 i5', B: 'i6 i7 i8' }), partition({ X: 'i1 i2 i3', Y: 'i4 i5 i6 i7 i8' }));
    assert.deepEqual(d, {
      merges: [], splits: [],
      moves: [{ identity_uuid: 'i4', from: 'A', to: 'B' }, { identity_uuid: 'i5', from: 'A', to: 'B' }],
    });
  });

  it('evidence: the latest record of a pair, strongest first, through a moved-in identity only where that is how they join', () => {
    // A (i1 i2 i3) and C (i7 i8) merge into X; i5 moves in from B (B stays as Y).
    const before = partition({ A: 'i1 i2 i3', B: 'i4 i5 i6 i9', C: 'i7 i8' });
    const after = partition({ X: 'i1 i2 i3 i5 i7 i8', Y: 'i4 i6 i9' });
    const d = diff(before, after, [
      event(2, [edge('i1', 'i5', 1.0), edge('i5', 'i7', 1.0)]), // A – i5 – C: the only join
      event(3, [edge('i2', 'i5', 1.4)]), // a second edge to i5: a stronger way to reach it
      event(5, [edge('i1', 'i5', 0.2)]), // re-recorded weaker: the latest record counts
    ]);
    assert.deepEqual(d.moves, [{ identity_uuid: 'i5', from: 'B', to: 'A' }]);
    assert.deepEqual(d.merges.map((m) => [m.campaigns, m.evidence.map((e) => [e.sequence, e.a, e.b, e.weight])]), [
      [['A', 'C'], [[3, 'i2', 'i5', 1.4], [2, 'i5', 'i7', 1.0]]],
    ]);
    // With a direct edge, the moved identity's edges are its move, not the merge's evidence.
    const direct = diff(before, after, [event(2, [edge('i1', 'i5', 1.0), edge('i3', 'i8', 1.0)])]);
    assert.deepEqual(direct.merges[0].evidence.map((e) => `${e.a}-${e.b}`), ['i3-i8']);
  });

  it('refuses partitions of different identities', () => {
    assert.throws(() => comparePartitions(partition({ A: 'i1 i2' }), partition({ A: 'i1' })), /different identities/);
  });
});

describe('comparing two partitions: properties', () => {
  // Up to 24 identities in up to 6 campaigns each side: small alphabets make every overlap,
  // tie and mix of changes common.
  const partitions = fc.integer({ min: 1, max: 24 }).chain((n) => fc.tuple(
    fc.array(fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F'), { minLength: n, maxLength: n }),
    fc.array(fc.constantFrom('P', 'Q', 'R', 'S', 'A', 'B'), { minLength: n, maxLength: n }),
  )).map(([xs, ys]) => [
    xs.map((c, k) => ({ identity_uuid: `i${String(k).padStart(2, '0')}`, campaign_uuid: c })),
    ys.map((c, k) => ({ identity_uuid: `i${String(k).padStart(2, '0')}`, campaign_uuid: c })),
  ] as const);

  it('applying the report to the first partition gives the second exactly', () => {
    fc.assert(fc.property(partitions, ([before, after]) => {
      assert.deepEqual(groups(apply(before, diff(before, after))), groups(pairs(after)));
    }), { numRuns: 2000 });
  });

  it('the report is empty exactly when the partitions are equal (campaign ids aside)', () => {
    fc.assert(fc.property(partitions, ([before, after]) => {
      const d = diff(before, after);
      const empty = d.merges.length + d.splits.length + d.moves.length === 0;
      assert.equal(empty, JSON.stringify(groups(pairs(before))) === JSON.stringify(groups(pairs(after))));
    }), { numRuns: 2000 });
  });

  it('every identity is in at most one move or split part, and the report does not depend on input order', () => {
    fc.assert(fc.property(partitions, fc.integer(), ([before, after], seed) => {
      const d = diff(before, after);
      const seen = [...d.moves.map((m) => m.identity_uuid), ...d.splits.flatMap((s) => s.parts.flatMap((p) => p.identity_uuids))];
      assert.equal(new Set(seen).size, seen.length);
      const shuffle = <T>(xs: readonly T[]): T[] => xs.map((x, k) => [((k + 1) * 2654435761 + seed) % 1000003, x] as const)
        .sort((p, q) => p[0] - q[0]).map(([, x]) => x);
      assert.deepEqual(diff(shuffle(before), shuffle(after)), d);
    }), { numRuns: 1000 });
  });
});
