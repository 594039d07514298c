/**
 * Structure-blind mutations of valid inputs (byte flips, splices, truncation) plus the one
 * structure-aware mutation that matters for length-prefixed formats: overwrite bytes with a
 * zig-zag varint chosen among counts and lengths that are huge, negative or just past the end.
 */
import fc from 'fast-check';
import { varint } from '../runtime/support/avro-files.ts';

const INTERESTING: readonly bigint[] = [
  0n, 1n, -1n, 2n, 127n, 128n, 1_000_000n, 2n ** 31n - 1n, 2n ** 31n, 4_294_967_294n, 2n ** 53n, -(2n ** 31n), 2n ** 62n,
];

export type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly byte: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'varint'; readonly at: number; readonly value: bigint; readonly replace: number }
  | { readonly op: 'repeat'; readonly at: number; readonly length: number; readonly times: number };

const at = fc.nat({ max: 1 << 20 });

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at, byte: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xc0, 0xed, 0xef, 0xf0, 0xf8, 0xff, 0x0a, 0x22, 0x5c) }),
  fc.record({ op: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('truncate' as const), at }),
  fc.record({ op: fc.constant('varint' as const), at, value: fc.constantFrom(...INTERESTING), replace: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ op: fc.constant('repeat' as const), at, length: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 2, max: 40 }) }),
);

export function mutate(input: Uint8Array, m: Mutation): Uint8Array {
  const b = Buffer.from(input);
  if (b.length === 0) return m.op === 'insert' ? Buffer.from(m.bytes) : b;
  const i = m.at % b.length;
  switch (m.op) {
    case 'flip':
      b[i] ^= 1 << m.bit;
      return b;
    case 'set':
      b[i] = m.byte;
      return b;
    case 'insert':
      return Buffer.concat([b.subarray(0, i), m.bytes, b.subarray(i)]);
    case 'delete':
      return Buffer.concat([b.subarray(0, i), b.subarray(i + m.length)]);
    case 'truncate':
      return b.subarray(0, i);
    case 'varint':
      return Buffer.concat([b.subarray(0, i), varint(m.value), b.subarray(i + m.replace)]);
    case 'repeat': {
      const slice = b.subarray(i, i + m.length);
      return Buffer.concat([b.subarray(0, i), ...Array.from({ length: m.times }, () => slice), b.subarray(i + m.length)]);
    }
  }
}

/** A valid seed with up to `maxMutations` mutations, or (one case in five) random bytes. */
export function mutated(seeds: readonly Uint8Array[], maxMutations = 4, maxRandom = 512): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: maxMutations })).map(([s, ms]) => ms.reduce(mutate, s)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: maxRandom }) },
  );
}
