/**
 * Refused input → the dead-letter topic: the original key and bytes, the original headers,
 * and where it came from and why in `dlq.*` headers. It is the Kafka pipeline's RejectSink, so
 * the runtime's batch committer writes a batch's refusals (stateless, engine-level, poison)
 * before the batch commits.
 *
 * The committer hands over RejectRecords (position, code, reason); the bytes come from the
 * batch's staged messages, indexed by position. A dead letter cannot be taken back: if the
 * batch then fails to commit, the redo sends it again (at-least-once, like the event topics;
 * `dlq.topic/partition/offset` identify duplicates). `rollback` therefore does nothing.
 *
 * A send that fails throws the producer's error (retriable while the broker is down): the
 * pipeline waits it out before the batch commits (an outage holds the batch, it never drops its
 * refusals).
 */
import { formatPosition } from '../../ports/identity-source.ts';
import type { RejectRecord } from '../../ports/reject-sink.ts';
import type { DeadLetterSink, StagedRecord } from '../../ports/topic-input.ts';
import type { MessageSender, OutgoingMessage } from './producer.ts';

export const DLQ_HEADERS = {
  reason: 'dlq.reason',
  code: 'dlq.code',
  topic: 'dlq.topic',
  partition: 'dlq.partition',
  offset: 'dlq.offset',
  timestamp: 'dlq.timestamp',
  eventId: 'dlq.event_id',
  position: 'dlq.position',
} as const;

interface Staged {
  readonly topic: string;
  readonly partition: number;
  readonly record: StagedRecord;
}

export class KafkaDeadLetterSink implements DeadLetterSink {
  private readonly staged = new Map<string, Staged>();
  private sent = 0;

  /** `inputTopic`: where the staged messages were read (their `dlq.topic`); `topic`: the dead-letter topic. */
  constructor(private readonly sender: MessageSender, private readonly topic: string, private readonly inputTopic: string) {}

  /** The messages of the batch about to be committed (replaces the previous batch's). */
  stage(partition: number, records: readonly StagedRecord[]): void {
    this.staged.clear();
    for (const r of records) this.staged.set(formatPosition(r.record.source, r.record.start), { topic: this.inputTopic, partition, record: r });
  }

  async write(rejects: readonly RejectRecord[]): Promise<string> {
    if (rejects.length === 0) return this.mark();
    const letters = rejects.map((r) => this.letter(r));
    await this.sender.send([{ topic: this.topic, messages: letters }], `${letters.length} dead letters`);
    this.sent += letters.length;
    return this.mark();
  }

  async rollback(): Promise<void> {}

  private mark(): string {
    return `dlq:${this.topic}:${this.sent}`;
  }

  private letter(r: RejectRecord): OutgoingMessage {
    const s = this.staged.get(r.position);
    if (s === undefined) throw new Error(`dead-letter sink: no staged message at ${r.position}`);
    const m = s.record.message;
    const eventId = r.event_id ?? s.record.eventId ?? null;
    const original: Record<string, string | Buffer> = {};
    for (const [k, v] of Object.entries(m.headers)) {
      if (v === undefined || k.startsWith('dlq.')) continue;
      original[k] = Array.isArray(v) ? v[v.length - 1] : v;
    }
    return {
      key: m.key,
      value: m.value,
      headers: {
        ...original,
        [DLQ_HEADERS.reason]: r.reason,
        [DLQ_HEADERS.code]: s.record.deadLetterCode ?? r.code,
        [DLQ_HEADERS.topic]: s.topic,
        [DLQ_HEADERS.partition]: String(s.partition),
        [DLQ_HEADERS.offset]: String(m.offset),
        [DLQ_HEADERS.timestamp]: m.timestamp,
        [DLQ_HEADERS.position]: r.position,
        ...(eventId !== null ? { [DLQ_HEADERS.eventId]: eventId } : {}),
      },
    };
  }
}
