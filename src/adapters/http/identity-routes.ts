/**
 * `/api/v1/identities/{id}`: one identity's campaign (literal and live), when it joined or
 * left, the evidence edges that name it, the strongest score it shows per edge family, its
 * campaign history, and its engine features.
 *
 * Two sources, because the campaign log carries edges and campaign aggregates but not the raw
 * per-identity features the clusterer works from (sessions, phases, payload hashes, C2
 * endpoints, ASNs, tools, keystroke centroid). Those come from the store's newest engine
 * snapshot (`snapshot-features.ts`), which may lag the log: `features.as_of` names its batch and
 * sequence beside the answer's `sequence`. When the snapshot cannot answer (none, the identity
 * joined after it, a foreign format), `features` is the log-derived part alone with `engine:
 * null` and a `reason`; the log-derived part is there in both cases. See docs/API.md.
 */
import { notFound } from './errors.ts';
import { identityId, Query } from './params.ts';
import { byWeight, campaignResource, edgeResource, FAMILIES, identityResource, type Family } from './resources.ts';
import { json, type Route, type RouteContext } from './route-context.ts';

export const identityRoute: Route = {
  perDomain: true,
  heavy: true,
  async handle({ url, params, follower, engineFeatures }: RouteContext) {
    new Query(url, []);
    const index = follower.index;
    const id = identityId(params.uuid);
    const facts = index.identity(id);
    if (facts === undefined) throw notFound('Identity not found');
    // Everything from the index first: it may move on while the snapshot is read, and an
    // answer reflects one log position.
    const literal = index.literalCampaignOf(id);
    const canonical = literal === undefined ? undefined : index.canonical(literal);
    const edges = index.edgesOf(id).sort(byWeight);
    const signals = {} as Record<Family, number>;
    for (const f of FAMILIES) signals[f] = edges.reduce((m, e) => Math.max(m, e[f]), 0);
    const campaign = canonical === undefined ? undefined : index.row(canonical);
    const fromLog = {
      neighbours: [...new Set(edges.map((e) => (e.a === id ? e.b : e.a)))].sort(),
      family_signals: signals,
      campaign_aggregates: campaign === undefined ? null : campaignResource(campaign).aggregates,
    };
    const answer = {
      ...identityResource(facts, literal, canonical),
      sequence: index.sequence,
    };
    const rest = { edges: edges.map(edgeResource), history: index.identityHistory(id) };

    const engine = await engineFeatures.featuresOf(id);
    const features = engine.found
      ? { source: 'engine snapshot', as_of: engine.as_of, ...engine.record, ...fromLog }
      : { source: 'campaign event log', engine: null, reason: engine.reason, detail: engine.detail, as_of: engine.as_of, ...fromLog };
    return json({ ...answer, features, ...rest });
  },
};
