/**
 * The Publisher port on Kafka:
 *
 * - every campaign event → `campaign.events`, key = the campaign it is about (the winner of a
 *   merge, the resurrected campaign of an unmerge), so one campaign's events stay in order;
 * - `identity.campaign.assigned` also → `identity.campaign`, key = identity uuid; an identity
 *   that leaves every campaign (`campaign.identity.removed`) gets a tombstone there, so the
 *   compacted topic holds exactly the current assignment of every active identity;
 * - changed rows → the compacted `campaign.table`, key = campaign uuid.
 *
 * Values are Avro in the Confluent framing when a registry is configured (schemas registered
 * under `<topic>-value` at start), JSON otherwise. Headers follow the CloudEvents Kafka binding
 * (`ce_id` = the event's deterministic id, which is what subscribers de-duplicate on).
 */
import { encodeCampaignEvent, encodeCampaignRow, type CampaignRowWire } from '../avro/codec.ts';
import { SCHEMA_JSON, valueSubject } from '../avro/schemas.ts';
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import type { Publisher, PublishedRow } from '../../ports/publisher.ts';
import type { MessageSender, OutgoingMessage, TopicBatch } from './producer.ts';
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
 * Most identities per member list in a row message. A row is republished whenever its campaign
 * changes, and a campaign of 150k identities would put 6 MB on the compacted topic per batch
 * that touches it, then outgrow the topic's 8 MiB message limit and stop the relay. Past this,
 * the lists hold their first (sorted) identities and say so; `identity_count` stays exact, and
 * the compacted identity topic carries every assignment.
 */
export const MAX_ROW_MEMBERS = 10_000;

const capped = (ids: readonly string[]): readonly string[] => (ids.length > MAX_ROW_MEMBERS ? ids.slice(0, MAX_ROW_MEMBERS) : ids);

export const rowToWire = ({ row, merged_members }: PublishedRow): CampaignRowWire => ({
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
});

export interface CampaignPublisherOptions {
  readonly topics: Pick<TopicNames, 'events' | 'assignments' | 'table'>;
  /** `ce_source`. */
  readonly source: string;
  /** Avro through the registry when given; JSON values otherwise. */
  readonly registry: SchemaRegistryClient | null;
}

interface SchemaIds {
  readonly events: number;
  readonly assignments: number;
  readonly table: number;
}

export class KafkaCampaignPublisher implements Publisher {
  private constructor(
    private readonly sender: MessageSender,
    private readonly o: CampaignPublisherOptions,
    private readonly ids: SchemaIds | null,
  ) {}

  /** Registers the output schemas (retriable errors while the registry is down). */
  static async create(sender: MessageSender, o: CampaignPublisherOptions): Promise<KafkaCampaignPublisher> {
    let ids: SchemaIds | null = null;
    if (o.registry !== null) {
      ids = {
        events: await o.registry.register(valueSubject(o.topics.events), SCHEMA_JSON.campaignEvent),
        assignments: await o.registry.register(valueSubject(o.topics.assignments), SCHEMA_JSON.campaignEvent),
        table: await o.registry.register(valueSubject(o.topics.table), SCHEMA_JSON.campaignRow),
      };
    }
    return new KafkaCampaignPublisher(sender, o, ids);
  }

  private eventValue(e: CampaignEvent, schemaId: number | undefined): Buffer {
    return schemaId === undefined ? Buffer.from(JSON.stringify(e)) : frame(schemaId, encodeCampaignEvent(e));
  }

  private headers(id: string, type: string, time: string, sequence: number, subject: string): Record<string, string> {
    return {
      ce_specversion: '1.0',
      ce_id: id,
      ce_type: type,
      ce_source: this.o.source,
      ce_time: time,
      ce_subject: subject,
      ce_sequence: String(sequence),
      'content-type': this.ids === null ? 'application/json' : 'application/avro',
    };
  }

  async publish(events: readonly CampaignEvent[], rows: readonly PublishedRow[]): Promise<void> {
    const log: OutgoingMessage[] = [];
    const perIdentity: OutgoingMessage[] = [];
    for (const e of events) {
      const key = eventKey(e);
      const headers = this.headers(e.event_id, e.type, e.time, e.sequence, key);
      log.push({ key, value: this.eventValue(e, this.ids?.events), headers });
      if (e.type === 'identity.campaign.assigned') {
        const id = e.payload.identity_uuid;
        perIdentity.push({ key: id, value: this.eventValue(e, this.ids?.assignments), headers: { ...headers, ce_subject: id } });
      } else if (e.type === 'campaign.identity.removed') {
        const id = e.payload.identity_uuid;
        perIdentity.push({ key: id, value: null, headers: { ...headers, ce_subject: id } });
      }
    }
    const table: OutgoingMessage[] = rows.map((r) => ({
      key: r.row.uuid,
      value: this.ids === null ? Buffer.from(JSON.stringify(rowToWire(r))) : frame(this.ids.table, encodeCampaignRow(rowToWire(r))),
      headers: this.headers(`${r.row.uuid}@${r.row.updated_sequence}`, 'campaign.row', r.row.updated_at, r.row.updated_sequence, r.row.uuid),
    }));
    const batches: TopicBatch[] = [
      { topic: this.o.topics.events, messages: log },
      { topic: this.o.topics.assignments, messages: perIdentity },
      { topic: this.o.topics.table, messages: table },
    ];
    const first = events[0]?.sequence;
    await this.sender.send(batches, first === undefined ? `${rows.length} table rows` : `campaign events ${first}…${first + events.length - 1}`);
  }

  async close(): Promise<void> {
    // The sender is shared (dead letters use it too): its owner closes it.
  }
}
