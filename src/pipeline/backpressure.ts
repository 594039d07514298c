/**
 * Bounded reading. RxJS has no demand signal, and `from(asyncIterable)` pulls as fast as the
 * source yields while `concatMap` queues the work it cannot start yet: with an async commit,
 * the whole input would be read into memory ahead of the database. Here the source pulls the
 * next record only while no batch is being committed (clustered and handed to the log, whose
 * own window of appends is bounded: EventLog.maxAppendsInFlight), so at most one batch is in flight and
 * one is being filled.
 */
import { concatMap, finalize, from, Observable, tap, type OperatorFunction } from 'rxjs';

export class CommitGate {
  private inFlight = 0;
  private waiters: Array<() => void> = [];

  enter(): void {
    this.inFlight++;
  }

  leave(): void {
    this.inFlight--;
    if (this.inFlight === 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves once nothing is in flight. */
  ready(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** Emits the iterable's values, pulling each only when the gate is open. */
export function pulled<T>(iterable: AsyncIterable<T>, gate: CommitGate): Observable<T> {
  return new Observable<T>((subscriber) => {
    const it = iterable[Symbol.asyncIterator]();
    let stopped = false;
    void (async () => {
      try {
        for (;;) {
          await gate.ready();
          if (stopped) return;
          const r = await it.next();
          if (stopped || r.done) break;
          subscriber.next(r.value);
        }
        if (!stopped) subscriber.complete();
      } catch (e) {
        if (!stopped) subscriber.error(e);
      }
    })();
    return () => {
      stopped = true;
      // Closes the files behind the iterator once its pending read (if any) settles.
      void it.return?.(undefined).catch(() => undefined);
    };
  });
}

/** `concatMap(work)` that holds the gate closed from the moment an item arrives until its work is done. */
export const throughGate = <T, R>(gate: CommitGate, work: (item: T) => Promise<R>): OperatorFunction<T, R> =>
  (source) => source.pipe(
    tap(() => gate.enter()),
    concatMap((item) => from(work(item)).pipe(finalize(() => gate.leave()))),
  );
