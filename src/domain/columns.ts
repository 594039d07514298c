/**
 * Growable typed columns: the engine keeps per-identity, per-edge and per-campaign scalars in
 * typed arrays indexed by dense integer ids, which costs a few bytes per entry instead of an
 * object each, and gives the garbage collector nothing to trace.
 */

export function growI32(a: Int32Array, need: number, fill = 0): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a as never;
  const b = new Int32Array(Math.max(need, a.length * 2, 16));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export function growF64(a: Float64Array, need: number, fill = 0): Float64Array<ArrayBuffer> {
  if (need <= a.length) return a as never;
  const b = new Float64Array(Math.max(need, a.length * 2, 16));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export function growU8(a: Uint8Array, need: number): Uint8Array<ArrayBuffer> {
  if (need <= a.length) return a as never;
  const b = new Uint8Array(Math.max(need, a.length * 2, 16));
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
