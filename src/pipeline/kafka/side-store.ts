/**
 * What the Kafka pipeline keeps beside the store's event log, which has no place for it:
 *
 * - the outbox cursor: how far the log has been published (src/ports/publisher.ts);
 * - the quarantine: input offsets found to be poison (the engine fails on them). Recorded
 *   before the batch that skips them commits, so re-deriving state skips them too.
 *
 * SQLite: a `kafka.sqlite` file in the store directory. PostgreSQL: two tables in the store's
 * schema. (Both would sit better in the store adapters themselves; see docs/KAFKA.md.)
 */
import type { QuarantineView } from '../../adapters/kafka/partition-source.ts';
import type { OutboxCursor } from '../../ports/publisher.ts';

export interface QuarantineEntry {
  readonly source: string;
  readonly offset: number;
  readonly reason: string;
}

export interface QuarantineStore {
  all(): Promise<readonly QuarantineEntry[]>;
  add(entry: QuarantineEntry): Promise<void>;
}

export interface KafkaSideStore {
  /** The cursor of one output (named by its events topic). */
  cursor(name: string): OutboxCursor;
  readonly quarantine: QuarantineStore;
  close(): Promise<void>;
}

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
