/**
 * Deterministic ids. Campaign ids are UUIDv5 under a fixed project namespace of
 * "<founder identity>#<n>", where n counts the campaigns that identity founded before; event ids
 * are UUIDv5 of the event's log sequence and type. Never random: replay must reproduce them.
 */
import { v5 as uuidv5 } from 'uuid';

/** UUIDv5 namespace of campaign-stream (itself UUIDv5 of the URL namespace and "campaign-stream"). */
export const CAMPAIGN_STREAM_NAMESPACE = uuidv5('campaign-stream', uuidv5.URL);

export const campaignId = (founder: string, n: number): string =>
  uuidv5(`${founder}#${n}`, CAMPAIGN_STREAM_NAMESPACE);

export const eventId = (sequence: number, type: string): string =>
  uuidv5(`event:${sequence}:${type}`, CAMPAIGN_STREAM_NAMESPACE);
