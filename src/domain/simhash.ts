/** 64-bit SimHash helpers (REFERENCE §1.6). Values are unsigned bigints below 2^64. */

const MASK64 = (1n << 64n) - 1n;

export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Upper and lower 32-bit halves, as unsigned numbers: the hot path never touches bigint. */
export function halves(v: bigint): readonly [hi: number, lo: number] {
  return [Number((v >> 32n) & 0xffffffffn), Number(v & 0xffffffffn)];
}

export function hammingHalves(aHi: number, aLo: number, bHi: number, bLo: number): number {
  return popcount32((aHi ^ bHi) >>> 0) + popcount32((aLo ^ bLo) >>> 0);
}

export function hamming(a: bigint, b: bigint): number {
  const [ah, al] = halves(a & MASK64);
  const [bh, bl] = halves(b & MASK64);
  return hammingHalves(ah, al, bh, bl);
}

export function parseHex64(hex: string): bigint {
  return BigInt('0x' + hex) & MASK64;
}

export function toHex64(v: bigint): string {
  return (v & MASK64).toString(16).padStart(16, '0');
}

/** Adds one 64-bit hash to per-bit counts (index 0 = least significant bit). */
export function addBitCounts(counts: number[], v: bigint): void {
  const [hi, lo] = halves(v);
  for (let i = 0; i < 32; i++) {
    if ((lo >>> i) & 1) counts[i]++;
    if ((hi >>> i) & 1) counts[32 + i]++;
  }
}

/** Bitwise strict majority: bit i is set iff more than half of the n hashes have it; ties give 0. */
export function majorityFromCounts(counts: readonly number[], n: number): bigint | null {
  if (n === 0) return null;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 32; i++) {
    if (counts[i] * 2 > n) lo |= 1 << i;
    if (counts[32 + i] * 2 > n) hi |= 1 << i;
  }
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
