/**
 * The live campaign of each campaign (domain/tables.ts `canonicalOf`: follow `merged_into`; on
 * a cycle, the smallest uuid of the cycle), read from a store a page at a time instead of from
 * tables held whole in memory: the streaming `membership` of a store with millions of rows.
 *
 * What it has resolved is kept in a bounded cache (a page of identities mostly names campaigns
 * the pages before it did), so memory stays flat however many campaigns the store holds.
 */

import { BoundedCache } from './bounded-cache.ts';

/** `merged_into` of each uuid asked for that names a row (absent: no such row). */
export type MergePointers = (uuids: readonly string[]) => Promise<ReadonlyMap<string, string | null>>;

const CACHE = 200_000;

export class CanonicalResolver {
  private readonly pointers: BoundedCache<string, string | null>;

  constructor(private readonly read: MergePointers, capacity = CACHE) {
    this.pointers = new BoundedCache(capacity);
  }

  /**
   * The live campaign of every `campaigns` entry (each names a row, or is its own answer).
   * `known`: pointers the caller read already (the first hops, joined into its own query).
   */
  async resolve(campaigns: Iterable<string>, known: Iterable<readonly [string, string | null]> = []): Promise<Map<string, string>> {
    const wanted = new Set(campaigns);
    // This page's chains, whole: the cache may evict while they load, the page must not lose them.
    const page = new Map<string, string | null>(known);
    const take = (c: string): boolean => {
      if (page.has(c)) return true;
      if (!this.pointers.has(c)) return false;
      page.set(c, this.pointers.get(c) ?? null);
      return true;
    };
    const first: string[] = [];
    for (const c of wanted) this.follow(c, page, take, first);
    let missing = [...new Set(first)];
    while (missing.length > 0) {
      const got = await this.read(missing);
      const next: string[] = [];
      for (const c of missing) {
        const p = got.get(c) ?? null;
        page.set(c, p);
        this.pointers.set(c, p);
      }
      for (const c of missing) this.follow(c, page, take, next);
      missing = [...new Set(next)];
    }
    const out = new Map<string, string>();
    for (const c of wanted) out.set(c, canonical(c, page));
    return out;
  }

  /** Walks `c`'s chain as far as the page knows it; the first pointer it lacks goes to `missing`. */
  private follow(c: string, page: Map<string, string | null>, take: (c: string) => boolean, missing: string[]): void {
    const seen = new Set<string>();
    for (let cur: string | null | undefined = c; cur != null && !seen.has(cur); cur = page.get(cur)) {
      seen.add(cur);
      if (!take(cur)) {
        missing.push(cur);
        return;
      }
    }
  }

}

/** canonicalOf over pointers that hold every chain asked about. */
function canonical(campaign: string, pointers: ReadonlyMap<string, string | null>): string {
  const path: string[] = [];
  const at = new Map<string, number>();
  let cur: string | null = campaign;
  while (cur !== null) {
    const seen = at.get(cur);
    if (seen !== undefined) return path.slice(seen).sort()[0];
    at.set(cur, path.length);
    path.push(cur);
    cur = pointers.get(cur) ?? null;
  }
  return path[path.length - 1];
}
