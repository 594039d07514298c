/**
 * What `campaigns diff` prints (src/cli/diff-report.ts): the JSON object's lists and domain tags,
 * and a readable summary that stays short however large the changes are.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffJson, diffReadable, LARGEST, type DomainDiff } from '../../src/cli/diff-report.ts';
import type { StoreDiff } from '../../src/pipeline/profile-diff.ts';

const empty: StoreDiff = { identities: 3, campaigns_before: 2, campaigns_after: 2, merges: [], splits: [], moves: [] };
const at = (domain: string | null, diff: Partial<StoreDiff>): DomainDiff =>
  ({ domain, store_profile: 'default@1', profile: 'default@2', batches: 2, diff: { ...empty, ...diff } });

const move = (k: number, to = 'b') => ({ identity_uuid: `i${String(k).padStart(3, '0')}`, from: 'a', to });

describe('campaigns diff output', () => {
  it('JSON: the three lists first, entries outside the default domain tagged with it, one summary per domain', () => {
    const out = JSON.parse(diffJson([at(null, { moves: [move(1)] }), at('fleet-b', { moves: [move(2)] })]));
    assert.deepEqual(Object.keys(out), ['merges', 'splits', 'moves', 'domains']);
    assert.deepEqual(out.moves, [move(1), { ...move(2), domain: 'fleet-b' }]);
    assert.deepEqual(out.domains.map((d: { domain: string; moves: number }) => [d.domain, d.moves]), [['default', 1], ['fleet-b', 1]]);
  });

  it('readable: nothing to change says so; no domain line for a store of the default domain only', () => {
    const text = diffReadable([at(null, {})], './store');
    assert.match(text, /^store {7}\.\/store \(default@1\): 2 batches re-clustered under default@2\n/);
    assert.match(text, /no change {3}no campaign would merge, split or move/);
    assert.doesNotMatch(text, /domain/);
  });

  it('readable: the largest changes only, a huge merge on one short line, moves counted per pair of campaigns', () => {
    const campaigns = Array.from({ length: 500 }, (_, k) => `c${String(k).padStart(3, '0')}`);
    const merges = Array.from({ length: LARGEST + 5 }, (_, k) => ({ campaigns: k === 3 ? campaigns : ['x', 'y'], into: `m${k}`, identities: k === 3 ? 900 : 2, evidence: [] }));
    const moves = [...Array.from({ length: 7 }, (_, k) => move(k, 'b')), move(50, 'c')];
    const text = diffReadable([at('fleet-b', { merges, moves })], './store');
    assert.match(text, /^domain {6}fleet-b\n/);
    assert.match(text, /merges {6}15: 528 campaigns would come together into 15\n/);
    assert.match(text, /\n {5}900 {2}c000 \+ c001 \+ c002 \+ c003 \+ 496 more {2}no recorded edge\n/, 'the largest first, and cut short');
    assert.match(text, /… and 5 more \(--json lists every one\)/);
    assert.match(text, /\n {7}7 {2}a → b\n {7}1 {2}a → c\n/);
    assert.ok(text.split('\n').every((l) => l.length < 200));
  });
});
