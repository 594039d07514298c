/**
 * `/api/v1/identities/{id}`: what the campaign log says about one identity: its campaign
 * (literal and live), when it joined or left, the evidence edges that name it, the strongest
 * score it shows per edge family, and its campaign history. Raw per-identity features
 * (sessions, hashes, keystroke centroid) live in the engine, not in the log: see docs/API.md.
 */
import { notFound } from './errors.ts';
import { identityId, Query } from './params.ts';
import { byWeight, campaignResource, edgeResource, FAMILIES, identityResource, type Family } from './resources.ts';
import { json, type Route, type RouteContext } from './route-context.ts';

export const identityRoute: Route = {
  handle({ url, params, follower }: RouteContext) {
    new Query(url.searchParams, []);
    const index = follower.index;
    const id = identityId(params.uuid);
    const facts = index.identity(id);
    if (facts === undefined) throw notFound('Identity not found');
    const literal = index.literalCampaignOf(id);
    const canonical = literal === undefined ? undefined : index.canonical(literal);
    const edges = index.edgesOf(id).sort(byWeight);
    const signals = {} as Record<Family, number>;
    for (const f of FAMILIES) signals[f] = edges.reduce((m, e) => Math.max(m, e[f]), 0);
    const campaign = canonical === undefined ? undefined : index.row(canonical);
    return json({
      ...identityResource(facts, literal, canonical),
      sequence: index.sequence,
      features: {
        source: 'campaign event log',
        neighbours: [...new Set(edges.map((e) => (e.a === id ? e.b : e.a)))].sort(),
        family_signals: signals,
        campaign_aggregates: campaign === undefined ? null : campaignResource(campaign).aggregates,
      },
      edges: edges.map(edgeResource),
      history: index.identityHistory(id),
    });
  },
};
