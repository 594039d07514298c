/**
 * The set of every event id the engine has seen: exact (a repeated id is a duplicate forever,
 * and an id never seen is never taken for one).
 *
 * Stored off the JS heap: the ids' characters live in one growable byte arena (one byte each
 * when every code unit is below 256, the common case, else two), and an open-addressing table
 * holds, per slot, the id's 32-bit hash and its arena offset. A lookup compares hashes first and
 * the full id only on a hash match, so a hash collision costs a comparison, never a wrong
 * answer. Millions of ids cost no heap objects, hence no garbage-collector work, and about one
 * byte per character plus 10–20 bytes per id.
 */
export class EventIdSet {
  /**
   * arena of entries: [kind, length (4 bytes LE), units…]; kind 1 = one byte per code unit,
   * kind 2 = two bytes per code unit (little endian)
   */
  private arena = new Uint8Array(1 << 16);
  private used = 0;
  /** per slot: hash (slot*2) and arena offset + 1 (slot*2+1); offset 0 = empty */
  private table = new Int32Array(2 * 1024);
  private mask = 1023;
  private count = 0;

  get size(): number {
    return this.count;
  }

  private static hash(s: string): number {
    // FNV-1a over UTF-16 code units, then a finalizer for better low bits.
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    h ^= h >>> 15;
    return h | 0;
  }

  private lengthAt(off: number): number {
    const a = this.arena;
    return a[off + 1] | (a[off + 2] << 8) | (a[off + 3] << 16) | (a[off + 4] << 24);
  }

  private equals(off: number, s: string): boolean {
    const a = this.arena;
    const n = this.lengthAt(off);
    if (n !== s.length) return false;
    const base = off + 5;
    if (a[off] === 1) {
      for (let i = 0; i < n; i++) if (a[base + i] !== s.charCodeAt(i)) return false;
    } else {
      for (let i = 0; i < n; i++) if ((a[base + 2 * i] | (a[base + 2 * i + 1] << 8)) !== s.charCodeAt(i)) return false;
    }
    return true;
  }

  private find(s: string, h: number): number {
    const t = this.table;
    let slot = h & this.mask;
    for (;;) {
      const o = t[2 * slot + 1];
      if (o === 0) return -1 - slot;
      if (t[2 * slot] === h && this.equals(o - 1, s)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  private store(s: string): number {
    let wide = false;
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) { wide = true; break; }
    const need = this.used + 5 + (wide ? 2 : 1) * s.length;
    if (need > this.arena.length) {
      let n = this.arena.length;
      while (n < need) n = n < 1 << 24 ? 2 * n : n + (n >> 1);
      const a = new Uint8Array(n);
      a.set(this.arena.subarray(0, this.used));
      this.arena = a;
    }
    const off = this.used;
    const a = this.arena;
    a[off] = wide ? 2 : 1;
    a[off + 1] = s.length & 0xff;
    a[off + 2] = (s.length >>> 8) & 0xff;
    a[off + 3] = (s.length >>> 16) & 0xff;
    a[off + 4] = s.length >>> 24;
    let at = off + 5;
    if (wide) {
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        a[at++] = c & 0xff;
        a[at++] = c >>> 8;
      }
    } else for (let i = 0; i < s.length; i++) a[at++] = s.charCodeAt(i);
    this.used = at;
    return off;
  }

  private grow(): void {
    const old = this.table;
    const slots = 2 * (this.mask + 1);
    this.table = new Int32Array(2 * slots);
    this.mask = slots - 1;
    for (let i = 0; i < old.length; i += 2) {
      const o = old[i + 1];
      if (o === 0) continue;
      let slot = old[i] & this.mask;
      while (this.table[2 * slot + 1] !== 0) slot = (slot + 1) & this.mask;
      this.table[2 * slot] = old[i];
      this.table[2 * slot + 1] = o;
    }
  }

  /** Adds `id`; false when it was already there. */
  add(id: string): boolean {
    const h = EventIdSet.hash(id);
    const r = this.find(id, h);
    if (r >= 0) return false;
    const slot = -1 - r;
    this.table[2 * slot] = h;
    this.table[2 * slot + 1] = this.store(id) + 1;
    // load factor ≤ 0.6
    if (++this.count * 5 > 3 * (this.mask + 1)) this.grow();
    return true;
  }

  has(id: string): boolean {
    return this.find(id, EventIdSet.hash(id)) >= 0;
  }

  /** Every id, in insertion order. */
  *values(): IterableIterator<string> {
    const a = this.arena;
    let at = 0;
    while (at < this.used) {
      const kind = a[at];
      const n = this.lengthAt(at);
      at += 5;
      const units: number[] = new Array(n);
      if (kind === 1) for (let i = 0; i < n; i++) units[i] = a[at + i];
      else for (let i = 0; i < n; i++) units[i] = a[at + 2 * i] | (a[at + 2 * i + 1] << 8);
      at += kind * n;
      let s = '';
      for (let i = 0; i < n; i += 4096) s += String.fromCharCode.apply(null, units.slice(i, i + 4096));
      yield s;
    }
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.values();
  }
}
