/**
 * The Kafka messages of a published run of the campaign log: what goes to which topic, with
 * which key, value and headers. Pure (no client, no I/O) so the in-thread publisher and the
 * publisher's worker thread build byte-identical messages from the same input:
 *
 * - every campaign event → `campaign.events`, key = the campaign it is about (the winner of a
 *   merge, the resurrected campaign of an unmerge), so one campaign's events stay in order;
 * - `identity.campaign.assigned` also → `identity.campaign`, key = identity uuid (prefixed with
 *   `<domain>/` outside the default domain: assignmentKey); an identity that leaves every
 *   campaign (`campaign.identity.removed`) gets a tombstone there, so the compacted topic holds
 *   exactly the current assignment of every active identity;
 * - changed rows → the compacted `campaign.table`, key = campaign uuid.
 *
 * Values are Avro in the Confluent framing when schema ids are given (registered under
 * `<topic>-value` at start), JSON otherwise. Headers follow the CloudEvents Kafka binding
 * (`ce_id` = the event's deterministic id, which is what subscribers de-duplicate on), plus
 * `ce_domain` on every message of a non-default clustering domain. The default domain's
 * messages are byte for byte those of before domains (no header, bare keys, no `domain`).
 */
import { encodeCampaignEvent, encodeCampaignRow, type CampaignRowWire } from '../avro/codec.ts';
import { SCHEMA_JSON, valueSubject } from '../avro/schemas.ts';
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import { domainName, idPrefix, type Domain } from '../../domain/domains.ts';
import type { PublishedRow } from '../../ports/publisher.ts';
import { KafkaAdapterError } from './errors.ts';
import { messageBytes, type OutgoingMessage, type TopicBatch } from './producer.ts';
import type { SchemaRegistryClient } from './schema-registry.ts';
import type { TopicNames } from './topics.ts';
import { frame } from './wire-format.ts';

/** The key of an event on the events topic: the campaign whose story it continues. */
export function eventKey(e: CampaignEvent): string {
  switch (e.type) {
    case 'campaign.merged': return e.payload.winner_uuid;
    case 'campaign.unmerged': return e.payload.resurrected_uuid;
    default: return e.payload.campaign_uuid;
  }
}

/**
 * The key of an identity on the compacted `identity.campaign` topic. An identity is (domain,
 * uuid), and one topic carries every domain: keyed by the bare uuid, the same uuid in two
 * domains would be one key, and compaction would keep only the later domain's assignment. So
 * outside the default domain the key is `<domain>/<identity uuid>` (the domain's id prefix,
 * domains.ts; `/` cannot occur in a domain name); the default domain keeps the bare uuid.
 */
export const assignmentKey = (identityUuid: string, domain: Domain): string => idPrefix(domain) + identityUuid;

/**
 * Most identities per member list in a row message. A row is republished whenever its campaign
 * changes, and a campaign of 150k identities would put 6 MB on the compacted topic per batch
 * that touches it, then outgrow the topic's 8 MiB message limit and stop the relay. Past this,
 * the lists hold their first (sorted) identities and say so; `identity_count` stays exact, and
 * the compacted identity topic carries every assignment.
 */
export const MAX_ROW_MEMBERS = 10_000;

const capped = (ids: readonly string[]): readonly string[] => (ids.length > MAX_ROW_MEMBERS ? ids.slice(0, MAX_ROW_MEMBERS) : ids);

export const rowToWire = ({ row, merged_members, domain }: PublishedRow): CampaignRowWire => ({
  uuid: row.uuid,
  status: row.status,
  merged_into: row.merged_into,
  // Only a campaign named by an event before its `campaign.formed` lacks this; never from our engine.
  formed_at: row.formed_at ?? '',
  first_activity: row.first_activity,
  last_activity: row.last_activity,
  identity_count: row.identity_count,
  members: capped(row.members),
  merged_members: capped(merged_members),
  payload_hashes: row.payload_hashes,
  c2_endpoints: row.c2_endpoints,
  deckies: row.deckies,
  asns: row.asns,
  confidence: row.confidence,
  members_truncated: row.members.length > MAX_ROW_MEMBERS || merged_members.length > MAX_ROW_MEMBERS,
  // Last, as on campaign events; absent in the default domain, whose row JSON keeps its bytes.
  ...(domain === undefined ? {} : { domain }),
});

/** Plain data (it crosses to the publisher's worker thread by structured clone). */
export interface CampaignMessageOptions {
  readonly topics: Pick<TopicNames, 'events' | 'assignments' | 'table'>;
  /** `ce_source`. */
  readonly source: string;
}

/** Registry ids of the output value schemas; null: JSON values. */
export interface OutputSchemaIds {
  readonly events: number;
  readonly assignments: number;
  readonly table: number;
}

/** Registers the output schemas (retriable errors while the registry is down). */
export async function registerOutputSchemas(registry: SchemaRegistryClient, topics: CampaignMessageOptions['topics']): Promise<OutputSchemaIds> {
  return {
    events: await registry.register(valueSubject(topics.events), SCHEMA_JSON.campaignEvent),
    assignments: await registry.register(valueSubject(topics.assignments), SCHEMA_JSON.campaignEvent),
    table: await registry.register(valueSubject(topics.table), SCHEMA_JSON.campaignRow),
  };
}

const eventValue = (e: CampaignEvent, schemaId: number | undefined): Buffer =>
  schemaId === undefined ? Buffer.from(JSON.stringify(e)) : frame(schemaId, encodeCampaignEvent(e));

/**
 * The one domain of a run. A run is a stretch of one domain's log and the rows of that domain's
 * tables; rows that name another domain (or none) beside its events mean the tables were read
 * without their domain (rowsChangedAfter's `domain`), and would go out under the wrong key and
 * header: refused, not retriable, before anything is sent.
 */
function domainOfRun(events: readonly CampaignEvent[], rows: readonly PublishedRow[]): Domain {
  const domain = (events.length > 0 ? events[0].domain : rows[0]?.domain) ?? null;
  const stray = events.find((e) => (e.domain ?? null) !== domain) ?? rows.find((r) => (r.domain ?? null) !== domain);
  if (stray !== undefined) {
    const what = 'sequence' in stray ? `event ${stray.sequence}` : `the row of ${stray.row.uuid}`;
    throw new KafkaAdapterError('kafka_failure', `a published run mixes clustering domains: ${what} is in ${domainName(stray.domain ?? null)}, ` +
      `the run in ${domainName(domain)}`, false);
  }
  return domain;
}

/**
 * The messages of a run, in acknowledgeable chunks. A chunk is a stretch of consecutive events
 * (each with its `identity.campaign` message) plus the rows whose `updated_sequence` falls in
 * it, at most `maxBytes` of messages (an event that alone is larger goes alone); `through` is its
 * last event's sequence. Once a chunk is acknowledged, everything up to `through` is out, rows
 * included: the outbox cursor may move there (outbox-relay.ts). Within a chunk, one batch per
 * output topic, in sequence order.
 */
export function campaignChunks(
  o: CampaignMessageOptions, ids: OutputSchemaIds | null, events: readonly CampaignEvent[], rows: readonly PublishedRow[],
  maxBytes: number,
): CampaignChunk[] {
  const domain = domainOfRun(events, rows);
  // Only outside the default domain, whose messages keep the headers of before domains.
  const domainHeader: Record<string, string> = domain === null ? {} : { ce_domain: domain };
  const headers = (id: string, type: string, time: string, sequence: number, subject: string): Record<string, string> => ({
    ce_specversion: '1.0',
    ce_id: id,
    ce_type: type,
    ce_source: o.source,
    ce_time: time,
    ce_subject: subject,
    ce_sequence: String(sequence),
    'content-type': ids === null ? 'application/json' : 'application/avro',
    ...domainHeader,
  });
  const byRowSequence = [...rows].sort((a, b) => a.row.updated_sequence - b.row.updated_sequence);
  const chunks: CampaignChunk[] = [];
  let log: OutgoingMessage[] = [];
  let perIdentity: OutgoingMessage[] = [];
  let table: OutgoingMessage[] = [];
  let bytes = 0;
  let r = 0;
  const close = (through: number): void => {
    chunks.push({
      through,
      batches: [
        { topic: o.topics.events, messages: log },
        { topic: o.topics.assignments, messages: perIdentity },
        { topic: o.topics.table, messages: table },
      ],
    });
    log = [];
    perIdentity = [];
    table = [];
    bytes = 0;
  };
  const rowMessage = (p: PublishedRow): OutgoingMessage => ({
    key: p.row.uuid,
    value: ids === null ? Buffer.from(JSON.stringify(rowToWire(p))) : frame(ids.table, encodeCampaignRow(rowToWire(p))),
    headers: headers(`${p.row.uuid}@${p.row.updated_sequence}`, 'campaign.row', p.row.updated_at, p.row.updated_sequence, p.row.uuid),
  });
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const key = eventKey(e);
    const h = headers(e.event_id, e.type, e.time, e.sequence, key);
    // Which list each message joins: 0 events, 1 identity.campaign, 2 rows (the lists of the
    // chunk this event ends up in, decided below).
    const added: Array<[0 | 1 | 2, OutgoingMessage]> = [[0, { key, value: eventValue(e, ids?.events), headers: h }]];
    if (e.type === 'identity.campaign.assigned') {
      const id = assignmentKey(e.payload.identity_uuid, domain);
      added.push([1, { key: id, value: eventValue(e, ids?.assignments), headers: { ...h, ce_subject: id } }]);
    } else if (e.type === 'campaign.identity.removed') {
      const id = assignmentKey(e.payload.identity_uuid, domain);
      added.push([1, { key: id, value: null, headers: { ...h, ce_subject: id } }]);
    }
    // A row goes with the event of its last change (or the run's first event, if it changed before).
    const last = i === events.length - 1;
    while (r < byRowSequence.length && (byRowSequence[r].row.updated_sequence <= e.sequence || last)) {
      added.push([2, rowMessage(byRowSequence[r++])]);
    }
    const size = added.reduce((n, [, m]) => n + messageBytes(m), 0);
    if (bytes > 0 && bytes + size > maxBytes) close(events[i - 1].sequence);
    for (const [list, m] of added) (list === 0 ? log : list === 1 ? perIdentity : table).push(m);
    bytes += size;
  }
  if (bytes > 0 || events.length === 0) {
    // Rows alone (a run of no events): acknowledged together.
    while (r < byRowSequence.length) table.push(rowMessage(byRowSequence[r++]));
    close(events.length > 0 ? events[events.length - 1].sequence : 0);
  }
  return chunks;
}

export interface CampaignChunk {
  /** Sequence of its last event: once it is acknowledged, everything up to here is out. */
  readonly through: number;
  readonly batches: readonly TopicBatch[];
}

/** What a run is called in errors: `campaign events 41…80`, or `3 table rows`. */
export function describeRun(events: readonly CampaignEvent[], rows: readonly PublishedRow[]): string {
  const first = events[0]?.sequence;
  return first === undefined ? `${rows.length} table rows` : `campaign events ${first}…${first + events.length - 1}`;
}
