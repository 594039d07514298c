/**
 * Strings in Unicode code point order: the order of their UTF-8 bytes, which is how SQLite
 * (BINARY) and PostgreSQL (COLLATE "C") sort text. JavaScript's `<` compares UTF-16 code
 * units instead, and the two disagree once a string holds a character above U+FFFF next to one
 * in U+E000–U+FFFF. Identity ids are arbitrary text, so every list of them that a store index
 * and an in-memory index must both produce in the same order is sorted with this.
 */

/** Negative, zero or positive, like a comparator; equal to `<` on strings without surrogates. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/**
 * A code unit's place in code point order: surrogates (which encode U+10000 and above) after
 * every other unit. Between two well-formed strings, the first differing units decide.
 */
const rank = (u: number): number => (u >= 0xd800 && u <= 0xdfff ? u + 0x2000 : u >= 0xe000 ? u - 0x800 : u);

/** A sorted copy. */
export const sortedByCodePoint = (values: Iterable<string>): string[] => [...values].sort(compareCodePoints);
