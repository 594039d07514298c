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
import { campaignResource, edgeResource, FAMILIES, identityResource, type Family } from './resources.ts';
import { json, type Route, type RouteContext } from './route-context.ts';

export const identityRoute: Route = {
  perDomain: true,
  heavy: true,
  async handle({ url, params, follower, engineFeatures }: RouteContext) {
    new Query(url, []);
    const id = identityId(params.uuid);
    // Everything from the read model first, in one view: it may move on while the snapshot is
    // read, and an answer reflects one log position.
    const fromModel = await follower.model.read(async (view) => {
      const state = await view.identity(id);
      if (state === undefined) return null;
      const edges = await view.identityEdges(id);
      const campaign = state.canonical === null ? undefined : await view.campaign(state.canonical);
      return { state, edges, campaign, history: await view.identityHistory(id), sequence: view.sequence };
    });
    if (fromModel === null) throw notFound('Identity not found');
    const { state, edges, campaign } = fromModel;
    const signals = {} as Record<Family, number>;
    for (const f of FAMILIES) signals[f] = edges.reduce((m, e) => Math.max(m, e[f]), 0);
    const fromLog = {
      neighbours: [...new Set(edges.map((e) => (e.a === id ? e.b : e.a)))].sort(),
      family_signals: signals,
      campaign_aggregates: campaign === undefined ? null : campaignResource(campaign).aggregates,
    };
    const answer = {
      ...identityResource(state.facts, state.campaign ?? undefined, state.canonical ?? undefined),
      sequence: fromModel.sequence,
    };
    const rest = { edges: edges.map(edgeResource), history: fromModel.history };

    const engine = await engineFeatures.featuresOf(id);
    const features = engine.found
      ? { source: 'engine snapshot', as_of: engine.as_of, ...engine.record, ...fromLog }
      : { source: 'campaign event log', engine: null, reason: engine.reason, detail: engine.detail, as_of: engine.as_of, ...fromLog };
    return json({ ...answer, features, ...rest });
  },
};
