/**
 * The JSON shapes of the API: the reference's field names and types first (REFERENCE §8, so a
 * client written for it keeps working), then ours. Where the reference stores a column we do
 * not have, the field is present and null, as the reference's never-written columns are.
 *
 * The reference's list columns (`payload_simhashes`, `c2_endpoints`) are JSON-encoded list
 * *strings*; they stay so for compatibility, and `aggregates` carries the same values as real
 * arrays. The keystroke centroid, when known, is hex-16 (the reference would send raw bytes).
 */
import { dominantFamily, type Family } from '../../domain/evidence-summary.ts';
import type { CampaignStatus } from '../../domain/tables.ts';
import { simhashToHex } from '../../domain/validate.ts';
import type { CampaignSummary, IdentityFacts, IndexedEdge } from '../../ports/campaign-queries.ts';

export { dominantFamily, familySummary, FAMILIES, type Family, type FamilySummary } from '../../domain/evidence-summary.ts';

export interface CampaignAggregates {
  readonly payload_hashes: readonly string[];
  readonly c2_endpoints: readonly string[];
  readonly deckies: readonly string[];
  readonly asns: readonly number[];
}

export interface CampaignResource {
  // reference fields
  readonly uuid: string;
  readonly schema_version: 1;
  readonly first_seen_at: string | null;
  readonly last_seen_at: string | null;
  readonly created_at: string | null;
  readonly updated_at: string;
  readonly confidence: number;
  readonly identity_count: number;
  readonly ja3_hashes: null;
  readonly hassh_hashes: null;
  readonly tls_cert_sha256: null;
  readonly payload_simhashes: string;
  readonly c2_endpoints: string;
  readonly merged_into_uuid: string | null;
  readonly notes: null;
  // ours
  readonly status: CampaignStatus;
  readonly formed_sequence: number | null;
  readonly updated_sequence: number;
  readonly aggregates: CampaignAggregates;
}

export function campaignResource(r: CampaignSummary): CampaignResource {
  return {
    uuid: r.uuid,
    schema_version: 1,
    first_seen_at: r.first_activity,
    last_seen_at: r.last_activity,
    created_at: r.formed_at,
    updated_at: r.updated_at,
    confidence: r.confidence,
    identity_count: r.identity_count,
    ja3_hashes: null,
    hassh_hashes: null,
    tls_cert_sha256: null,
    payload_simhashes: JSON.stringify(r.payload_hashes),
    c2_endpoints: JSON.stringify(r.c2_endpoints),
    merged_into_uuid: r.merged_into,
    notes: null,
    status: r.status,
    formed_sequence: r.formed_sequence,
    updated_sequence: r.updated_sequence,
    aggregates: { payload_hashes: r.payload_hashes, c2_endpoints: r.c2_endpoints, deckies: r.deckies, asns: r.asns },
  };
}

/**
 * A campaign of a non-default domain names its domain: campaign ids are unique across domains,
 * but a client gathering several domains' lists must still know where each came from. The
 * default domain's resources are unchanged (null: as they were before domains).
 */
export const inDomain = <T extends object>(resource: T, domain: string | null): T | (T & { domain: string }) =>
  domain === null ? resource : { domain, ...resource };

export interface IdentityResource {
  // reference fields (the identity-layer columns the campaign log does not carry are null)
  readonly uuid: string;
  readonly schema_version: 1;
  readonly campaign_id: string | null;
  readonly first_seen_at: null;
  readonly last_seen_at: null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly confidence: null;
  readonly observation_count: null;
  readonly ja3_hashes: null;
  readonly hassh_hashes: null;
  readonly ja4h_hashes: null;
  readonly ja4_quic_hashes: null;
  readonly http_versions_seen: null;
  readonly tls_cert_sha256: null;
  readonly ipv6_link_local_iids: null;
  readonly payload_simhashes: null;
  readonly c2_endpoints: null;
  readonly kd_digraph_simhash: string | null;
  readonly merged_into_uuid: null;
  readonly notes: null;
  // ours
  readonly status: 'active' | 'removed';
  /** The live campaign it belongs to (its literal campaign after following merges). */
  readonly campaign_uuid: string | null;
  readonly joined_at: string | null;
  readonly joined_sequence: number | null;
  readonly updated_sequence: number;
  readonly removed: IdentityFacts['removed'];
}

export function identityResource(
  f: IdentityFacts, literal: string | undefined, canonical: string | undefined, kd: bigint | null = null,
): IdentityResource {
  return {
    uuid: f.uuid,
    schema_version: 1,
    campaign_id: literal ?? null,
    first_seen_at: null,
    last_seen_at: null,
    created_at: f.first_time,
    updated_at: f.last_time,
    confidence: null,
    observation_count: null,
    ja3_hashes: null,
    hassh_hashes: null,
    ja4h_hashes: null,
    ja4_quic_hashes: null,
    http_versions_seen: null,
    tls_cert_sha256: null,
    ipv6_link_local_iids: null,
    payload_simhashes: null,
    c2_endpoints: null,
    kd_digraph_simhash: hex16(kd),
    merged_into_uuid: null,
    notes: null,
    status: literal === undefined ? 'removed' : 'active',
    campaign_uuid: canonical ?? null,
    joined_at: f.joined_time,
    joined_sequence: f.joined_sequence,
    updated_sequence: f.last_sequence,
    removed: f.removed,
  };
}

/** The keystroke centroid as 16 lower-case hex digits (big-endian), or null. */
export const hex16 = (v: bigint | null): string | null => (v === null ? null : simhashToHex(v));

export interface EdgeResource extends IndexedEdge {
  /**
   * The family contributing most to the weight, with the default profile's weights (the log
   * records per-family scores and the total, not the profile that weighed them).
   */
  readonly dominant_family: Family;
}

export const edgeResource = (e: IndexedEdge): EdgeResource => ({ ...e, dominant_family: dominantFamily(e) });
