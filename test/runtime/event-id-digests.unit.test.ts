/** The in-memory digest table behind the SQLite log's duplicate check (a filter: hits are confirmed by the caller). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DigestTable, digestBlob, idDigest } from '../../src/adapters/sqlite/event-id-digests.ts';

describe('event id digests', () => {
  it('finds every added id at its sequence, through growth, and nothing for ids never added', () => {
    const t = new DigestTable(4);
    const ids = Array.from({ length: 5_000 }, (_, i) => `id-${i}`);
    t.addBlob(digestBlob(ids), 101);
    assert.equal(t.size, ids.length);
    ids.forEach((id, i) => assert.ok(t.lookup(...idDigest(id)).includes(101 + i), id));
    const misses = Array.from({ length: 5_000 }, (_, i) => `other-${i}`).filter((id) => t.lookup(...idDigest(id)).length > 0);
    assert.deepEqual(misses, []);
  });

  it('keeps every sequence of a digest shared by two ids (the caller tells them apart)', () => {
    const t = new DigestTable();
    t.add(7, 9, 1);
    t.add(7, 9, 5);
    t.add(7, 10, 6);
    assert.deepEqual(t.lookup(7, 9).sort(), [1, 5]);
    assert.deepEqual(t.lookup(7, 10), [6]);
    assert.deepEqual(t.lookup(8, 9), []);
  });

  it('a blob is 8 bytes per id, the two digest words in order', () => {
    const blob = digestBlob(['a', 'b']);
    assert.equal(blob.length, 16);
    assert.deepEqual([blob.readUInt32LE(8), blob.readUInt32LE(12)], idDigest('b'));
  });
});
