/**
 * CPython-compatible `random.Random(seed)` (MT19937), the generator the reference fixture
 * factory draws everything from (REFERENCE §6.3). Only the operations the factory uses are
 * provided; each consumes exactly the words CPython 3.11 consumes, so a corpus generated here is
 * bit-identical to the reference one.
 *
 * The hot path (u32, getrandbits(k ≤ 32), randbelow(n ≤ 2³²)) stays on plain numbers; BigInt is
 * used only for getrandbits(k > 32) and for ranges wider than 32 bits.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const TWO_32 = 0x1_0000_0000;

export class PythonRandom {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;

  /** `random.Random(seed)` for an integer seed: init_by_array over the 32-bit words of |seed|. */
  constructor(seed: number | bigint) {
    this.initByArray(seedKey(seed));
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1];
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.mti = N;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1];
      mt[i] = ((mt[i] ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1];
      mt[i] = ((mt[i] ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
    }
    mt[0] = 0x80000000;
  }

  private twist(): void {
    const mt = this.mt;
    let kk = 0;
    for (; kk < N - M; kk++) {
      const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; kk < N - 1; kk++) {
      const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.mti = 0;
  }

  /** One tempered 32-bit output (CPython `genrand_uint32`). */
  u32(): number {
    if (this.mti >= N) this.twist();
    let y = this.mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `getrandbits(k)` for 0 ≤ k ≤ 32, as a number. k = 0 draws nothing (CPython returns 0). */
  bits32(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k > 32) throw new RangeError(`bits32: k must be an integer in [0, 32], got ${k}`);
    if (k === 0) return 0;
    return this.u32() >>> (32 - k);
  }

  /**
   * `getrandbits(k)` for any k ≥ 0. For k > 32 CPython draws ⌈k/32⌉ words, the first being the
   * least significant, and shifts the last (most significant) word right by 32 − (k mod 32).
   */
  getrandbits(k: number): bigint {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`getrandbits: k must be a non-negative integer, got ${k}`);
    if (k <= 32) return BigInt(this.bits32(k));
    let result = 0n;
    let shift = 0n;
    for (let left = k; left > 0; left -= 32) {
      let word = this.u32();
      if (left < 32) word >>>= 32 - left;
      result |= BigInt(word) << shift;
      shift += 32n;
    }
    return result;
  }

  /** `_randbelow(n)`: b = bit length of n, draw getrandbits(b) until it is < n (n = 1 still draws). */
  randbelow(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`randbelow: n must be a positive safe integer, got ${n}`);
    if (n < TWO_32) {
      const b = 32 - Math.clz32(n);
      let r = this.bits32(b);
      while (r >= n) r = this.bits32(b);
      return r;
    }
    const big = BigInt(n);
    const b = big.toString(2).length;
    let r = this.getrandbits(b);
    while (r >= big) r = this.getrandbits(b);
    return Number(r);
  }

  /** `randint(a, b)` = a + randbelow(b − a + 1), both ends inclusive. */
  randint(a: number, b: number): number {
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw new RangeError(`randint: bounds must be safe integers, got ${a}, ${b}`);
    if (b < a) throw new RangeError(`randint: empty range (${a}, ${b})`);
    return a + this.randbelow(b - a + 1);
  }

  /** `choice(seq)` = seq[randbelow(len)]; a one-element list still consumes draws. */
  choice<T>(seq: readonly T[]): T {
    if (seq.length === 0) throw new RangeError('choice: cannot choose from an empty sequence');
    return seq[this.randbelow(seq.length)];
  }

  /** `random()`: a double in [0, 1) from two words, a = w1 >> 5 and b = w2 >> 6, (a·2²⁶ + b) / 2⁵³. */
  random(): number {
    const a = this.u32() >>> 5;
    const b = this.u32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `randbytes(n)` = getrandbits(8n) serialised little-endian: each drawn word written LE, in draw order. */
  randbytes(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`randbytes: n must be a non-negative integer, got ${n}`);
    const out = new Uint8Array(n);
    let pos = 0;
    for (let left = n * 8; left > 0; left -= 32) {
      let word = this.u32();
      if (left < 32) word >>>= 32 - left;
      for (let byte = 0; byte < 4 && pos < n; byte++) out[pos++] = (word >>> (8 * byte)) & 0xff;
    }
    return out;
  }
}

/** The init_by_array key of an integer seed: 32-bit words of |seed|, least significant first; 0 → [0]. */
export function seedKey(seed: number | bigint): number[] {
  if (typeof seed === 'number' && !Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  let s = BigInt(seed);
  if (s < 0n) s = -s;
  if (s === 0n) return [0];
  const key: number[] = [];
  while (s > 0n) {
    key.push(Number(s & 0xffffffffn));
    s >>= 32n;
  }
  return key;
}
