/**
 * Rows of a read model's tables as both stores return them (SQLite and PostgreSQL keep the same
 * columns, lists as JSON text), and their conversion to what the query port answers. One copy:
 * a column added to one store's model and not the other's would make their answers differ,
 * which the read model contract test would catch only for the routes it walks.
 */
import type { StoredRow } from '../domain/tables.ts';
import type { CampaignSummary, IdentityFacts, IndexedEdge, SORT_KEYS } from '../ports/campaign-queries.ts';

export interface CampaignRecord {
  cid: number; uuid: string; root: number | null; parent: number | null; status: string; merged_into: string | null;
  formed_at: string | null; formed_sequence: number | null; first_activity: string | null; last_activity: string | null;
  identity_count: number; member_count: number; payload_hashes: string; c2_endpoints: string; deckies: string; asns: string;
  confidence: number; updated_at: string; updated_sequence: number;
}

/** Keys in the fold's order (domain/tables.ts), so a row read back serialises as the fold's does. */
export const storedRowFromRecord = (r: CampaignRecord): StoredRow => ({
  uuid: r.uuid,
  status: r.status as StoredRow['status'],
  merged_into: r.merged_into,
  formed_at: r.formed_at,
  formed_sequence: r.formed_sequence,
  first_activity: r.first_activity,
  last_activity: r.last_activity,
  identity_count: r.identity_count,
  payload_hashes: JSON.parse(r.payload_hashes) as string[],
  c2_endpoints: JSON.parse(r.c2_endpoints) as string[],
  deckies: JSON.parse(r.deckies) as string[],
  asns: JSON.parse(r.asns) as number[],
  confidence: r.confidence,
  updated_at: r.updated_at,
  updated_sequence: r.updated_sequence,
  member_count: r.member_count,
});

export const summaryFromRecord = (r: CampaignRecord): CampaignSummary => {
  const { member_count: _count, ...row } = storedRowFromRecord(r);
  return row;
};

export interface IdentityRecord {
  uuid: string; campaign: number | null; root: number | null; first_sequence: number; first_time: string;
  last_sequence: number; last_time: string; joined_sequence: number | null; joined_time: string | null;
  removed_reason: string | null; removed_sequence: number | null; removed_time: string | null;
}

export const factsFromRecord = (r: IdentityRecord): IdentityFacts => ({
  uuid: r.uuid,
  first_sequence: r.first_sequence,
  first_time: r.first_time,
  last_sequence: r.last_sequence,
  last_time: r.last_time,
  joined_sequence: r.joined_sequence,
  joined_time: r.joined_time,
  removed: r.removed_reason === null
    ? null
    : { reason: r.removed_reason as NonNullable<IdentityFacts['removed']>['reason'], sequence: r.removed_sequence!, time: r.removed_time! },
});

/** An edge as the queries read it: the evidence as carried, and the event that carried it last. */
export interface EdgeRecord {
  body: string;
  sequence: number;
  time: string;
}

export const edgeFromRecord = (r: EdgeRecord): IndexedEdge => ({ ...JSON.parse(r.body), sequence: r.sequence, time: r.time });

/** The column each list sort reads. */
export const SORT_COLUMN = {
  updated_at: 'updated_sequence', created_at: 'formed_sequence', first_seen_at: 'first_activity', last_seen_at: 'last_activity',
  identity_count: 'identity_count', confidence: 'confidence', uuid: 'uuid',
} as const satisfies Record<(typeof SORT_KEYS)[number], string>;
