/**
 * The live campaign of each campaign (domain/tables.ts `canonicalOf`: follow `merged_into`; on
 * a cycle, the smallest uuid of the cycle), read from a store a page at a time instead of from
 * tables held whole in memory: the streaming `membership` of a store with millions of rows.
 *
 * What it has resolved is kept in a bounded cache (a page of identities mostly names campaigns
 * the pages before it did), so memory stays flat however many campaigns the store holds.
 */

/** `merged_into` of each uuid asked for that names a row (absent: no such row). */
export type MergePointers = (uuids: readonly string[]) => Promise<ReadonlyMap<string, string | null>>;

const CACHE = 200_000;

export class CanonicalResolver {
  private readonly pointers = new Map<string, string | null>();

  constructor(private readonly read: MergePointers, private readonly capacity = CACHE) {}

  /** The live campaign of every `campaigns` entry (each names a row, or is its own answer). */
  async resolve(campaigns: Iterable<string>): Promise<Map<string, string>> {
    const wanted = new Set(campaigns);
    // Load the pointers of every campaign on the chains, a hop at a time for the whole page.
    let missing = [...wanted].filter((c) => !this.pointers.has(c));
    while (missing.length > 0) {
      const got = await this.read(missing);
      const next = new Set<string>();
      for (const c of missing) {
        const p = got.get(c) ?? null;
        this.remember(c, p);
        if (p !== null && !this.pointers.has(p)) next.add(p);
      }
      missing = [...next];
    }
    const out = new Map<string, string>();
    for (const c of wanted) out.set(c, this.canonical(c));
    return out;
  }

  private canonical(campaign: string): string {
    const path: string[] = [];
    const at = new Map<string, number>();
    let cur: string | null = campaign;
    while (cur !== null) {
      const seen = at.get(cur);
      if (seen !== undefined) return path.slice(seen).sort()[0];
      at.set(cur, path.length);
      path.push(cur);
      // A pointer evicted since its chain was loaded is read as the end: resolve() loads whole
      // chains right before walking them, and the cache holds far more than one page's chains.
      cur = this.pointers.get(cur) ?? null;
    }
    return path[path.length - 1];
  }

  private remember(c: string, p: string | null): void {
    this.pointers.set(c, p);
    if (this.pointers.size > this.capacity) this.pointers.delete(this.pointers.keys().next().value!);
  }
}
