/**
 * A cache of at most about `capacity` entries, keeping the recently used: two generations of
 * maps, the older dropped whole when the newer fills. A Map used as an LRU by deleting its first
 * key degrades instead: V8 leaves each deleted slot in place until the table is rebuilt, and
 * `keys().next()` walks over all of them, so a full cache cost more per lookup the longer it ran
 * (a streamed membership of 500,000 identities spent 25 s there).
 */
export class BoundedCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined || this.young.has(key)) return v;
    if (!this.old.has(key)) return undefined;
    const w = this.old.get(key) as V;
    this.set(key, w);
    return w;
  }

  has(key: K): boolean {
    return this.young.has(key) || this.old.has(key);
  }

  set(key: K, value: V): void {
    this.young.set(key, value);
    if (this.young.size >= this.capacity / 2) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}
