/**
 * Engine snapshots as plain JSON. Only source state is stored (evidence, merge forest,
 * versions, seen event ids, campaigns, assignments, last emitted profiles); features, the
 * candidate index and the edges are re-derived on restore, so a snapshot can never disagree
 * with the clustering it restores.
 */
import type { CampaignProfile } from './campaign-profile.ts';
import type { Evidence, PhaseMark } from './features.ts';
import type { ScoringProfile } from './profile.ts';
import type { Projection } from './projection.ts';
import type { Reconciler } from './reconciler.ts';

export const SNAPSHOT_VERSION = 1;

interface EvidenceJson {
  asns?: number[]; tools?: string[]; payloads?: string[]; c2?: string[]; deckies?: string[];
  first?: Array<[string, PhaseMark]>; last?: Array<[string, PhaseMark]>; windows?: number[];
  kdCounts?: number[]; kdN?: number; firstActivity?: number; lastActivity?: number; selfAccess?: boolean;
}

interface IdentityJson {
  uuid: string; version: number; evidence: EvidenceJson | null; mergedInto: string | null; retired: boolean;
}

interface CampaignJson {
  uuid: string; formedSeq: number; mergedInto: string | null; members: string[];
}

export interface EngineSnapshot {
  snapshot_version: number;
  profile: string;
  next_sequence: number;
  identities: IdentityJson[];
  seen: string[];
  campaigns: CampaignJson[];
  assignment: Array<[string, string, number]>;
  founded: Array<[string, number]>;
  profiles: Array<[string, CampaignProfile]>;
}

const arr = <T>(s: Set<T> | null) => (s ? [...s] : undefined);

function evidenceToJson(e: Evidence): EvidenceJson {
  return {
    asns: arr(e.asns), tools: arr(e.tools), payloads: arr(e.payloads), c2: arr(e.c2), deckies: arr(e.deckies),
    first: e.first ? [...e.first] : undefined, last: e.last ? [...e.last] : undefined,
    windows: e.windows ?? undefined, kdCounts: e.kdCounts ?? undefined, kdN: e.kdN || undefined,
    firstActivity: Number.isFinite(e.firstActivity) ? e.firstActivity : undefined,
    lastActivity: Number.isFinite(e.lastActivity) ? e.lastActivity : undefined,
    selfAccess: e.selfAccess || undefined,
  };
}

function evidenceFromJson(j: EvidenceJson): Evidence {
  const set = <T>(a: T[] | undefined) => (a ? new Set(a) : null);
  return {
    asns: set(j.asns), tools: set(j.tools), payloads: set(j.payloads), c2: set(j.c2), deckies: set(j.deckies),
    first: j.first ? new Map(j.first) : null, last: j.last ? new Map(j.last) : null,
    windows: j.windows ?? null, kdCounts: j.kdCounts ?? null, kdN: j.kdN ?? 0,
    firstActivity: j.firstActivity ?? Infinity, lastActivity: j.lastActivity ?? -Infinity,
    selfAccess: j.selfAccess ?? false,
  };
}

export function snapshotState(
  profile: ScoringProfile, projection: Projection, reconciler: Reconciler,
  profiles: Map<string, CampaignProfile>, nextSequence: number,
): EngineSnapshot {
  const identities: IdentityJson[] = [];
  for (const [uuid, s] of projection.identities) {
    identities.push({ uuid, version: s.version, evidence: s.evidence ? evidenceToJson(s.evidence) : null, mergedInto: s.mergedInto, retired: s.retired });
  }
  const campaigns: CampaignJson[] = [];
  for (const c of reconciler.campaigns.values()) {
    campaigns.push({ uuid: c.uuid, formedSeq: c.formedSeq, mergedInto: c.mergedInto, members: [...c.members] });
  }
  return {
    snapshot_version: SNAPSHOT_VERSION,
    profile: profile.name,
    next_sequence: nextSequence,
    identities,
    seen: [...projection.seen],
    campaigns,
    assignment: [...reconciler.assignment].map(([u, a]) => [u, a.campaign, a.seq]),
    founded: [...reconciler.founded],
    profiles: [...profiles],
  };
}

/** Restores into fresh instances; returns the next sequence. Throws on a foreign snapshot. */
export function restoreState(
  raw: unknown, profile: ScoringProfile, projection: Projection, reconciler: Reconciler,
  profiles: Map<string, CampaignProfile>,
): number {
  const snap = raw as EngineSnapshot;
  if (!snap || snap.snapshot_version !== SNAPSHOT_VERSION) throw new Error(`unsupported engine snapshot version ${snap?.snapshot_version}`);
  if (snap.profile !== profile.name) throw new Error(`snapshot was taken with profile "${snap.profile}", engine runs "${profile.name}"`);
  for (const i of snap.identities) {
    projection.identities.set(i.uuid, {
      version: i.version, evidence: i.evidence ? evidenceFromJson(i.evidence) : null,
      mergedInto: i.mergedInto, children: null, retired: i.retired,
    });
  }
  for (const [uuid, s] of projection.identities) {
    if (s.mergedInto) {
      const w = projection.identities.get(s.mergedInto)!;
      (w.children ??= new Set()).add(uuid);
    }
  }
  for (const id of snap.seen) projection.seen.add(id);
  for (const c of snap.campaigns) {
    reconciler.campaigns.set(c.uuid, { uuid: c.uuid, formedSeq: c.formedSeq, mergedInto: c.mergedInto, children: new Set(), members: new Set(c.members) });
  }
  for (const c of reconciler.campaigns.values()) if (c.mergedInto) reconciler.campaigns.get(c.mergedInto)!.children.add(c.uuid);
  for (const [u, c, seq] of snap.assignment) reconciler.assignment.set(u, { campaign: c, seq });
  for (const [u, n] of snap.founded) reconciler.founded.set(u, n);
  for (const [c, p] of snap.profiles) profiles.set(c, p);
  return snap.next_sequence;
}
