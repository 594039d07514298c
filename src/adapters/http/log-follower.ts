/**
 * Keeps a `LogIndex` in step with an EventLog by polling its head: the ports have no
 * subscribe hook, and polling one indexed `max(sequence)` every few hundred milliseconds costs
 * nothing next to a batch commit. Works on every EventLog adapter (SQLite, PostgreSQL).
 *
 * Events are folded up to the head read at the start of a poll, and a committed batch is
 * atomic in every adapter, so the index only ever stands at a batch boundary: a reader never
 * sees half a merge.
 */
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import type { BatchRecord, EventLog } from '../../ports/event-log.ts';
import type { TableReader } from '../../ports/table-sink.ts';
import { LogIndex } from './log-index.ts';

export interface FollowerOptions {
  readonly log: EventLog;
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
  /** The newly indexed events, in sequence order. */
  readonly events: readonly CampaignEvent[];
  /** Campaigns whose rows changed. */
  readonly changed: readonly string[];
}

export type FollowerListener = (update: FollowerUpdate) => void;

export const DEFAULT_POLL_MS = 250;
const DEFAULT_PAGE_SIZE = 5_000;

export class LogFollower {
  readonly index = new LogIndex();
  /** Batch records read so far, in index order (for the store metrics). */
  private readonly batchList: BatchRecord[] = [];
  private readonly listeners = new Set<FollowerListener>();
  private readonly batchListeners = new Set<(batches: readonly BatchRecord[]) => void>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  /** Last head read from the log, and the tables' sequence (null when unknown). */
  logHead = 0;
  tablesSequence: number | null = null;
  lastError: unknown = null;

  constructor(private readonly options: FollowerOptions) {}

  get batches(): readonly BatchRecord[] {
    return this.batchList;
  }

  /** Index the whole log, then keep polling. Resolves once the first catch-up is done. */
  async start(): Promise<void> {
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

  onBatches(listener: (batches: readonly BatchRecord[]) => void): void {
    this.batchListeners.add(listener);
    if (this.batchList.length > 0) listener(this.batchList);
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
    const { log, tables } = this.options;
    const pageSize = this.options.pageSize ?? DEFAULT_PAGE_SIZE;
    try {
      const head = await log.head();
      this.logHead = head;
      if (tables !== undefined) this.tablesSequence = await tables.sequence();
      while (this.index.sequence < head && !this.stopped) {
        const from = this.index.sequence + 1;
        const events = await log.read(from, Math.min(pageSize, head - from + 1));
        // An empty read below the head means the log changed under us (a rebuilt store):
        // stop here rather than spin; the next poll starts over from the index's sequence.
        if (events.length === 0) throw new Error(`event log returned nothing from sequence ${from} below head ${head}`);
        const changed = this.index.apply(events);
        this.notify({ events, changed });
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

  /** A failing listener (a broken socket) must not stop the others or the index. */
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
      const next = this.batchList.length + 1;
      const got = await this.options.log.batches(next, 1_000);
      // Only batches whose events are indexed: the metrics then describe the same log state.
      const fresh = got.filter((b) => b.index >= next && b.first_sequence + b.event_count - 1 <= this.index.sequence);
      if (fresh.length === 0) return;
      this.batchList.push(...fresh);
      for (const l of this.batchListeners) l(fresh);
      if (fresh.length < got.length || got.length < 1_000) return;
    }
  }
}
