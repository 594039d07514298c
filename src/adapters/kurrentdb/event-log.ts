/**
 * The event log in KurrentDB (stream layout: stream-layout.ts). A batch is ONE append of its
 * campaign events and its record, at `streamState` = the revision after the previous batch, so
 * the events, the input position and the batch boundary are atomic, and a second writer that
 * appended in between turns this append into a WrongExpectedVersion → sequence_conflict.
 *
 * Every call first catches the view up with the stream (one forward read from the last known
 * revision; the first call reads the whole stream), so an instance sees what other writers
 * appended, and the continuity and duplicate-id checks run against the stream as it is. Calls
 * on one instance run one at a time: the view is shared state.
 *
 * No tables here: the campaign tables come from folding the log (src/domain/tables.ts), in
 * memory or into a store that keeps them. A commit that carries table rows is refused
 * ('unsupported').
 */
import { NO_STREAM, START, ErrorType, isCommandError, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import { StoreError } from '../../ports/errors.ts';
import type { BatchCommit, BatchRecord, EventLog, InputCheckpoint } from '../../ports/event-log.ts';
import { toStoreError } from './errors.ts';
import { fromRecorded, toAppendPayload } from './event-mapping.ts';
import {
  checkClosed, checkContinues, checkpointsOf, checkShape, emptyView, expectedRevision, foldCommit, foldEntry, type LogView,
} from './log-view.ts';
import { DEFAULT_DOMAIN, readWindow, streamName } from './stream-layout.ts';

export interface KurrentDbEventLogOptions {
  /** The clustering domain: its log is the stream `campaigns-<domain>`. */
  readonly domain?: string;
}

const isStreamNotFound = (e: unknown): boolean =>
  e instanceof Error && isCommandError(e) && e.type === ErrorType.STREAM_NOT_FOUND;

export class KurrentDbEventLog implements EventLog {
  readonly stream: string;
  private view: LogView = emptyView();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly client: KurrentDBClient,
    options: KurrentDbEventLogOptions = {},
    private readonly onClose: () => Promise<void> = () => client.dispose(),
  ) {
    this.stream = streamName(options.domain ?? DEFAULT_DOMAIN);
  }

  append(commit: BatchCommit): Promise<void> {
    return this.exclusive(async () => {
      const doing = `appending batch ${commit.batch.index} to ${this.stream}`;
      checkShape(commit);
      const view = await this.catchUp(doing);
      checkContinues(view, commit);
      const expected = expectedRevision(view);
      let result;
      try {
        result = await this.client.appendToStream(this.stream, toAppendPayload(commit), { streamState: expected ?? NO_STREAM });
      } catch (e) {
        throw toStoreError(e, doing);
      }
      // Only with throwOnAppendFailure=false in the connection string: the conflict comes back as a value.
      if (!result.success) {
        throw new StoreError('sequence_conflict', `${doing}: another writer appended (stream at revision ${result.nextExpectedRevision}, expected ${String(expected)})`);
      }
      foldCommit(view, commit);
      if (result.nextExpectedRevision !== view.revision) {
        throw new StoreError('store_corrupt', `${doing}: the stream is at revision ${result.nextExpectedRevision} after the append, the layout says ${String(view.revision)}`);
      }
    });
  }

  read(fromSequence: number, limit: number): Promise<readonly CampaignEvent[]> {
    return this.exclusive(async () => {
      const doing = `reading ${this.stream}`;
      const view = await this.catchUp(doing);
      const w = readWindow(view.batches, view.head, fromSequence, limit);
      if (w === null) return [];
      const out: CampaignEvent[] = [];
      try {
        for await (const { event } of this.client.readStream(this.stream, { fromRevision: w.fromRevision, maxCount: w.maxCount })) {
          if (event === undefined) continue;
          const entry = fromRecorded(event, this.stream);
          if (entry.kind === 'event') out.push(entry.event);
        }
      } catch (e) {
        throw toStoreError(e, doing);
      }
      const expected = w.lastSequence - w.firstSequence + 1;
      if (out.length !== expected || out[0]?.sequence !== w.firstSequence) {
        throw new StoreError('store_corrupt', `${doing}: revisions ${w.fromRevision}+${w.maxCount} held ${out.length} events from ${out[0]?.sequence}, expected ${expected} from ${w.firstSequence}`);
      }
      return out;
    });
  }

  head(): Promise<number> {
    return this.exclusive(async () => (await this.catchUp(`reading the head of ${this.stream}`)).head);
  }

  lastBatch(): Promise<BatchRecord | null> {
    return this.exclusive(async () => (await this.catchUp(`reading the last batch of ${this.stream}`)).batches.at(-1) ?? null);
  }

  batches(fromIndex: number, limit: number): Promise<readonly BatchRecord[]> {
    return this.exclusive(async () => {
      const view = await this.catchUp(`reading batch records of ${this.stream}`);
      if (limit <= 0) return [];
      const start = Math.max(1, fromIndex) - 1;
      return view.batches.slice(start, start + limit);
    });
  }

  checkpoints(): Promise<readonly InputCheckpoint[]> {
    return this.exclusive(async () => checkpointsOf(await this.catchUp(`reading input checkpoints of ${this.stream}`)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.onClose();
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('store_failure', `the event log of ${this.stream} is closed`));
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Folds what was appended since the last call. A read cut short (network) keeps what it
   * folded and the next call continues from there; only a complete read is checked for a
   * batch without its record.
   */
  private async catchUp(doing: string): Promise<LogView> {
    const view = this.view;
    try {
      const fromRevision = view.revision === null ? START : view.revision + 1n;
      for await (const { event } of this.client.readStream(this.stream, { fromRevision })) {
        if (event !== undefined) foldEntry(view, fromRecorded(event, this.stream), event.revision, this.stream);
      }
    } catch (e) {
      if (!isStreamNotFound(e)) throw toStoreError(e, doing);
      // Never written: an empty log. Written before and gone now: deleted under our feet.
      if (view.revision !== null) throw new StoreError('store_missing', `${doing}: the stream ${this.stream} was deleted`, false, { cause: e });
    }
    checkClosed(view, this.stream);
    return view;
  }
}
