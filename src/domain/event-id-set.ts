/**
 * The set of every event id the engine has seen: exact (a repeated id is a duplicate forever,
 * and an id never seen is never taken for one).
 */
export class EventIdSet {
  private readonly ids = new Set<string>();

  /** Adds `id`; false when it was already there. */
  add(id: string): boolean {
    const before = this.ids.size;
    this.ids.add(id);
    return this.ids.size !== before;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }

  values(): IterableIterator<string> {
    return this.ids.values();
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.ids.values();
  }
}
