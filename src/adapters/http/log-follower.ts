/**
 * Keeps a read model (the in-memory index, or the store's indexed read model) in step with an
 * EventLog by polling its head: the ports have no subscribe hook, and polling one indexed
 * `max(sequence)` every few hundred milliseconds costs nothing next to a batch commit. Works on
 * every EventLog adapter (SQLite, PostgreSQL).
 *
 * Events are applied a whole batch at a time (pages are cut where the events' batch range
 * changes, and the head read at the start of a poll is always a batch end, since an append is
 * atomic), so the model only ever stands at a batch boundary: a reader never sees half a merge.
 */
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import type { FollowedReadModel, ReadModelStats } from '../../ports/campaign-queries.ts';
import type { BatchRecord, EventLog } from '../../ports/event-log.ts';
import type { TableReader } from '../../ports/table-sink.ts';

export interface FollowerOptions {
  readonly log: EventLog;
  readonly model: FollowedReadModel;
  /** Optional: only read for the tables' lag behind the log (a metric). */
  readonly tables?: TableReader;
  /** Poll period. */
  readonly pollMs?: number;
  /** Events per read while catching up: bounds the memory of one read on a long log. */
  readonly pageSize?: number;
  /** Poll failures (store busy, connection lost): reported, then retried at the next poll. */
  readonly onError?: (error: unknown) => void;
}

export interface FollowerUpdate {
  /** The newly applied events, in sequence order. */
  readonly events: readonly CampaignEvent[];
}

export type FollowerListener = (update: FollowerUpdate) => void;

export const DEFAULT_POLL_MS = 250;
const DEFAULT_PAGE_SIZE = 5_000;
const BATCH_READ = 1_000;

/** Where the last complete batch of `events` ends (an index into it); `head` ends a batch. */
export function batchEnd(events: readonly CampaignEvent[], head: number): number {
  if (events.length === 0 || events[events.length - 1].sequence === head) return events.length;
  for (let i = events.length - 1; i > 0; i--) {
    const a = events[i - 1].batch;
    const b = events[i].batch;
    if (a.from !== b.from || a.to !== b.to) return i;
  }
  return 0;
}

export class LogFollower {
  readonly model: FollowedReadModel;
  private readonly listeners = new Set<FollowerListener>();
  private readonly batchListeners = new Set<(batches: readonly BatchRecord[]) => void>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  /** Batch records read so far: the next index to read, and the last one (for the snapshot features). */
  private nextBatch = 1;
  lastBatch: BatchRecord | null = null;
  /** The model's numbers as of the last `refreshStats()` (metrics render synchronously). */
  stats: ReadModelStats | null = null;
  /** Last head read from the log, and the tables' sequence (null when unknown). */
  logHead = 0;
  tablesSequence: number | null = null;
  lastError: unknown = null;

  constructor(private readonly options: FollowerOptions) {
    this.model = options.model;
  }

  /** Sequence of the last event applied to the model. */
  get sequence(): number {
    return this.model.sequence;
  }

  /**
   * Catches up once, then keeps polling. `wait`: true resolves after the first catch-up (and
   * throws its failure); a number resolves at once when the model is more than that many events
   * behind the log head, the catch-up running in the background (a persisted read model answers
   * from where it stands meanwhile), and after it otherwise.
   */
  async start({ wait = true }: { wait?: boolean | number } = {}): Promise<void> {
    if (wait !== true) {
      const head = await this.options.log.head();
      if (wait === false || head - this.model.sequence > wait) {
        void this.poll().then(() => this.schedule());
        return;
      }
    }
    await this.poll();
    if (this.lastError !== null) throw this.lastError;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  subscribe(listener: FollowerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Batch records as they are read (the ones read before are not replayed). */
  onBatches(listener: (batches: readonly BatchRecord[]) => void): void {
    this.batchListeners.add(listener);
  }

  async refreshStats(): Promise<ReadModelStats> {
    this.stats = await this.model.read((v) => v.stats());
    return this.stats;
  }

  /** One catch-up; concurrent callers share it. Never rejects: failures land in `lastError`. */
  poll(): Promise<void> {
    this.running ??= this.catchUp().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    // setTimeout after each poll, not setInterval: a slow store never gets overlapping polls.
    this.timer = setTimeout(() => {
      void this.poll().then(() => this.schedule());
    }, this.options.pollMs ?? DEFAULT_POLL_MS);
    this.timer.unref();
  }

  private async catchUp(): Promise<void> {
    const { log, tables, model } = this.options;
    const pageSize = this.options.pageSize ?? DEFAULT_PAGE_SIZE;
    try {
      const head = await log.head();
      this.logHead = head;
      if (tables !== undefined) this.tablesSequence = await tables.sequence();
      if (head < model.sequence) throw new Error(`the event log ends at ${head}, before the read model's position ${model.sequence}: was the store rebuilt?`);
      // Events of a batch that did not fit the last read, applied with the rest of it.
      let carried: CampaignEvent[] = [];
      while (model.sequence < head && !this.stopped) {
        const from = model.sequence + 1 + carried.length;
        const events = await log.read(from, Math.min(pageSize, head - from + 1));
        // An empty read below the head means the log changed under us (a rebuilt store):
        // stop here rather than spin; the next poll starts over from the model's sequence.
        if (events.length === 0) throw new Error(`event log returned nothing from sequence ${from} below head ${head}`);
        const all = carried.length === 0 ? events : carried.concat(events);
        const end = batchEnd(all, head);
        carried = all.slice(end);
        if (end === 0) continue;
        const page = end === all.length ? all : all.slice(0, end);
        await model.apply(page);
        this.notify({ events: page });
      }
      await this.readBatches();
      this.lastError = null;
    } catch (e) {
      // Reported when the failure starts or changes, not on every poll: a store that stays
      // unreachable would otherwise print four lines a second.
      const repeat = this.lastError !== null && String(this.lastError) === String(e);
      this.lastError = e;
      if (!repeat) this.options.onError?.(e);
    }
  }

  /** A failing listener (a broken socket) must not stop the others or the model. */
  private notify(update: FollowerUpdate): void {
    for (const l of this.listeners) {
      try {
        l(update);
      } catch (e) {
        this.options.onError?.(e);
      }
    }
  }

  private async readBatches(): Promise<void> {
    for (;;) {
      const got = await this.options.log.batches(this.nextBatch, BATCH_READ);
      // Only batches whose events are applied: the metrics then describe the same log state.
      const fresh = got.filter((b) => b.index >= this.nextBatch && b.first_sequence + b.event_count - 1 <= this.model.sequence);
      if (fresh.length === 0) return;
      this.nextBatch = fresh[fresh.length - 1].index + 1;
      this.lastBatch = fresh[fresh.length - 1];
      for (const l of this.batchListeners) l(fresh);
      if (fresh.length < got.length || got.length < BATCH_READ) return;
    }
  }
}
