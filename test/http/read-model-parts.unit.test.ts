/**
 * The small parts the read models stand on: code point order, order-independent family totals,
 * batch-aligned pages of the follower, and merge-pointer resolution with a bounded cache.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { batchEnd } from '../../src/adapters/http/log-follower.ts';
import { CanonicalResolver } from '../../src/adapters/canonical-resolver.ts';
import type { CampaignEvent, EdgeEvidence } from '../../src/domain/campaign-events.ts';
import { compareCodePoints } from '../../src/domain/code-point-order.ts';
import { familySummary } from '../../src/domain/evidence-summary.ts';
import { canonicalOf, emptyTables, foldEvents } from '../../src/domain/tables.ts';

describe('code point order', () => {
  it('orders strings as their UTF-8 bytes do, also where UTF-16 units disagree', () => {
    // U+1D518 (a surrogate pair in UTF-16) is above U+E000 in code points, below it in units.
    assert.ok('\u{1D518}' < '\uE000', 'UTF-16 units put the astral character first');
    assert.ok(compareCodePoints('\u{1D518}', '\uE000') > 0);
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
      const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
      return Math.sign(compareCodePoints(a, b)) === bytes;
    }), { numRuns: 2000 });
  });
});

describe('family totals', () => {
  const edge = (k: number, s: number): EdgeEvidence =>
    ({ a: `a${k}`, b: `b${k}`, weight: 1 + s, handoff: s, shared_infra: 1 - s, temporal: s / 3, cohort: 0.1 * k % 1, keystroke: s / 7 });
  it('are the same bits whatever order the edges come in', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }), (scores) => {
      const edges = scores.map((s, k) => edge(k, s));
      const reversed = JSON.stringify(familySummary([...edges].reverse()));
      return JSON.stringify(familySummary(edges)) === reversed;
    }));
  });
});

describe('follower pages', () => {
  const ev = (sequence: number, batch: number) => ({ sequence, batch: { from: `f:${batch}`, to: `f:${batch + 1}` } }) as CampaignEvent;
  it('end where a batch ends, or at the head, which always ends one', () => {
    const events = [ev(1, 1), ev(2, 1), ev(3, 2), ev(4, 2), ev(5, 3)];
    assert.equal(batchEnd(events, 9), 4, 'the last batch may go on past the page');
    assert.equal(batchEnd(events, 5), 5, 'the head ends a batch');
    assert.equal(batchEnd(events.slice(0, 2), 9), 0, 'a page inside one batch ends nowhere');
  });
});

describe('canonical resolver', () => {
  it('resolves like canonicalOf, through chains and a cycle, with a cache smaller than the tables', async () => {
    const t = emptyTables();
    const merged = (w: string, l: string, seq: number) => ({
      event_id: `e${seq}`, sequence: seq, type: 'campaign.merged', time: 't', batch: { from: 'a', to: 'b' },
      payload: { winner_uuid: w, loser_uuid: l }, evidence: [],
    }) as CampaignEvent;
    foldEvents(t, [merged('a', 'b', 1), merged('b', 'c', 2), merged('c', 'd', 3), merged('x', 'y', 4), merged('y', 'x', 5), merged('y', 'z', 6)]);
    let reads = 0;
    const resolver = new CanonicalResolver(async (uuids) => {
      reads++;
      return new Map(uuids.filter((u) => t.rows.has(u)).map((u) => [u, t.rows.get(u)!.merged_into]));
    }, 3);
    assert.equal((await resolver.resolve(['d'])).get('d'), 'a', 'a chain longer than the cache');
    assert.equal(reads, 4, 'read a hop at a time: d, c, b, a');
    const all = [...t.rows.keys()];
    const got = await resolver.resolve([...all, 'nowhere']);
    for (const c of all) assert.equal(got.get(c), canonicalOf(t, c), c);
    assert.equal(got.get('nowhere'), 'nowhere', 'a campaign without a row is its own');
  });
});
