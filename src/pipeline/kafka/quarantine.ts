/**
 * The quarantine as the pipeline consults it: the poison offsets (poison.ts) held in memory,
 * since every consumed message is checked against them, and written through to the store's
 * `QuarantineStore` (src/ports/pipeline-state.ts).
 */
import type { QuarantineView } from '../../ports/topic-input.ts';
import type { QuarantineEntry, QuarantineStore } from '../../ports/pipeline-state.ts';

/** The quarantine in memory (consulted for every consumed message), written through. */
export class Quarantine implements QuarantineView {
  private readonly bySource = new Map<string, Map<number, string>>();

  private constructor(private readonly store: QuarantineStore) {}

  static async load(store: QuarantineStore): Promise<Quarantine> {
    const q = new Quarantine(store);
    for (const e of await store.all()) q.remember(e);
    return q;
  }

  reasonFor(source: string, offset: number): string | undefined {
    return this.bySource.get(source)?.get(offset);
  }

  async add(entry: QuarantineEntry): Promise<void> {
    await this.store.add(entry);
    this.remember(entry);
  }

  get size(): number {
    let n = 0;
    for (const m of this.bySource.values()) n += m.size;
    return n;
  }

  private remember(e: QuarantineEntry): void {
    let m = this.bySource.get(e.source);
    if (m === undefined) this.bySource.set(e.source, (m = new Map()));
    m.set(e.offset, e.reason);
  }
}

/** An empty quarantine, for a store that has none (a read of someone else's store). */
export const NO_QUARANTINE: QuarantineView = { reasonFor: () => undefined };
