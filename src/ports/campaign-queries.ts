/**
 * What the query surface (HTTP API, event stream, metrics) asks of a domain's campaigns, at one
 * log position. Two implementations give the same answers for the same log, to the byte
 * (test/contract/read-model-contract.ts runs every route against both):
 *
 * - the in-memory index of the log (adapters/http/log-index.ts): for tests, for `?as_of=`
 *   prefixes and for `serve --read-model memory`; it holds the whole log's index in memory;
 * - the store's read model (adapters/sqlite/read-model*.ts, adapters/postgres/read-model*.ts):
 *   indexed tables a follower keeps in step with the log, so a query costs what it returns.
 *
 * Everything a campaign can make long (members, edges, history, merged-in campaigns, search
 * hits) comes back a page at a time with its total; nothing here returns a whole campaign.
 * The orders are part of the contract: identity ids in code point order (domain/code-point-order.ts),
 * campaigns by the list's sort key and then uuid.
 */
import type { BatchRange, CampaignEvent, CampaignEventType, EdgeEvidence, RemovalReason } from '../domain/campaign-events.ts';
import type { Family, FamilySummary } from '../domain/evidence-summary.ts';
import type { CampaignCounts, CampaignRow } from '../domain/tables.ts';

/** One event as a history line: the envelope and payload, without the evidence list. */
export interface HistoryEntry {
  readonly sequence: number;
  readonly event_id: string;
  readonly type: CampaignEventType;
  readonly time: string;
  readonly batch: BatchRange;
  readonly payload: CampaignEvent['payload'];
  readonly evidence_count: number;
}

/** The history line of an event, as both implementations build it. */
export const historyEntry = (ev: CampaignEvent): HistoryEntry => ({
  sequence: ev.sequence, event_id: ev.event_id, type: ev.type, time: ev.time, batch: ev.batch,
  payload: ev.payload, evidence_count: ev.evidence.length,
});

/** An evidence edge with the event that last carried it (its scores are as of that event). */
export interface IndexedEdge extends EdgeEvidence {
  readonly sequence: number;
  readonly time: string;
}

export interface IdentityFacts {
  readonly uuid: string;
  /** First and last event that named the identity (as member, mover or leaver). */
  readonly first_sequence: number;
  readonly first_time: string;
  readonly last_sequence: number;
  readonly last_time: string;
  /** The event that put it into the campaign it is literally assigned to now. */
  readonly joined_sequence: number | null;
  readonly joined_time: string | null;
  readonly removed: { readonly reason: RemovalReason; readonly sequence: number; readonly time: string } | null;
}

/** A campaign row as the API shows it: the fold's row without its literal member list. */
export type CampaignSummary = Omit<CampaignRow, 'members'>;

export interface PageRequest {
  readonly limit: number;
  readonly offset: number;
}

export interface Page<T> {
  readonly total: number;
  readonly data: readonly T[];
}

export const SORT_KEYS = [
  'updated_at', 'created_at', 'first_seen_at', 'last_seen_at', 'identity_count', 'confidence', 'uuid',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type Order = 'asc' | 'desc';

export type MatchField = 'uuid' | 'identity' | 'payload_hash' | 'c2_endpoint';
export interface SearchMatch {
  readonly field: MatchField;
  readonly value: string;
}

export interface ListQuery extends PageRequest {
  readonly sort: SortKey;
  readonly order: Order;
  readonly q?: string;
}

export interface ListedCampaign {
  readonly row: CampaignSummary;
  /** Why it matched the search (at most MAX_MATCHES_SHOWN values); empty without a search. */
  readonly matches: readonly SearchMatch[];
}

/** A live member of a campaign: its facts and the campaign it is literally assigned to. */
export interface Member {
  readonly facts: IdentityFacts;
  readonly campaign: string;
}

export interface IdentityState {
  readonly facts: IdentityFacts;
  /** The campaign it is literally assigned to, and that campaign's live one; null once removed. */
  readonly campaign: string | null;
  readonly canonical: string | null;
}

/** What the metrics report about a domain's read model. */
export interface ReadModelStats {
  readonly sequence: number;
  readonly typeCounts: ReadonlyMap<CampaignEventType, number>;
  readonly campaigns: CampaignCounts;
  /** Identities assigned to a campaign. */
  readonly identities: number;
}

/** The campaigns at one log position. Every method answers for that position only. */
export interface CampaignView {
  /** Sequence of the last event the answers reflect; 0 for an empty log. */
  readonly sequence: number;
  /** Any campaign the log has named (merged ones too). */
  campaign(uuid: string): Promise<CampaignSummary | undefined>;
  /** The live campaign `uuid` resolves to (itself when live); `uuid` must name a campaign. */
  canonical(uuid: string): Promise<string>;
  /** `uuid`, then each campaign its merge pointer leads to, ending at the live one. */
  mergePath(uuid: string): Promise<string[]>;
  /** Campaigns merged into a live campaign, transitively, by uuid. */
  mergedIn(canonical: string, page: PageRequest): Promise<Page<string>>;
  /** Live campaigns, filtered by the search, sorted, paged. */
  list(query: ListQuery): Promise<Page<ListedCampaign>>;
  /** Live members of a live campaign and of those merged into it: last named first, then id. */
  members(canonical: string, page: PageRequest): Promise<Page<Member>>;
  /** Latest evidence edges with both ends among those members: strongest first, then ends. */
  edges(canonical: string, page: PageRequest): Promise<Page<IndexedEdge>>;
  /** The per-family summary of all of those edges. */
  families(canonical: string): Promise<Record<Family, FamilySummary>>;
  /** Events naming the campaign or one merged into it, of these types, by sequence. */
  history(canonical: string, types: readonly CampaignEventType[], page: PageRequest): Promise<Page<HistoryEntry>>;
  identity(uuid: string): Promise<IdentityState | undefined>;
  /** Every latest edge naming the identity (an identity's edges are few: not paged). */
  identityEdges(uuid: string): Promise<IndexedEdge[]>;
  /** Events naming the identity, by sequence. */
  identityHistory(uuid: string): Promise<HistoryEntry[]>;
  /** Every live campaign with at least `minIdentities` live identities, by uuid (the STIX export). */
  liveCampaigns(minIdentities: number): Promise<CampaignSummary[]>;
  stats(): Promise<ReadModelStats>;
}

export interface CampaignReadModel {
  /** Runs `fn` against one consistent state: the view never changes while `fn` runs. */
  read<T>(fn: (view: CampaignView) => Promise<T>): Promise<T>;
}

/** A read model a follower keeps in step with the log (log-follower.ts). */
export interface FollowedReadModel extends CampaignReadModel {
  /** Sequence of the last event applied (after `open`, and after each `apply`). */
  readonly sequence: number;
  /**
   * Applies the next events of the log: whole batches, starting right after `sequence`.
   * Atomic: a reader sees all of them or none.
   */
  apply(events: readonly CampaignEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** At most this many matched values are shown per listed campaign. */
export const MAX_MATCHES_SHOWN = 3;

/**
 * Search needles shorter than this (in code points) match nothing: a trigram index cannot look
 * them up, and they would match most campaigns anyway.
 */
export const MIN_SEARCH_CODE_POINTS = 3;

/** The lower-cased needle, or null when it is too short to search. */
export function searchNeedle(q: string): string | null {
  const n = q.toLowerCase();
  return [...n].length < MIN_SEARCH_CODE_POINTS ? null : n;
}
