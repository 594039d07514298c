/**
 * `GET /api/v1/export/stix`: the live campaigns of a domain as a STIX 2.1 bundle, the one
 * `campaigns export stix` prints for the same tables (adapters/stix/bundle.ts), named by the
 * analyst labels standing at the same log position. The body is
 * the bundle alone, as platforms expect it; the log position it describes is in a header.
 * Heavy: it walks every live campaign.
 */
import type { EventLog } from '../../ports/event-log.ts';
import { LabelScan, type Labels } from '../../pipeline/label-scan.ts';
import { buildStixBundle, stixLabel } from '../stix/bundle.ts';
import { Query } from './params.ts';
import { AS_OF, readAt } from './prefix-indexes.ts';
import type { Reply, Route, RouteContext } from './route-context.ts';

/** The STIX 2.1 media type (STIX 2.1 §1.6, as TAXII 2.1 serves it). */
export const STIX_CONTENT_TYPE = 'application/stix+json;version=2.1';

/** The last campaign event the bundle reflects: what `as_of` reproduces it with. */
export const SEQUENCE_HEADER = 'X-Log-Sequence';

/**
 * One label scan per domain's log, kept while the log is served: an export at the head reads
 * only the events since the last one (label-scan.ts).
 */
const labelScans = new WeakMap<EventLog, LabelScan>();
const labelScanOf = (log: EventLog): LabelScan => {
  let scan = labelScans.get(log);
  if (scan === undefined) labelScans.set(log, (scan = new LabelScan(log)));
  return scan;
};

export const stixRoute: Route = {
  perDomain: true,
  heavy: true,
  handle(ctx: RouteContext): Promise<Reply> {
    const q = new Query(ctx.url, [AS_OF, 'min_identities']);
    const minIdentities = q.int('min_identities', { min: 1, max: 2 ** 31 - 1, default: 1 });
    return readAt(q, ctx, async (view) => {
      const rows = await view.liveCampaigns(minIdentities);
      // The labels at the view's own position: a bundle never mixes two log positions.
      const labels = await labelScanOf(ctx.log).upTo(view.sequence);
      const { bundle } = buildStixBundle(rows.map((row) => ({ row, domain: ctx.domain, ...stixLabel(labels.get(row.uuid)) })), { minIdentities });
      return {
        kind: 'body', body: JSON.stringify(bundle), contentType: STIX_CONTENT_TYPE,
        headers: { [SEQUENCE_HEADER]: String(view.sequence) },
      };
    });
  },
};
