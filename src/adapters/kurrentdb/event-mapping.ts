/**
 * Batch → append payload, and recorded stream event → campaign event or batch record. Pure.
 *
 * Event ids make appends idempotent on the server: a campaign event keeps its own deterministic
 * uuid (a non-uuid id, as tests use, becomes UUIDv5 of it), and the batch record's id is UUIDv5 of
 * the batch index and a digest of the whole batch. KurrentDB accepts an append at an outdated
 * expected revision as a no-op success only when every id matches what is already there, so a
 * retried append of the very same batch succeeds once, and a *different* batch that reuses the
 * same sequences (same campaign event ids) still fails with a revision conflict.
 */
import { createHash } from 'node:crypto';
import { jsonEvent, type EventData, type JSONType } from '@kurrent/kurrentdb-client';
import { v5 as uuidv5 } from 'uuid';
import { CAMPAIGN_EVENT_TYPES, type CampaignEvent } from '../../domain/campaign-events.ts';
import { CAMPAIGN_STREAM_NAMESPACE } from '../../domain/ids.ts';
import { StoreError } from '../../ports/errors.ts';
import type { BatchCommit, BatchRecord } from '../../ports/event-log.ts';
import { BATCH_EVENT_TYPE } from './stream-layout.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The server-side id of a campaign event. */
export const kurrentEventId = (eventId: string): string =>
  UUID.test(eventId) ? eventId.toLowerCase() : uuidv5(`event-id:${eventId}`, CAMPAIGN_STREAM_NAMESPACE);

/** The server-side id of a batch's record event: its index plus a digest of everything it commits. */
export function batchEventId({ batch, events }: BatchCommit): string {
  const digest = createHash('sha256').update(JSON.stringify(batchData(batch)));
  for (const e of events) digest.update('\n').update(JSON.stringify(e));
  return uuidv5(`batch:${batch.index}:${digest.digest('hex')}`, CAMPAIGN_STREAM_NAMESPACE);
}

/** Metadata on every event of a batch: lets stream browsers and subscribers place it without parsing data. */
export interface EventMetadata {
  readonly batch_index: number;
  readonly sequence?: number;
}

/** The ONE append of a batch: its campaign events in sequence order, then its record. */
export function toAppendPayload(commit: BatchCommit): EventData[] {
  const { batch, events } = commit;
  const payload: EventData[] = events.map((e) => jsonEvent({
    id: kurrentEventId(e.event_id),
    type: e.type,
    // The envelope as is: the client serialises it with JSON.stringify, so the stored bytes are
    // the same as the other stores' and a reader's JSON.stringify reproduces them.
    data: e as unknown as JSONType,
    metadata: { batch_index: batch.index, sequence: e.sequence } satisfies EventMetadata,
  }));
  payload.push(jsonEvent({
    id: batchEventId(commit),
    type: BATCH_EVENT_TYPE,
    data: batchData(batch),
    metadata: { batch_index: batch.index } satisfies EventMetadata,
  }));
  return payload;
}

/** The record with its keys in a fixed order, whatever order the caller built it in. */
const batchData = (b: BatchRecord): JSONType => ({
  index: b.index,
  range: { from: b.range.from, to: b.range.to },
  segments: b.segments.map((s) => ({ source: s.source, locator: s.locator, start: s.start, end: s.end, fingerprint: s.fingerprint })),
  input_count: b.input_count,
  first_sequence: b.first_sequence,
  event_count: b.event_count,
  rejects_mark: b.rejects_mark,
});

export type LogEntry =
  | { readonly kind: 'event'; readonly event: CampaignEvent }
  | { readonly kind: 'batch'; readonly batch: BatchRecord };

/** The parts of a recorded event the mapping reads (RecordedEvent has more). */
export interface Recorded {
  readonly type: string;
  readonly revision: bigint;
  readonly isJson: boolean;
  readonly data: unknown;
}

const CAMPAIGN_TYPES: ReadonlySet<string> = new Set(CAMPAIGN_EVENT_TYPES);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * A recorded event of the campaign stream as a log entry. Anything else in the stream (another
 * writer's event, a binary event, unparseable JSON, which the client hands over as a string)
 * breaks the layout's arithmetic: store_corrupt, naming the revision.
 */
export function fromRecorded(r: Recorded, stream: string): LogEntry {
  const where = `${stream}@${r.revision}`;
  if (!r.isJson || !isObject(r.data)) {
    throw new StoreError('store_corrupt', `${where}: event of type ${r.type} is not a JSON object`);
  }
  const d = r.data;
  if (r.type === BATCH_EVENT_TYPE) {
    if (!isCount(d.index) || d.index < 1 || !isObject(d.range) || !Array.isArray(d.segments) || !isCount(d.input_count)
      || !isCount(d.first_sequence) || d.first_sequence < 1 || !isCount(d.event_count) || typeof d.rejects_mark !== 'string') {
      throw new StoreError('store_corrupt', `${where}: unreadable batch record`);
    }
    return { kind: 'batch', batch: d as unknown as BatchRecord };
  }
  if (CAMPAIGN_TYPES.has(r.type)) {
    if (d.type !== r.type || !isCount(d.sequence) || d.sequence < 1 || typeof d.event_id !== 'string') {
      throw new StoreError('store_corrupt', `${where}: ${r.type} event without a matching envelope`);
    }
    return { kind: 'event', event: d as unknown as CampaignEvent };
  }
  throw new StoreError('store_corrupt', `${where}: unexpected event type '${r.type}' in a campaign stream`);
}
