/**
 * The pure engine as a package entry (`campaign-stream/domain`): identity events in, campaign
 * events out, and the tables as a fold of them. No I/O, no clock, no randomness (the purity test
 * holds every module of this folder to it). A re-export file only: the modules keep their own
 * invariants and comments.
 */
export type {
  BatchRange, CampaignEvent, CampaignEventOf, CampaignEventType, CampaignLabelled, EdgeEvidence, EvidenceAdjustment, PayloadByType, SetDelta,
} from './campaign-events.ts';
export { CAMPAIGN_EVENT_TYPES } from './campaign-events.ts';
export {
  DEFAULT_DOMAIN_NAME, domainName, domainNameProblem, domainOfName, idPrefix, MAX_DOMAIN_LENGTH, sortDomains, type Domain,
} from './domains.ts';
export type { BatchOutcome, BatchStats, Engine, EngineStatus, Membership, RejectCode, Rejection } from './engine-api.ts';
export { CampaignEngine, createEngine, restoreEngine, type EngineOptions } from './engine.ts';
export type {
  AnalystCannotLink, AnalystEvent, AnalystLabel, AnalystMustLink, AnalystPin, AnalystRevoke, IdentityEvent, IdentityEventType,
  IdentityLayerEvent, IdentityMerged, IdentityObserved, IdentityRetired, IdentityUnmerged, Observation, PositionedEvent, SessionWindow,
  TtpEntry,
} from './identity-events.ts';
export { IDENTITY_EVENT_TYPES, isAnalystEvent } from './identity-events.ts';
export {
  DEFAULT_PROFILE, isProfileName, LATEST_DEFAULT_PROFILE, PROFILE_NAMES, PROFILES, profileByName, recordedProfileName, REFERENCE_PROFILE,
  type ScoringProfile,
} from './profile.ts';
export {
  allRows, campaignCounts, canonicalOf, emptyTables, foldAll, foldEvents, membershipOf, rowOf, rowsOf, tablesFromRows,
  type CampaignRow, type CampaignStatus, type CampaignTables,
} from './tables.ts';
export {
  identityEventToWire, LIMITS, parseNdjsonLine, validateIdentityEvent, type IdentityEventWire, type ValidationResult,
} from './validate.ts';
