/**
 * A reject sink that waits out outages: a refused record must reach its sink before its batch
 * commits, so a sink that is down (the dead-letter topic's broker) holds the batch, with
 * backoff, instead of dropping its refusals or failing the batch. Stops waiting when the
 * signal aborts (the pipeline is stopping: the batch is abandoned whole).
 */
import type { Timers } from '../ports/clock.ts';
import type { RejectRecord, RejectSink } from '../ports/reject-sink.ts';
import type { DeadLetterSink, StagedRecord } from '../ports/topic-input.ts';
import { withBackoff } from './retry.ts';

export function patientDeadLetters(
  sink: DeadLetterSink, timers: Timers, signal: AbortSignal, onRetry: (e: unknown) => void,
): DeadLetterSink {
  return {
    stage: (partition: number, records: readonly StagedRecord[]) => sink.stage(partition, records),
    write: (rejects: readonly RejectRecord[]) => withBackoff(timers, () => sink.write(rejects), { signal, onRetry }),
    rollback: (mark: string) => sink.rollback(mark),
  };
}

/** Refusals counted, not written anywhere (a rebuild: the live run dead-lettered them already). */
export class CountingRejects implements RejectSink {
  count = 0;
  constructor(private readonly label: string) {}
  async write(rejects: readonly RejectRecord[]): Promise<string> {
    this.count += rejects.length;
    return `${this.label}:${this.count}`;
  }
  async rollback(): Promise<void> {}
}
