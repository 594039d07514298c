/**
 * `/api/v1/campaigns…`: list, detail (following merges), identities, evidence, history and the
 * campaigns merged into one. Each request reads one view of the read model, so one response
 * describes one log sequence (returned as `sequence`) and never mixes two batches. With
 * `?as_of=` that view is the in-memory index of the log prefix the position selects
 * (prefix-indexes.ts), and `sequence` is where that prefix ends.
 *
 * Everything a campaign can make long is a page: its identities, edges, history and merged-in
 * campaigns. A response never holds more than its pages, whatever the campaign's size.
 */
import type { CampaignEventType } from '../../domain/campaign-events.ts';
import { SORT_KEYS, type CampaignView, type Order } from '../../ports/campaign-queries.ts';
import { notFound } from './errors.ts';
import { AS_OF, heavyWithAsOf, readAt } from './prefix-indexes.ts';
import { campaignUuid, MAX_SEARCH_LENGTH, Query } from './params.ts';
import { campaignResource, inDomain, edgeResource, identityResource } from './resources.ts';
import { json, type Route, type RouteContext } from './route-context.ts';

export const DEFAULT_PAGE_SIZE = 50;
/** The reference's offset bound (a signed 32-bit int). */
const MAX_OFFSET = 2 ** 31 - 1;
/**
 * Evidence edges per page unless `edges_limit` says otherwise, and the most it may say. 250: the
 * explorer draws at most 250 identities, from the strongest edges; a page of 1,000 was 280 KB
 * of JSON for the largest campaign, and the time to send it made the route's p99.
 */
export const DEFAULT_EDGE_PAGE = 250;
export const MAX_EDGE_PAGE = 10_000;
/**
 * Merged-in campaigns listed inline by the detail and evidence routes; the rest page through
 * `…/merged`. A campaign grown by merging singletons has one per identity (38,563 for the
 * largest campaign of the 1M-event benchmark store).
 */
export const MAX_LISTED_CAMPAIGNS = 100;

const ORDERS: readonly Order[] = ['asc', 'desc'];

/** History types an analyst reads by default; profile updates are opt-in (`types=`). */
const HISTORY_TYPES: readonly CampaignEventType[] = [
  'campaign.formed', 'campaign.identity.assigned', 'campaign.merged', 'campaign.unmerged', 'campaign.identity.removed', 'campaign.labelled',
];
const HISTORY_TYPES_ALL: readonly CampaignEventType[] = [...HISTORY_TYPES, 'campaign.profile.updated'];

function page(q: Query, maxPageSize: number, prefix = ''): { limit: number; offset: number } {
  return {
    limit: q.int(`${prefix}limit`, { min: 1, max: maxPageSize, default: prefix === '' ? DEFAULT_PAGE_SIZE : DEFAULT_EDGE_PAGE }),
    offset: q.int(`${prefix}offset`, { min: 0, max: MAX_OFFSET, default: 0 }),
  };
}

/** The requested campaign (404 if the log never named it) and the live one it resolves to. */
async function resolve(view: CampaignView, raw: string): Promise<{ requested: string; canonical: string }> {
  const requested = campaignUuid(raw);
  if ((await view.campaign(requested)) === undefined) throw notFound('Campaign not found');
  return { requested, canonical: await view.canonical(requested) };
}

/** Routes that read a page of one campaign: light over an indexed read model, heavy over an index in memory. */
const heavyUnlessIndexed = (url: URL, indexed: boolean): boolean => !indexed || heavyWithAsOf(url);

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
    return readAt(q, ctx, async (view) => {
      const { total, data } = await view.list({ limit, offset, sort, order, q: search });
      return json({
        total, limit, offset, sequence: view.sequence,
        data: data.map((i) => {
          const c = inDomain(campaignResource(i.row), domain);
          return search === undefined ? c : { ...c, matches: i.matches };
        }),
      });
    });
  },
};

export const detailRoute: Route = {
  perDomain: true,
  heavy: heavyWithAsOf,
  async handle(ctx: RouteContext) {
    const { url, params } = ctx;
    return readAt(new Query(url, [AS_OF]), ctx, async (view) => {
      const { requested, canonical } = await resolve(view, params.uuid);
      const row = (await view.campaign(canonical))!;
      const merged = await view.mergedIn(canonical, { limit: MAX_LISTED_CAMPAIGNS, offset: 0 });
      return json({
        ...campaignResource(row),
        // Ours counts the live members of the campaign and of everything merged into it: the
        // reference's count missed the identities of merged-in campaigns (REFERENCE §8).
        identity_count_live: row.identity_count,
        requested_uuid: requested,
        merge_path: await view.mergePath(requested),
        merged_in: merged.data,
        merged_in_total: merged.total,
        sequence: view.sequence,
      });
    });
  },
};

export const mergedRoute: Route = {
  perDomain: true,
  heavy: heavyWithAsOf,
  async handle(ctx: RouteContext) {
    const { url, params, limits } = ctx;
    const q = new Query(url, ['limit', 'offset', AS_OF]);
    const { limit, offset } = page(q, limits.maxPageSize);
    return readAt(q, ctx, async (view) => {
      const { requested, canonical } = await resolve(view, params.uuid);
      const { total, data } = await view.mergedIn(canonical, { limit, offset });
      return json({ uuid: canonical, requested_uuid: requested, sequence: view.sequence, total, limit, offset, data });
    });
  },
};

export const identitiesRoute: Route = {
  perDomain: true,
  heavy: heavyUnlessIndexed,
  async handle(ctx: RouteContext) {
    const { url, params, limits } = ctx;
    const q = new Query(url, ['limit', 'offset', AS_OF]);
    const { limit, offset } = page(q, limits.maxPageSize);
    return readAt(q, ctx, async (view) => {
      const { canonical } = await resolve(view, params.uuid);
      // All live members, those of merged-in campaigns included (the reference left them out).
      const { total, data } = await view.members(canonical, { limit, offset });
      return json({
        total, limit, offset, uuid: canonical, sequence: view.sequence,
        data: data.map((m) => identityResource(m.facts, m.campaign, canonical)),
      });
    });
  },
};

export const evidenceRoute: Route = {
  perDomain: true,
  heavy: heavyUnlessIndexed,
  async handle(ctx: RouteContext) {
    const { url, params, limits } = ctx;
    const q = new Query(url, ['limit', 'offset', 'types', 'edges_limit', 'edges_offset', AS_OF]);
    const { limit, offset } = page(q, limits.maxPageSize);
    const edgePage = page(q, MAX_EDGE_PAGE, 'edges_');
    const types = q.subset('types', HISTORY_TYPES_ALL, HISTORY_TYPES);
    return readAt(q, ctx, async (view) => {
      const { requested, canonical } = await resolve(view, params.uuid);
      const merged = await view.mergedIn(canonical, { limit: MAX_LISTED_CAMPAIGNS - 1, offset: 0 });
      const members = await view.members(canonical, { limit: 0, offset: 0 });
      const edges = await view.edges(canonical, edgePage);
      const history = await view.history(canonical, types, { limit, offset });
      return json({
        uuid: canonical,
        requested_uuid: requested,
        sequence: view.sequence,
        campaigns: [canonical, ...merged.data],
        campaigns_total: merged.total + 1,
        members: members.total,
        by_family: await view.families(canonical),
        edges: {
          total: edges.total,
          truncated: edgePage.offset + edges.data.length < edges.total,
          limit: edgePage.limit,
          offset: edgePage.offset,
          data: edges.data.map(edgeResource),
        },
        history: { total: history.total, limit, offset, data: history.data },
      });
    });
  },
};

export const historyRoute: Route = {
  perDomain: true,
  heavy: heavyUnlessIndexed,
  async handle(ctx: RouteContext) {
    const { url, params, limits } = ctx;
    const q = new Query(url, ['limit', 'offset', 'types', AS_OF]);
    const { limit, offset } = page(q, limits.maxPageSize);
    const types = q.subset('types', HISTORY_TYPES_ALL, HISTORY_TYPES);
    return readAt(q, ctx, async (view) => {
      const { requested, canonical } = await resolve(view, params.uuid);
      const { total, data } = await view.history(canonical, types, { limit, offset });
      return json({ uuid: canonical, requested_uuid: requested, sequence: view.sequence, total, limit, offset, data });
    });
  },
};
