/**
 * The outbox relay: publishes the event log, in sequence order, and records how far it got.
 *
 *   cursor ─► read (cursor, cursor+N] from the log ─► publish events + changed rows ─► move cursor
 *                                                     (acknowledged chunk by chunk)   (per chunk)
 *
 * The log is durable before anything is published, and the cursor moves only after the bus
 * acknowledged, chunk by chunk: the publisher reports each acknowledged chunk (every event and
 * row up to a sequence), and the cursor follows. So a crash anywhere re-publishes at most the
 * chunk in flight, not the whole run, however short the process lived: at-least-once, with the
 * events' own deterministic ids for subscribers to drop repeats. An outage of the bus waits with
 * backoff and resumes after the last acknowledged chunk; nothing is ever skipped.
 */
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import type { Timers } from '../../ports/clock.ts';
import type { EventLog } from '../../ports/event-log.ts';
import type { OutboxCursor, PublishedRow, Publisher } from '../../ports/publisher.ts';
import { isRetriable, pause, withBackoff } from '../retry.ts';

export interface RelayDeps {
  readonly log: EventLog;
  readonly cursor: OutboxCursor;
  readonly publisher: Publisher;
  readonly timers: Timers;
  /** Rows whose last change is in (after, upTo] (see published-rows.ts), read between batch commits. */
  readonly rowsChangedAfter: (after: number, upTo: number) => Promise<readonly PublishedRow[]>;
  readonly onRetry?: (e: unknown) => void;
  readonly onPublished?: (sequence: number) => void;
  /** Publishing stopped on a failure retrying cannot fix. */
  readonly onFailure?: (e: unknown) => void;
}

export interface RelayOptions {
  /** Events per publish: bounds one message batch and one read of the log. */
  readonly maxEvents?: number;
  /** Poll period when nobody calls `notify` (e.g. another process appends). */
  readonly idleMs?: number;
}

export class OutboxRelay {
  private publishedSeq = 0;
  private headSeq = 0;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly abort = new AbortController();
  private readonly maxEvents: number;
  private readonly idleMs: number;
  private failure: unknown = null;
  /** Events just committed by this process, in sequence order: spares reading them back from the log. */
  private recent: CampaignEvent[] = [];

  constructor(private readonly deps: RelayDeps, options: RelayOptions = {}) {
    this.maxEvents = options.maxEvents ?? 2_000;
    this.idleMs = options.idleMs ?? 1_000;
  }

  get published(): number {
    return this.publishedSeq;
  }

  /** Events appended but not yet published, as far as the relay knows. */
  lag(): number {
    return Math.max(0, this.headSeq - this.publishedSeq);
  }

  /** A non-retriable publish failure that stopped the relay, if any. */
  get error(): unknown {
    return this.failure;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** The log grew (to `head`, when known). */
  notify(head?: number): void {
    if (head !== undefined && head > this.headSeq) this.headSeq = head;
    this.wake?.();
  }

  /**
   * Events this process has just appended (durable). Kept while they continue the ones kept
   * before, and only up to a bound: otherwise the relay reads the log, which is always right.
   */
  offer(events: readonly CampaignEvent[]): void {
    if (events.length === 0) return;
    const last = this.recent.length > 0 ? this.recent[this.recent.length - 1].sequence : this.publishedSeq;
    if (events[0].sequence !== last + 1 || this.recent.length + events.length > this.maxEvents * 4) {
      this.recent = [];
      return;
    }
    this.recent.push(...events);
    this.notify(events[events.length - 1].sequence);
  }

  private take(after: number): CampaignEvent[] | null {
    const i = this.recent.findIndex((e) => e.sequence === after + 1);
    if (i < 0) {
      this.recent = this.recent.filter((e) => e.sequence > after);
      return null;
    }
    const run = this.recent.slice(i, i + this.maxEvents);
    this.recent = this.recent.slice(i + run.length);
    return run;
  }

  /** Resolves once everything appended so far is published, or after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<boolean> {
    const { timers } = this.deps;
    const deadline = timers.now() + timeoutMs;
    this.headSeq = Math.max(this.headSeq, await this.deps.log.head());
    while (this.running && this.publishedSeq < this.headSeq && timers.now() < deadline) {
      this.wake?.();
      await timers.sleep(25);
    }
    return this.publishedSeq >= this.headSeq;
  }

  /** Publishes what is pending for up to `drainMs`, then stops. */
  async stop(drainMs = 0): Promise<void> {
    if (!this.running) return;
    if (drainMs > 0 && this.failure === null) await this.drained(drainMs).catch(() => false);
    this.running = false;
    this.abort.abort();
    this.wake?.();
    await this.loop?.catch(() => {});
  }

  private async run(): Promise<void> {
    const { log, cursor, publisher, timers } = this.deps;
    const signal = this.abort.signal;
    const patiently = <T>(fn: () => Promise<T>): Promise<T> =>
      withBackoff(timers, fn, { signal, onRetry: (e) => this.deps.onRetry?.(e), maxMs: 10_000 });
    // Cursor writes, in order, one per acknowledged chunk.
    let marking: Promise<void> = Promise.resolve();
    const acknowledged = (sequence: number): void => {
      if (sequence <= this.publishedSeq) return;
      this.publishedSeq = sequence;
      this.deps.onPublished?.(sequence);
      marking = marking.then(() => patiently(() => cursor.markPublished(sequence)));
    };
    let outage = 0;
    try {
      this.publishedSeq = await patiently(() => cursor.published());
      this.deps.onPublished?.(this.publishedSeq);
      while (this.running) {
        this.headSeq = Math.max(this.headSeq, await patiently(() => log.head()));
        if (this.publishedSeq >= this.headSeq) {
          await this.sleep();
          continue;
        }
        const after = this.publishedSeq;
        const events = this.take(after) ?? await patiently(() => log.read(after + 1, this.maxEvents));
        if (events.length === 0) {
          await this.sleep();
          continue;
        }
        const last = events[events.length - 1].sequence;
        const rows = await this.deps.rowsChangedAfter(after, last);
        try {
          await publisher.publish(events, rows, acknowledged);
          acknowledged(last);
          outage = 0;
        } catch (e) {
          if (!isRetriable(e)) throw e;
          // The chunks acknowledged before the failure stay published (the cursor has them);
          // the next round starts after them.
          this.deps.onRetry?.(e);
          await pause(timers, Math.min(10_000, 250 * 2 ** Math.min(outage++, 6)), signal);
        }
        await marking;
      }
    } catch (e) {
      if (this.running) {
        // Not retriable (an encoding bug, a refused topic): stop publishing rather than skip.
        this.failure = e;
        this.running = false;
        this.deps.onFailure?.(e);
      }
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const abort = new AbortController();
      const done = (): void => {
        if (this.wake === done) this.wake = null;
        abort.abort();
        resolve();
      };
      this.wake = done;
      void this.deps.timers.sleep(this.idleMs, abort.signal).then(done);
    });
  }
}
