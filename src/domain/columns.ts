/**
 * Growable typed columns: the engine keeps per-identity, per-edge and per-campaign scalars in
 * typed arrays indexed by dense integer ids, which costs a few bytes per entry instead of an
 * object each, and gives the garbage collector nothing to trace.
 */

/** Next capacity: doubling while small, then 1.5× (a million-row column should not carry half a million spare rows). */
export function nextCapacity(current: number, need: number): number {
  const grown = current < 1 << 20 ? current * 2 : current + (current >> 1);
  return Math.max(need, grown, 16);
}

export function growI32(a: Int32Array, need: number, fill = 0): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a as never;
  const b = new Int32Array(nextCapacity(a.length, need));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export function growF64(a: Float64Array, need: number, fill = 0): Float64Array<ArrayBuffer> {
  if (need <= a.length) return a as never;
  const b = new Float64Array(nextCapacity(a.length, need));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export function growU8(a: Uint8Array, need: number): Uint8Array<ArrayBuffer> {
  if (need <= a.length) return a as never;
  const b = new Uint8Array(nextCapacity(a.length, need));
  b.set(a);
  return b;
}

/** Removes one occurrence of `v` from an unordered list (swap with the last element). */
export function removeUnordered(list: number[], v: number): boolean {
  const i = list.indexOf(v);
  if (i < 0) return false;
  const last = list.pop()!;
  if (i < list.length) list[i] = last;
  return true;
}

/**
 * Sorts in place. Small arrays (the usual evidence list, a handful of campaigns) by insertion,
 * which allocates nothing; larger ones by Array.prototype.sort. For a comparator that is a
 * total order on the elements (every one here is) the result is the same either way.
 */
export function sortInPlace<T>(a: T[], cmp: (x: T, y: T) => number): T[] {
  const n = a.length;
  if (n > 24) return a.sort(cmp);
  for (let i = 1; i < n; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && cmp(a[j], v) > 0) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
  return a;
}
