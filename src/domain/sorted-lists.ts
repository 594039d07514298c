/**
 * Sorted, duplicate-free lists (features and campaign profiles keep every set in this form:
 * canonical, so equal sets are equal arrays and deltas are one merge walk).
 */

/**
 * Sorted union of two sorted duplicate-free lists. Returns `a` itself when b ⊆ a and `b` when
 * a ⊆ b (lists are never mutated once built, so sharing them is safe and saves the copy).
 */
export function unionSorted<T extends string | number>(a: readonly T[], b: readonly T[]): readonly T[] {
  if (b.length === 0 || a === b) return a;
  if (a.length === 0) return b;
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] < b[j]) out.push(a[i++]);
    else if (a[i] > b[j]) out.push(b[j++]);
    else { out.push(a[i++]); j++; }
  }
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  if (out.length === a.length) return a;
  if (out.length === b.length) return b;
  return out;
}
