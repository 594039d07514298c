/**
 * The output contract: campaign events. Payload keys follow REFERENCE §4.6; the envelope is
 * ARCHITECTURE.md's. Every field is derived from inputs, so the same input and batching give a
 * byte-identical log.
 */

/** One edge and its per-family scores, as carried in `evidence`. `a` < `b` by string order. */
export interface EdgeEvidence {
  readonly a: string;
  readonly b: string;
  readonly weight: number;
  readonly handoff: number;
  readonly shared_infra: number;
  readonly temporal: number;
  readonly cohort: number;
  readonly keystroke: number;
  /**
   * Under a profile that weighs evidence by how common it is (default@2): the weight before the
   * adjustment, and what was adjusted (null parts: the pair shares no token, has no handoff).
   * Absent under other profiles, so their logs keep their bytes.
   */
  readonly raw_weight?: number;
  readonly adjusted?: EvidenceAdjustment;
  /**
   * The analyst override behind this entry (docs/ANALYSTS.md): the must-link or pin that makes
   * the edge (whatever its weight: the pair's own scores stay shown), or, with `cut`, the
   * cannot-link that cut it. Absent otherwise, so logs without overrides keep their bytes.
   */
  readonly override?: string;
  /**
   * True on an edge a cannot-link cut: it links the identity to one the override keeps apart,
   * and is not in the spanning forest (such entries follow the spanning ones). Absent otherwise.
   */
  readonly cut?: true;
}

export interface EvidenceAdjustment {
  /** the most common shared token's holders, and the shared tokens' mean rarity factor */
  readonly shared_infra: { readonly holders: number; readonly factor: number } | null;
  /** the fewest possible counterparts over the handoff's deckies, and its factor (1 / counterparts, 0 past the cap) */
  readonly handoff: { readonly counterparts: number; readonly factor: number } | null;
}

export interface BatchRange {
  /** Position of the first input event of the batch. */
  readonly from: string;
  /** Position just after the last input event of the batch (where the next batch resumes). */
  readonly to: string;
}

export interface CampaignFormed {
  readonly campaign_uuid: string;
  readonly identity_uuids: readonly string[];
}
export interface CampaignIdentityAssigned {
  readonly campaign_uuid: string;
  readonly identity_uuid: string;
  readonly prior_campaign_uuid: string | null;
}
export interface IdentityCampaignAssigned {
  readonly identity_uuid: string;
  readonly campaign_uuid: string;
  readonly prior_campaign_uuid: string | null;
}
export interface CampaignMerged {
  readonly winner_uuid: string;
  readonly loser_uuid: string;
}
export interface CampaignUnmerged {
  readonly resurrected_uuid: string;
  readonly former_winner_uuid: string;
}
export type RemovalReason = 'retired' | 'merged_upstream' | 'no_evidence';
export interface CampaignIdentityRemoved {
  readonly campaign_uuid: string;
  readonly identity_uuid: string;
  readonly reason: RemovalReason;
}
/** A set-valued aggregate's change: values that entered and values that left. */
export interface SetDelta<T> {
  readonly added: readonly T[];
  readonly removed: readonly T[];
}
/**
 * A canonical campaign's aggregates changed. Scalars carry their new value; sets carry their
 * delta so a large campaign does not resend everything each batch.
 */
export interface CampaignProfileUpdated {
  readonly campaign_uuid: string;
  readonly first_activity: string | null;
  readonly last_activity: string | null;
  readonly confidence: number;
  readonly payload_hashes: SetDelta<string>;
  readonly c2_endpoints: SetDelta<string>;
  readonly deckies: SetDelta<string>;
  readonly asns: SetDelta<number>;
}

/**
 * A campaign's analyst label changed (analyst.label, or a revoke of the label in force). Labels
 * never change clustering. `name` null: no label stands any more.
 */
export interface CampaignLabelled {
  readonly campaign_uuid: string;
  readonly name: string | null;
  readonly tags: readonly string[];
  readonly notes: string | null;
  readonly author: string | null;
  /** the label override now in force, null when none */
  readonly override_event_id: string | null;
}

export interface PayloadByType {
  'campaign.formed': CampaignFormed;
  'campaign.identity.assigned': CampaignIdentityAssigned;
  'identity.campaign.assigned': IdentityCampaignAssigned;
  'campaign.merged': CampaignMerged;
  'campaign.unmerged': CampaignUnmerged;
  'campaign.identity.removed': CampaignIdentityRemoved;
  'campaign.profile.updated': CampaignProfileUpdated;
  'campaign.labelled': CampaignLabelled;
}
export type CampaignEventType = keyof PayloadByType;

export const CAMPAIGN_EVENT_TYPES: readonly CampaignEventType[] = [
  'campaign.formed', 'campaign.identity.assigned', 'identity.campaign.assigned', 'campaign.merged',
  'campaign.unmerged', 'campaign.identity.removed', 'campaign.profile.updated', 'campaign.labelled',
];

export interface CampaignEventOf<T extends CampaignEventType> {
  /** Deterministic: UUIDv5 of (batch range, sequence, type). */
  readonly event_id: string;
  /** Position in the campaign event log, from 1, gap-free. */
  readonly sequence: number;
  readonly type: T;
  /** ISO-8601, the latest event time of the batch: never the wall clock. */
  readonly time: string;
  readonly batch: BatchRange;
  readonly payload: PayloadByType[T];
  readonly evidence: readonly EdgeEvidence[];
  /** The clustering domain (domains.ts); absent in the default domain, so its log keeps its bytes. */
  readonly domain?: string;
}

export type CampaignEvent = { [T in CampaignEventType]: CampaignEventOf<T> }[CampaignEventType];
