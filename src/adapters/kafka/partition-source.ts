/**
 * One partition of the identity topic as an IdentitySource, so the runtime's restore and
 * replay (src/pipeline/restore.ts, segment-reader.ts) treat it exactly like a file:
 *
 * - source name `<topic>/<partition>`, locator `kafka:<topic>/<partition>`;
 * - a position's `offset` is a Kafka offset (`ordinal` too: it numbers rejects);
 * - a record starts where the previous one ended, so offset gaps (compaction, transaction
 *   markers) belong to the next record and consecutive batches stay contiguous;
 * - the fingerprint of a position is a digest of the message just before it (offset, timestamp,
 *   key, value): a topic deleted and recreated with other data no longer matches a checkpoint.
 *
 * Quarantined offsets (poison messages, see src/pipeline/kafka/poison.ts) read as invalid
 * records, so re-deriving state skips them exactly as the live run did.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../ports/errors.ts';
import type { InputPosition, SourceRecord } from '../../ports/identity-source.ts';
import type { PartitionSource, QuarantineView, StagedRecord } from '../../ports/topic-input.ts';
import type { DecodedPayload, IdentityPayloadDecoder } from './identity-payloads.ts';
import type { FetchedMessage } from './messages.ts';
import type { TopicReader } from './topic-reader.ts';

export type { QuarantineView, StagedRecord } from '../../ports/topic-input.ts';

export const sourceNameOf = (topic: string, partition: number): string => `${topic}/${partition}`;
export const locatorOf = (topic: string, partition: number): string => `kafka:${topic}/${partition}`;

/** `<topic>/<partition>` → its parts; null for a name that is not a partition (a file). */
export function parseSourceName(name: string): { topic: string; partition: number } | null {
  const slash = name.lastIndexOf('/');
  if (slash <= 0) return null;
  const p = name.slice(slash + 1);
  if (!/^\d+$/.test(p)) return null;
  return { topic: name.slice(0, slash), partition: Number(p) };
}

export function messageFingerprint(m: FetchedMessage): string {
  const h = createHash('sha256').update(`kafka-v1:${m.offset}:${m.timestamp}:`);
  h.update(String(m.key?.length ?? -1)).update(':');
  if (m.key !== null) h.update(m.key);
  if (m.value !== null) h.update(m.value);
  return 'kafka-v1:' + h.digest('hex').slice(0, 32);
}

const position = (offset: number): InputPosition => ({ offset, index: 0, ordinal: offset });

/** The event id inside a payload, if it has one. */
function eventIdOf(d: DecodedPayload): string | undefined {
  let v: unknown;
  if (d.payload.kind === 'object') v = d.payload.value;
  else if (d.payload.kind === 'text') {
    try {
      v = JSON.parse(d.payload.text);
    } catch {
      return undefined;
    }
  }
  const id = typeof v === 'object' && v !== null ? (v as { event_id?: unknown }).event_id : undefined;
  return typeof id === 'string' ? id : undefined;
}

export interface PartitionSourceDeps {
  readonly reader: TopicReader;
  readonly decoder: IdentityPayloadDecoder;
  readonly quarantine: QuarantineView;
}

/** Messages kept for the positions the live path hands out (the committer asks about them at once). */
const MAX_REMEMBERED = 16_384;

export class KafkaPartitionSource implements PartitionSource {
  readonly name: string;
  readonly locator: string;
  readonly size = null;
  /** Position → the message just before it; digested only when asked (the committer asks once per batch). */
  private readonly remembered = new Map<number, FetchedMessage>();

  constructor(readonly topic: string, readonly partition: number, private readonly deps: PartitionSourceDeps) {
    this.name = sourceNameOf(topic, partition);
    this.locator = locatorOf(topic, partition);
  }

  /**
   * Fetched messages → source records, the first one starting at `from` (where the previous
   * record ended). Messages before `from` were consumed already and are dropped. Throws a
   * retriable KafkaAdapterError while the schema registry cannot be reached.
   */
  async stage(messages: readonly FetchedMessage[], from: number): Promise<StagedRecord[]> {
    await this.deps.decoder.prepare(messages.map((m) => m.value));
    const out: StagedRecord[] = [];
    let prev = from;
    for (const m of messages) {
      if (m.offset < prev) continue;
      const poison = this.deps.quarantine.reasonFor(this.name, m.offset);
      const decoded = this.deps.decoder.decode(m.value);
      const d: DecodedPayload = poison !== undefined
        ? { payload: { kind: 'invalid', code: 'undecodable', reason: `poison: ${poison}` }, deadLetterCode: 'poison' }
        : decoded;
      const eventId = poison !== undefined ? eventIdOf(decoded) : undefined;
      out.push({
        record: { source: this.name, start: position(prev), end: position(m.offset + 1), payload: d.payload },
        message: m,
        ...(d.deadLetterCode !== undefined ? { deadLetterCode: d.deadLetterCode } : {}),
        ...(eventId !== undefined ? { eventId } : {}),
      });
      this.remember(m.offset + 1, m);
      prev = m.offset + 1;
    }
    return out;
  }

  /** Records from `from` up to the partition's high watermark at the time of the call. */
  async *records(from: InputPosition): AsyncGenerator<SourceRecord> {
    const high = (await this.deps.reader.offsets()).get(this.partition)?.high ?? 0;
    let prev = from.offset;
    for await (const batch of this.deps.reader.read(this.partition, from.offset, high)) {
      for (const s of await this.stage(batch, prev)) {
        prev = s.record.end.offset;
        yield s.record;
      }
    }
  }

  async fingerprint(at: InputPosition): Promise<string> {
    if (at.offset === 0) return 'kafka-v1:start';
    const known = this.remembered.get(at.offset);
    if (known !== undefined) return messageFingerprint(known);
    const o = (await this.deps.reader.offsets()).get(this.partition);
    if (o === undefined || o.high < at.offset) {
      throw new InputError('input_changed', `${this.name} ends at offset ${o?.high ?? 0}, before ${at.offset}, the position already consumed`);
    }
    let found: string | null = null;
    for await (const batch of this.deps.reader.read(this.partition, at.offset - 1, at.offset)) {
      for (const m of batch) if (m.offset === at.offset - 1) found = messageFingerprint(m);
    }
    // A compacted-away offset has nothing to digest; its absence is stable, so it still compares.
    return found ?? `kafka-v1:gap:${at.offset - 1}`;
  }

  private remember(end: number, message: FetchedMessage): void {
    if (this.remembered.size >= MAX_REMEMBERED) {
      const oldest = this.remembered.keys().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
    this.remembered.set(end, message);
  }
}
