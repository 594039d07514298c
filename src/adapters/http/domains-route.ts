/**
 * `GET /api/v1/domains`: the clustering domains the server answers for, the default first, each
 * with its index's log sequence and campaign counts, so a client (the explorer's domain
 * selector) knows what `?domain=` may name. It looks for domains created since the last look
 * first (served-domains.ts).
 */
import { Query } from './params.ts';
import { json, type Route, type RouteContext } from './route-context.ts';

export const domainsRoute: Route = {
  async handle({ url, domains }: RouteContext) {
    new Query(url, []);
    await domains.discover();
    return json({
      data: await Promise.all(domains.list().map((d) => d.follower.model.read(async (view) => {
        const { campaigns } = await view.stats();
        return {
          name: d.name,
          default: d.isDefault,
          sequence: view.sequence,
          // What the domain's `/campaigns` lists as `total` (live: not merged into another).
          campaigns: campaigns.active + campaigns.empty,
          campaigns_active: campaigns.active,
        };
      }))),
    });
  },
};
