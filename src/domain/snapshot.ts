/**
 * Engine snapshots as plain JSON. Only source state is stored (evidence, merge forest,
 * versions, seen event ids, campaigns, assignments, last emitted profiles); features, the
 * candidate index, the edges, the components and the spanning forest are re-derived on restore,
 * so a snapshot can never disagree with the clustering it restores.
 *
 * Version 2: compact tuples; evidence in its canonical (sorted) form; profiles with epoch times.
 * Version 3: version 2 plus `overrides`, the accepted analyst overrides. Written only by an engine
 * that holds some, so a snapshot without overrides keeps its version-2 bytes, and an older reader,
 * which would drop them, refuses a snapshot that has them.
 */
import type { StoredProfile, ProfileStore } from './campaign-profile.ts';
import { domainName, type Domain } from './domains.ts';
import { evidenceFromParts, evidenceToParts, type EvidenceParts } from './features.ts';
import { recordedProfileName, type ScoringProfile } from './profile.ts';
import type { Projection } from './projection.ts';
import type { CampaignRegistry } from './campaign-registry.ts';
import type { OverrideBook, OverrideKind } from './overrides.ts';

export const SNAPSHOT_VERSION = 2;
export const SNAPSHOT_VERSION_OVERRIDES = 3;

type EvidenceJson = EvidenceParts;

/** [uuid, version, evidence, merged into, retired] */
type IdentityJson = [string, number, EvidenceJson | null, string | null, 0 | 1];
/** [uuid, formation sequence, merged into] */
type CampaignJson = [string, number, string | null];
/** [event_id, kind, time, position, author, reason, subjects, revoked by, label: [name, tags, notes] or null] */
type OverrideJson = [string, OverrideKind, number, string, string, string, string[], string | null, [string, string[], string | null] | null];
/** [campaign, first, last, confidence, payloads, c2, deckies, asns] */
type ProfileJson = [string, number | null, number | null, number, string[], string[], string[], number[]];

export interface EngineSnapshot {
  snapshot_version: number;
  profile: string;
  next_sequence: number;
  identities: IdentityJson[];
  seen: string[];
  campaigns: CampaignJson[];
  /** [identity, campaign it is literally assigned to, sequence of that assignment] */
  assignment: Array<[string, string, number]>;
  founded: Array<[string, number]>;
  profiles: ProfileJson[];
  /** The engine's domain; absent in the default domain (such snapshots are those of before domains). */
  domain?: string;
  /** Version 3: the accepted analyst overrides, in acceptance order. */
  overrides?: OverrideJson[];
}

const orNull = (t: number) => (Number.isNaN(t) ? null : t);

export function snapshotState(
  profile: ScoringProfile, projection: Projection, registry: CampaignRegistry, profiles: ProfileStore, nextSequence: number,
  domain: Domain = null, overrides?: OverrideBook,
): EngineSnapshot {
  const identities: IdentityJson[] = [];
  for (let id = 0; id < projection.size; id++) {
    const s = projection.stateOf(id);
    identities.push([projection.uuidOf(id), s.version, s.evidence ? evidenceToParts(s.evidence) : null, s.mergedInto, s.retired ? 1 : 0]);
  }
  const campaigns: CampaignJson[] = [];
  for (let c = 0; c < registry.size; c++) {
    const m = registry.mergedIntoOf(c);
    campaigns.push([registry.uuid(c), registry.formedSeqOf(c), m >= 0 ? registry.uuid(m) : null]);
  }
  const assignment: Array<[string, string, number]> = [];
  const founded: Array<[string, number]> = [];
  for (let id = 0; id < projection.size; id++) {
    const c = registry.assignedTo(id);
    if (c >= 0) assignment.push([projection.uuidOf(id), registry.uuid(c), registry.assignedSeq(id)]);
    const n = registry.founded(id);
    if (n > 0) founded.push([projection.uuidOf(id), n]);
  }
  const out: ProfileJson[] = [];
  for (const [c, p] of profiles.entries()) {
    out.push([registry.uuid(c), orNull(p.first), orNull(p.last), p.confidence, [...p.payloads], [...p.c2], [...p.deckies], [...p.asns]]);
  }
  const ov: OverrideJson[] = [];
  for (const r of overrides?.records() ?? []) {
    ov.push([
      r.event_id, r.kind, r.time, r.position, r.author, r.reason, [...r.subjects], r.revokedBy,
      r.label === null ? null : [r.label.name, [...r.label.tags], r.label.notes],
    ]);
  }
  return {
    snapshot_version: ov.length ? SNAPSHOT_VERSION_OVERRIDES : SNAPSHOT_VERSION,
    profile: profile.name,
    next_sequence: nextSequence,
    identities,
    seen: [...projection.seen],
    campaigns,
    assignment,
    founded,
    profiles: out,
    ...(domain === null ? {} : { domain }),
    ...(ov.length ? { overrides: ov } : {}),
  };
}

/** Restores into fresh instances; returns the next sequence. Throws on a foreign snapshot. */
export function restoreState(
  raw: unknown, profile: ScoringProfile, projection: Projection, registry: CampaignRegistry, profiles: ProfileStore,
  domain: Domain = null, overrides?: OverrideBook,
): number {
  const snap = raw as EngineSnapshot;
  if (!snap || (snap.snapshot_version !== SNAPSHOT_VERSION && snap.snapshot_version !== SNAPSHOT_VERSION_OVERRIDES)) throw new Error(`unsupported engine snapshot version ${snap?.snapshot_version}`);
  // Another domain's campaigns would carry the other domain's ids into this one's log.
  if ((snap.domain ?? null) !== domain) throw new Error(`snapshot is of domain "${domainName(snap.domain ?? null)}", engine clusters "${domainName(domain)}"`);
  if (recordedProfileName(snap.profile) !== profile.name) throw new Error(`snapshot was taken with profile "${snap.profile}", engine runs "${profile.name}"`);
  for (const [uuid, version, evidence, , retired] of snap.identities) {
    projection.restoreIdentity(uuid, version, evidence ? evidenceFromParts(uuid, evidence) : null, retired === 1);
  }
  for (const [uuid, , , mergedInto] of snap.identities) if (mergedInto !== null) projection.restoreMerge(uuid, mergedInto);
  for (const id of snap.seen) projection.seen.add(id);
  const idOf = new Map<string, number>();
  for (const [uuid, formedSeq] of snap.campaigns) idOf.set(uuid, registry.restoreCampaign(uuid, formedSeq));
  for (const [uuid, , mergedInto] of snap.campaigns) if (mergedInto !== null) registry.mergeInto(idOf.get(uuid)!, idOf.get(mergedInto)!);
  const node = (uuid: string) => {
    const id = projection.idOf(uuid);
    if (id === undefined) throw new Error(`snapshot assigns unknown identity ${uuid}`);
    return id;
  };
  for (const [u, c, seq] of snap.assignment) {
    registry.ensureNode(node(u));
    registry.assign(node(u), idOf.get(c)!, seq);
  }
  for (const [u, n] of snap.founded) registry.restoreFounded(node(u), n);
  for (const [c, first, last, confidence, payloads, c2, deckies, asns] of snap.profiles) {
    const p: StoredProfile = { first: first ?? NaN, last: last ?? NaN, confidence, payloads, c2, deckies, asns };
    profiles.set(idOf.get(c)!, p);
  }
  for (const [event_id, kind, time, position, author, reason, subjects, revokedBy, label] of snap.overrides ?? []) {
    if (overrides === undefined) throw new Error('snapshot holds analyst overrides and nothing to restore them into');
    overrides.add({
      event_id, kind, time, position, author, reason, subjects, revokedBy,
      label: label === null ? null : { name: label[0], tags: label[1], notes: label[2] },
    });
  }
  return snap.next_sequence;
}
