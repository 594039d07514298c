/**
 * CampaignRow ↔ `campaigns` row. A CampaignRow is already a JSON object whose keys are the
 * column names, so a whole batch of rows travels as ONE json parameter and
 * `json_populate_recordset` turns it into typed rows (JSON arrays into text[] / bigint[]): one
 * statement per batch instead of one round trip per row.
 */
import type { CampaignRow, CampaignStatus } from '../../domain/tables.ts';
import type { TableNames } from './schema.ts';

export const COLUMNS = [
  'uuid', 'status', 'merged_into', 'formed_at', 'formed_sequence', 'first_activity', 'last_activity',
  'identity_count', 'members', 'payload_hashes', 'c2_endpoints', 'deckies', 'asns', 'confidence',
  'updated_at', 'updated_sequence',
] as const;

/** A row as pg decodes it with this store's type parsers (bigint → number, arrays → arrays). */
export interface CampaignRecord {
  uuid: string;
  status: string;
  merged_into: string | null;
  formed_at: string | null;
  formed_sequence: number | null;
  first_activity: string | null;
  last_activity: string | null;
  identity_count: number;
  members: string[];
  payload_hashes: string[];
  c2_endpoints: string[];
  deckies: string[];
  asns: number[];
  confidence: number;
  updated_at: string;
  updated_sequence: number;
}

export const fromRecord = (r: CampaignRecord): CampaignRow => ({
  uuid: r.uuid,
  status: r.status as CampaignStatus,
  merged_into: r.merged_into,
  formed_at: r.formed_at,
  formed_sequence: r.formed_sequence,
  first_activity: r.first_activity,
  last_activity: r.last_activity,
  identity_count: r.identity_count,
  members: r.members,
  payload_hashes: r.payload_hashes,
  c2_endpoints: r.c2_endpoints,
  deckies: r.deckies,
  asns: r.asns,
  confidence: r.confidence,
  updated_at: r.updated_at,
  updated_sequence: r.updated_sequence,
});

/**
 * The rows as the upsert's one parameter. A uuid given twice keeps its last row: PostgreSQL
 * refuses an INSERT ... ON CONFLICT that would update the same row twice (21000).
 */
export function rowsParameter(rows: readonly CampaignRow[]): string {
  const last = new Map<string, CampaignRow>();
  for (const r of rows) last.set(r.uuid, r);
  return JSON.stringify([...last.values()].map((r) => Object.fromEntries(COLUMNS.map((c) => [c, r[c]]))));
}

export const upsertSql = (t: TableNames): string => {
  const cols = COLUMNS.join(', ');
  return `INSERT INTO ${t.campaigns} (${cols})
    SELECT ${cols} FROM json_populate_recordset(NULL::${t.campaigns}, $1::json)
    ON CONFLICT (uuid) DO UPDATE SET ${COLUMNS.filter((c) => c !== 'uuid').map((c) => `${c} = excluded.${c}`).join(', ')}`;
};

export const selectAllSql = (t: TableNames): string => `SELECT ${COLUMNS.join(', ')} FROM ${t.campaigns} ORDER BY uuid COLLATE "C"`;
