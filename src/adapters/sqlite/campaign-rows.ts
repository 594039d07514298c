/** CampaignRow ↔ `campaigns` row. Arrays are stored as JSON text; they are already sorted. */
import type { CampaignRow, CampaignStatus } from '../../domain/tables.ts';

export interface CampaignRecord {
  uuid: string;
  status: string;
  merged_into: string | null;
  formed_at: string | null;
  formed_sequence: number | null;
  first_activity: string | null;
  last_activity: string | null;
  identity_count: number;
  members: string;
  payload_hashes: string;
  c2_endpoints: string;
  deckies: string;
  asns: string;
  confidence: number;
  updated_at: string;
  updated_sequence: number;
}

export const COLUMNS = [
  'uuid', 'status', 'merged_into', 'formed_at', 'formed_sequence', 'first_activity', 'last_activity',
  'identity_count', 'members', 'payload_hashes', 'c2_endpoints', 'deckies', 'asns', 'confidence',
  'updated_at', 'updated_sequence',
] as const;

export const toRecord = (r: CampaignRow): CampaignRecord => ({
  uuid: r.uuid,
  status: r.status,
  merged_into: r.merged_into,
  formed_at: r.formed_at,
  formed_sequence: r.formed_sequence,
  first_activity: r.first_activity,
  last_activity: r.last_activity,
  identity_count: r.identity_count,
  members: JSON.stringify(r.members),
  payload_hashes: JSON.stringify(r.payload_hashes),
  c2_endpoints: JSON.stringify(r.c2_endpoints),
  deckies: JSON.stringify(r.deckies),
  asns: JSON.stringify(r.asns),
  confidence: r.confidence,
  updated_at: r.updated_at,
  updated_sequence: r.updated_sequence,
});

export const fromRecord = (r: CampaignRecord): CampaignRow => ({
  uuid: r.uuid,
  status: r.status as CampaignStatus,
  merged_into: r.merged_into,
  formed_at: r.formed_at,
  formed_sequence: r.formed_sequence,
  first_activity: r.first_activity,
  last_activity: r.last_activity,
  identity_count: r.identity_count,
  members: JSON.parse(r.members) as string[],
  payload_hashes: JSON.parse(r.payload_hashes) as string[],
  c2_endpoints: JSON.parse(r.c2_endpoints) as string[],
  deckies: JSON.parse(r.deckies) as string[],
  asns: JSON.parse(r.asns) as number[],
  confidence: r.confidence,
  updated_at: r.updated_at,
  updated_sequence: r.updated_sequence,
});

export const UPSERT_SQL =
  `INSERT INTO campaigns (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => '@' + c).join(', ')})
   ON CONFLICT (uuid) DO UPDATE SET ${COLUMNS.filter((c) => c !== 'uuid').map((c) => `${c} = excluded.${c}`).join(', ')}`;
