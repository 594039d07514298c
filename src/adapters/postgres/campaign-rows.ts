/**
 * CampaignRow ↔ `campaigns` row. A CampaignRow is already a JSON object whose keys are the
 * column names, so a whole batch of rows travels as ONE json parameter and
 * `json_populate_recordset` turns it into typed rows (JSON arrays into text[] / bigint[]): one
 * statement per batch instead of one round trip per row.
 */
import type { CampaignRow } from '../../domain/tables.ts';
import {
  CAMPAIGN_COLUMNS, campaignFromRecord, campaignToRecord, type CampaignRecord as SqlCampaignRecord, type ListCodec,
} from '../sql-rows.ts';
import type { TableNames } from './schema.ts';

/** A row as pg decodes it with this store's type parsers (bigint → number, arrays → arrays). */
export type CampaignRecord = SqlCampaignRecord<readonly string[], readonly number[]>;

// Lists go out inside the JSON parameter and come back as arrays: nothing to convert.
const asIs = <T>(v: T): T => v;
const ARRAYS: ListCodec<readonly string[], readonly number[]> = {
  encodeStrings: asIs, encodeNumbers: asIs, decodeStrings: asIs, decodeNumbers: asIs,
};

export const fromRecord = (r: CampaignRecord): CampaignRow => campaignFromRecord(r, ARRAYS);

/**
 * The rows as the upsert's one parameter. A uuid given twice keeps its last row: PostgreSQL
 * refuses an INSERT ... ON CONFLICT that would update the same row twice (21000).
 */
export function rowsParameter(rows: readonly CampaignRow[]): string {
  const last = new Map<string, CampaignRow>();
  for (const r of rows) last.set(r.uuid, r);
  return JSON.stringify([...last.values()].map((r) => campaignToRecord(r, ARRAYS)));
}

export const upsertSql = (t: TableNames): string => {
  const cols = CAMPAIGN_COLUMNS.join(', ');
  return `INSERT INTO ${t.campaigns} (${cols})
    SELECT ${cols} FROM json_populate_recordset(NULL::${t.campaigns}, $1::json)
    ON CONFLICT (uuid) DO UPDATE SET ${CAMPAIGN_COLUMNS.filter((c) => c !== 'uuid').map((c) => `${c} = excluded.${c}`).join(', ')}`;
};

export const selectAllSql = (t: TableNames): string =>
  `SELECT ${CAMPAIGN_COLUMNS.join(', ')} FROM ${t.campaigns} ORDER BY uuid COLLATE "C"`;
