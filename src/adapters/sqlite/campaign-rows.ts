/** CampaignRow ↔ `campaigns` row. Arrays are stored as JSON text; they are already sorted. */
import type { CampaignRow } from '../../domain/tables.ts';
import {
  CAMPAIGN_COLUMNS, campaignFromRecord, campaignToRecord, type CampaignRecord as SqlCampaignRecord, type ListCodec,
} from '../sql-rows.ts';

export type CampaignRecord = SqlCampaignRecord<string, string>;

const JSON_LISTS: ListCodec<string, string> = {
  encodeStrings: (v) => JSON.stringify(v),
  encodeNumbers: (v) => JSON.stringify(v),
  decodeStrings: (v) => JSON.parse(v) as string[],
  decodeNumbers: (v) => JSON.parse(v) as number[],
};

export const toRecord = (r: CampaignRow): CampaignRecord => campaignToRecord(r, JSON_LISTS);

export const fromRecord = (r: CampaignRecord): CampaignRow => campaignFromRecord(r, JSON_LISTS);

export const UPSERT_SQL =
  `INSERT INTO campaigns (${CAMPAIGN_COLUMNS.join(', ')}) VALUES (${CAMPAIGN_COLUMNS.map((c) => '@' + c).join(', ')})
   ON CONFLICT (uuid) DO UPDATE SET ${CAMPAIGN_COLUMNS.filter((c) => c !== 'uuid').map((c) => `${c} = excluded.${c}`).join(', ')}`;
