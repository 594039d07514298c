/**
 * Vectors obtained once from CPython 3.11.7 (`import random; r = random.Random(seed); …`) and
 * hardcoded here, so this test needs no Python.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PythonRandom, seedKey } from '../../src/sim/mt19937.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const u32s = (r: PythonRandom, n: number): number[] => Array.from({ length: n }, () => r.u32());

test('seed key: 32-bit words of |seed|, least significant first; 0 gives [0]', () => {
  assert.deepEqual(seedKey(0), [0]);
  assert.deepEqual(seedKey(42), [42]);
  assert.deepEqual(seedKey(-42), [42]);
  assert.deepEqual(seedKey(2 ** 40 + 5), [5, 256]);
  assert.deepEqual(seedKey(2n ** 64n + 12345n), [12345, 0, 1]);
});

test('tempered u32 stream matches CPython for several seeds', () => {
  // r.getrandbits(32) repeated
  assert.deepEqual(u32s(new PythonRandom(0), 5), [3626764237, 1654615998, 3255389356, 3823568514, 1806341205]);
  assert.deepEqual(u32s(new PythonRandom(1), 3), [577090037, 2444712010, 3639700191]);
  assert.deepEqual(u32s(new PythonRandom(42), 3), [2746317213, 478163327, 107420369]);
  assert.deepEqual(u32s(new PythonRandom(-42), 3), [2746317213, 478163327, 107420369]);
  assert.deepEqual(u32s(new PythonRandom(2 ** 40 + 5), 3), [2166296868, 2220160828, 1153647273]);
  assert.deepEqual(u32s(new PythonRandom(2n ** 64n + 12345n), 3), [2632172, 2355889752, 3906953032]);
});

test('u32 across a twist boundary (words 999..1001 of seed 0)', () => {
  const r = new PythonRandom(0);
  const all = u32s(r, 1001);
  assert.deepEqual(all.slice(-3), [1542981238, 2971151651, 126175447]);
});

test('getrandbits: k ≤ 32 shifts one word; k > 32 takes ⌈k/32⌉ words, first least significant', () => {
  // r = Random(0); r.getrandbits(1), (7), (31), (33), (64), (100), (128)
  const r = new PythonRandom(0);
  assert.equal(r.getrandbits(1), 1n);
  assert.equal(r.getrandbits(7), 49n);
  assert.equal(r.getrandbits(31), 1627694678n);
  assert.equal(r.getrandbits(33), 3823568514n);
  assert.equal(r.getrandbits(64), 4776171008201404212n);
  assert.equal(r.getrandbits(100), 513868133461680832233190503674n);
  assert.equal(r.getrandbits(128), 103211970672516395485990671458243798963n);
  assert.equal(new PythonRandom(0).getrandbits(0), 0n);
});

test('randint / randbelow, including a one-value range and ranges wider than 32 bits', () => {
  // r = Random(0); r.randint(1,223), (0,255), (-60,60), (0,3600), (5,5), (0,2**40), (0,2**32-1), (0,2**32)
  const r = new PythonRandom(0);
  assert.equal(r.randint(1, 223), 217);
  assert.equal(r.randint(0, 255), 197);
  assert.equal(r.randint(-60, 60), 37);
  assert.equal(r.randint(0, 3600), 1722);
  assert.equal(r.randint(5, 5), 5);
  assert.equal(r.randint(0, 2 ** 40), 1067347797602);
  assert.equal(r.randint(0, 2 ** 32 - 1), 2046968324);
  assert.equal(r.randint(0, 2 ** 32), 3900315155);
});

test('randbelow(1) still consumes a draw', () => {
  // r = Random(0); r.randint(1,1); r.getrandbits(32) → the third word of the stream
  const r = new PythonRandom(0);
  assert.equal(r.randint(1, 1), 1);
  assert.equal(r.u32(), 3255389356);
});

test('choice, including a one-element list', () => {
  // r = Random(0); r.choice(['a','b','c']), r.choice(['only']), r.choice(list(range(20)))
  const r = new PythonRandom(0);
  assert.equal(r.choice(['a', 'b', 'c']), 'b');
  assert.equal(r.choice(['only']), 'only');
  assert.equal(r.choice(Array.from({ length: 20 }, (_, i) => i)), 1);
  assert.throws(() => r.choice([]), RangeError);
});

test('randbytes: little-endian words in draw order', () => {
  // r = Random(0); r.randbytes(16).hex(), r.randbytes(16).hex(), r.randbytes(5).hex()
  const r = new PythonRandom(0);
  assert.equal(hex(r.randbytes(16)), 'cd072cd8be6f9f62ac4c09c28206e7e3');
  assert.equal(hex(r.randbytes(16)), '5594aa6b342f5d0a3a5e4842fab428f7');
  assert.equal(hex(r.randbytes(5)), '62e6e2827c');
  assert.equal(hex(new PythonRandom(7).randbytes(16)), '38b4e652e44da7f2370d9e260e271365');
});
