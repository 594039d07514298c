import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { stickyAssign } from '../../src/adapters/kafka/sticky-assigner.ts';

const P12 = Array.from({ length: 12 }, (_, i) => i);
const sizes = (m: Map<string, number[]>): number[] => [...m.values()].map((l) => l.length).sort();
const moved = (before: Map<string, number[]>, after: Map<string, number[]>): number => {
  let n = 0;
  for (const [id, ps] of after) for (const p of ps) if (!(before.get(id) ?? []).includes(p)) n++;
  return n;
};
const holding = (m: Map<string, number[]>) => [...m].map(([memberId, holds]) => ({ memberId, holds }));

test('a fresh group gets every partition once, balanced', () => {
  const a = stickyAssign(['m1', 'm2', 'm3'].map((memberId) => ({ memberId, holds: [] })), P12);
  assert.deepEqual(sizes(a), [4, 4, 4]);
  assert.deepEqual([...a.values()].flat().sort((x, y) => x - y), P12);
});

test('a member joining takes only its share: the others keep the rest of theirs', () => {
  const three = stickyAssign(['m1', 'm2', 'm3'].map((memberId) => ({ memberId, holds: [] })), P12);
  const four = stickyAssign([...holding(three), { memberId: 'm0', holds: [] }], P12);
  assert.deepEqual(sizes(four), [3, 3, 3, 3]);
  assert.equal(moved(three, four), 3, 'exactly the 3 partitions the new member gets move');
  for (const id of ['m1', 'm2', 'm3']) assert.ok(four.get(id)!.every((p) => three.get(id)!.includes(p)), `${id} keeps a subset of its own`);
});

test('a member leaving hands only its partitions to the survivors', () => {
  const three = stickyAssign(['m1', 'm2', 'm3'].map((memberId) => ({ memberId, holds: [] })), P12);
  const two = stickyAssign(holding(three).filter((h) => h.memberId !== 'm2'), P12);
  assert.deepEqual(sizes(two), [6, 6]);
  assert.equal(moved(three, two), 4, "only the departed member's 4 partitions move");
});

test('for any holdings (even conflicting ones): every partition once, sizes within one, the same answer in any member order', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 7 }),
    fc.integer({ min: 0, max: 30 }),
    fc.array(fc.array(fc.integer({ min: 0, max: 35 }), { maxLength: 10 }), { minLength: 7, maxLength: 7 }),
    (m, p, holds) => {
      const partitions = Array.from({ length: p }, (_, i) => i);
      const members = Array.from({ length: m }, (_, i) => ({ memberId: `m${i}`, holds: holds[i] }));
      const a = stickyAssign(members, partitions);
      assert.deepEqual([...a.values()].flat().sort((x, y) => x - y), partitions);
      const s = sizes(a);
      assert.ok(s[s.length - 1] - s[0] <= 1);
      assert.deepEqual(stickyAssign([...members].reverse(), partitions), a);
    },
  ));
});
