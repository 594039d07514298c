/**
 * `/api/v1/campaigns…`: list, detail (following merges), identities, evidence. Every read is
 * synchronous over one in-memory index, so one response describes one log sequence (returned
 * as `sequence`) and never mixes two batches. With `?as_of=` that index is the one of the log
 * prefix the position selects (prefix-indexes.ts), and `sequence` is where that prefix ends.
 */
import type { CampaignEventType } from '../../domain/campaign-events.ts';
import { listCampaigns, SORT_KEYS, type Order } from './campaign-queries.ts';
import { notFound } from './errors.ts';
import type { LogIndex } from './log-index.ts';
import { AS_OF, heavyWithAsOf, indexFor } from './prefix-indexes.ts';
import { campaignUuid, MAX_SEARCH_LENGTH, Query } from './params.ts';
import {
  byWeight, campaignResource, inDomain, edgeResource, familySummary, identityResource, type IdentityResource,
} from './resources.ts';
import { json, type Route, type RouteContext } from './route-context.ts';

export const DEFAULT_PAGE_SIZE = 50;
/** The reference's offset bound (a signed 32-bit int). */
const MAX_OFFSET = 2 ** 31 - 1;
/** Edges returned by the evidence route; the strongest are kept (a 10,000-member campaign). */
export const MAX_EVIDENCE_EDGES = 10_000;

const ORDERS: readonly Order[] = ['asc', 'desc'];

/** History types an analyst reads by default; profile updates are opt-in (`types=`). */
const HISTORY_TYPES: readonly CampaignEventType[] = [
  'campaign.formed', 'campaign.identity.assigned', 'campaign.merged', 'campaign.unmerged', 'campaign.identity.removed', 'campaign.labelled',
];
const HISTORY_TYPES_ALL: readonly CampaignEventType[] = [...HISTORY_TYPES, 'campaign.profile.updated'];

function page(q: Query, maxPageSize: number): { limit: number; offset: number } {
  return {
    limit: q.int('limit', { min: 1, max: maxPageSize, default: DEFAULT_PAGE_SIZE }),
    offset: q.int('offset', { min: 0, max: MAX_OFFSET, default: 0 }),
  };
}

/** The requested campaign (404 if the log never named it) and the live one it resolves to. */
function resolve(index: LogIndex, raw: string): { requested: string; canonical: string } {
  const requested = campaignUuid(raw);
  if (!index.has(requested)) throw notFound('Campaign not found');
  return { requested, canonical: index.canonical(requested) };
}

export const listRoute: Route = {
  perDomain: true,
  heavy: heavyWithAsOf,
  async handle(ctx: RouteContext) {
    const { url, limits, domain } = ctx;
    const q = new Query(url, ['limit', 'offset', 'sort', 'order', 'q', AS_OF]);
    const { limit, offset } = page(q, limits.maxPageSize);
    const sort = q.oneOf('sort', SORT_KEYS, 'updated_at');
    const order = q.oneOf('order', ORDERS, 'desc');
    const search = q.text('q', MAX_SEARCH_LENGTH);
    const index = await indexFor(q, ctx);
    const { total, items } = listCampaigns(index, { limit, offset, sort, order, q: search });
    return json({
      total, limit, offset, sequence: index.sequence,
      data: items.map((i) => {
        const c = inDomain(campaignResource(i.row), domain);
        return search === undefined ? c : { ...c, matches: i.matches };
      }),
    });
  },
};

export const detailRoute: Route = {
  perDomain: true,
  heavy: heavyWithAsOf,
  async handle(ctx: RouteContext) {
    const { url, params } = ctx;
    const index = await indexFor(new Query(url, [AS_OF]), ctx);
    const { requested, canonical } = resolve(index, params.uuid);
    const row = index.row(canonical)!;
    return json({
      ...campaignResource(row),
      // Ours counts the live members of the campaign and of everything merged into it: the
      // reference's count missed the identities of merged-in campaigns (REFERENCE §8).
      identity_count_live: row.identity_count,
      requested_uuid: requested,
      merge_path: index.mergePath(requested),
      merged_in: index.subtree(canonical).filter((c) => c !== canonical),
      sequence: index.sequence,
    });
  },
};

export const identitiesRoute: Route = {
  perDomain: true,
  heavy: true,
  async handle(ctx: RouteContext) {
    const { url, params, limits } = ctx;
    const q = new Query(url, ['limit', 'offset', AS_OF]);
    const { limit, offset } = page(q, limits.maxPageSize);
    const index = await indexFor(q, ctx);
    const { canonical } = resolve(index, params.uuid);
    // All live members, those of merged-in campaigns included (the reference left them out).
    const rows: IdentityResource[] = index.members(canonical).map((u) =>
      identityResource(index.identity(u)!, index.literalCampaignOf(u), canonical));
    rows.sort((a, b) => b.updated_sequence - a.updated_sequence || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
    return json({ total: rows.length, limit, offset, uuid: canonical, sequence: index.sequence, data: rows.slice(offset, offset + limit) });
  },
};

export const evidenceRoute: Route = {
  perDomain: true,
  heavy: true,
  async handle(ctx: RouteContext) {
    const { url, params, limits } = ctx;
    const q = new Query(url, ['limit', 'offset', 'types', AS_OF]);
    const { limit, offset } = page(q, limits.maxPageSize);
    const types = new Set(q.subset('types', HISTORY_TYPES_ALL, HISTORY_TYPES));
    const index = await indexFor(q, ctx);
    const { requested, canonical } = resolve(index, params.uuid);
    const campaigns = index.subtree(canonical);
    const members = index.members(canonical);
    const edges = index.edgesWithin(members).sort(byWeight);
    const history = index.campaignHistory(campaigns).filter((h) => types.has(h.type));
    return json({
      uuid: canonical,
      requested_uuid: requested,
      sequence: index.sequence,
      campaigns,
      members: members.length,
      by_family: familySummary(edges),
      edges: {
        total: edges.length,
        truncated: edges.length > MAX_EVIDENCE_EDGES,
        data: edges.slice(0, MAX_EVIDENCE_EDGES).map(edgeResource),
      },
      history: { total: history.length, limit, offset, data: history.slice(offset, offset + limit) },
    });
  },
};
