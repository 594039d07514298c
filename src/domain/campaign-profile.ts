/**
 * A live campaign's aggregates (activity span, payload hashes, C2 endpoints, deckies, ASNs)
 * and its confidence, computed from its members' features and the edges holding it together.
 *
 * Confidence: 0 for a single identity (nothing corroborates it as a campaign); otherwise the
 * weakest link of the maximum spanning tree over the campaign's edges, as a share of twice the
 * threshold, capped at 1. A campaign held together only by edges at exactly the threshold gets
 * 0.5; one whose every link carries two full families (e.g. handoff + identical infrastructure)
 * gets 1.
 */
import type { CampaignProfileUpdated, EdgeEvidence, SetDelta } from './campaign-events.ts';
import type { Features } from './features.ts';
import { formatIso } from './time.ts';

export interface CampaignProfile {
  readonly first_activity: string | null;
  readonly last_activity: string | null;
  readonly confidence: number;
  readonly payload_hashes: readonly string[];
  readonly c2_endpoints: readonly string[];
  readonly deckies: readonly string[];
  readonly asns: readonly number[];
}

export const EMPTY_PROFILE: CampaignProfile = Object.freeze({
  first_activity: null, last_activity: null, confidence: 0, payload_hashes: [], c2_endpoints: [], deckies: [], asns: [],
});

export function computeProfile(members: readonly Features[], spanning: readonly EdgeEvidence[], threshold: number): CampaignProfile {
  const payloads = new Set<string>();
  const c2 = new Set<string>();
  const deckies = new Set<string>();
  const asns = new Set<number>();
  let first = Infinity;
  let last = -Infinity;
  for (const f of members) {
    for (const v of f.payloads) payloads.add(v);
    for (const v of f.c2) c2.add(v);
    for (const v of f.deckies) deckies.add(v);
    for (const v of f.asns) asns.add(v);
    if (f.firstActivity !== null && f.firstActivity < first) first = f.firstActivity;
    if (f.lastActivity !== null && f.lastActivity > last) last = f.lastActivity;
  }
  let confidence = 0;
  if (members.length > 1 && spanning.length > 0) {
    const weakest = spanning.reduce((m, e) => Math.min(m, e.weight), Infinity);
    confidence = Math.min(1, weakest / (2 * threshold));
  }
  return {
    first_activity: first === Infinity ? null : formatIso(first),
    last_activity: last === -Infinity ? null : formatIso(last),
    confidence,
    payload_hashes: [...payloads].sort(),
    c2_endpoints: [...c2].sort(),
    deckies: [...deckies].sort(),
    asns: [...asns].sort((a, b) => a - b),
  };
}

function delta<T>(before: readonly T[], after: readonly T[]): SetDelta<T> {
  const b = new Set(before);
  const a = new Set(after);
  return { added: after.filter((v) => !b.has(v)), removed: before.filter((v) => !a.has(v)) };
}

const emptyDelta = (d: SetDelta<unknown>) => d.added.length === 0 && d.removed.length === 0;

/** The `campaign.profile.updated` payload taking `before` to `after`, or null when nothing changed. */
export function profileUpdate(campaign: string, before: CampaignProfile, after: CampaignProfile): CampaignProfileUpdated | null {
  const payload_hashes = delta(before.payload_hashes, after.payload_hashes);
  const c2_endpoints = delta(before.c2_endpoints, after.c2_endpoints);
  const deckies = delta(before.deckies, after.deckies);
  const asns = delta(before.asns, after.asns);
  const same = before.first_activity === after.first_activity && before.last_activity === after.last_activity &&
    before.confidence === after.confidence && emptyDelta(payload_hashes) && emptyDelta(c2_endpoints) &&
    emptyDelta(deckies) && emptyDelta(asns);
  if (same) return null;
  return {
    campaign_uuid: campaign,
    first_activity: after.first_activity,
    last_activity: after.last_activity,
    confidence: after.confidence,
    payload_hashes, c2_endpoints, deckies, asns,
  };
}
