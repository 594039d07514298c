/**
 * `GET /api/v1/export/stix`: the live campaigns of a domain as a STIX 2.1 bundle, the one
 * `campaigns export stix` prints for the same tables (adapters/stix/bundle.ts). The body is
 * the bundle alone, as platforms expect it; the log position it describes is in a header.
 * Heavy: it walks every live campaign.
 */
import { buildStixBundle } from '../stix/bundle.ts';
import { Query } from './params.ts';
import { AS_OF, readAt } from './prefix-indexes.ts';
import type { Reply, Route, RouteContext } from './route-context.ts';

/** The STIX 2.1 media type (STIX 2.1 §1.6, as TAXII 2.1 serves it). */
export const STIX_CONTENT_TYPE = 'application/stix+json;version=2.1';

/** The last campaign event the bundle reflects: what `as_of` reproduces it with. */
export const SEQUENCE_HEADER = 'X-Log-Sequence';

export const stixRoute: Route = {
  perDomain: true,
  heavy: true,
  handle(ctx: RouteContext): Promise<Reply> {
    const q = new Query(ctx.url, [AS_OF, 'min_identities']);
    const minIdentities = q.int('min_identities', { min: 1, max: 2 ** 31 - 1, default: 1 });
    return readAt(q, ctx, async (view) => {
      const rows = await view.liveCampaigns(minIdentities);
      const { bundle } = buildStixBundle(rows.map((row) => ({ row, domain: ctx.domain })), { minIdentities });
      return {
        kind: 'body', body: JSON.stringify(bundle), contentType: STIX_CONTENT_TYPE,
        headers: { [SEQUENCE_HEADER]: String(view.sequence) },
      };
    });
  },
};
