/** The lazy heaps behind large components: whatever the order of pushes, pops and resets, the top is the minimum. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NodeHeap } from '../../src/domain/node-heap.ts';
import { WeightHeap } from '../../src/domain/weight-heap.ts';

type Op = { kind: 'push'; x: number } | { kind: 'pop' } | { kind: 'reset' };
const ops = fc.array(fc.oneof(
  fc.record({ kind: fc.constant('push' as const), x: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ kind: fc.constant('pop' as const) }),
  fc.record({ kind: fc.constant('reset' as const) }),
), { maxLength: 200 });

describe('heaps', () => {
  it('NodeHeap: the top is always the smallest held node under the order, through pushes, pops and resets', () => {
    fc.assert(fc.property(ops, (script) => {
      // A reversed order proves the caller's order is used, not the numbers' own.
      const h = new NodeHeap((a, b) => a > b);
      let held: number[] = [];
      for (const op of script) {
        if (op.kind === 'push') {
          h.push(op.x);
          held.push(op.x);
        } else if (op.kind === 'pop' && held.length > 0) {
          held.splice(held.indexOf(Math.max(...held)), 1);
          h.pop();
        } else if (op.kind === 'reset') {
          held = held.filter((x) => x % 2 === 0);
          h.reset(held);
        }
        assert.equal(h.size, held.length);
        if (held.length > 0) assert.equal(h.top, Math.max(...held));
      }
    }));
  });

  it('WeightHeap: the top weight is the smallest held, and its edge is one pushed with it', () => {
    fc.assert(fc.property(ops, (script) => {
      const h = new WeightHeap();
      const held: Array<[number, number]> = [];
      script.forEach((op, k) => {
        if (op.kind === 'push') {
          h.push(op.x, k);
          held.push([op.x, k]);
        } else if (op.kind === 'pop' && held.length > 0) {
          const top: [number, number] = [h.topWeight, h.topEdge];
          held.splice(held.findIndex(([w, e]) => w === top[0] && e === top[1]), 1);
          h.pop();
        }
        assert.equal(h.size, held.length);
        if (held.length > 0) {
          assert.equal(h.topWeight, Math.min(...held.map(([w]) => w)));
          assert.ok(held.some(([w, e]) => w === h.topWeight && e === h.topEdge));
        }
      });
    }));
  });
});
