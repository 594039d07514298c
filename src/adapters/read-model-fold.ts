/**
 * One page of campaign events folded into a store's read model: from the stored state the page
 * reaches (its working set) to a plan of what the store must write. Pure, and shared by the
 * SQLite and PostgreSQL read models, so both change the same rows the same way; the in-memory
 * LogIndex is the reference it must agree with (test/contract/read-model-contract.ts).
 *
 * Campaign rows come from the domain's own fold (domain/tables.ts) run over partial tables: the
 * rows the page names, the campaigns of the identities it names and the merge chains above
 * them. Identity facts, history links and evidence edges follow LogIndex.record rule for rule.
 *
 * What the plan leaves to the store: the campaigns below a moved merge pointer (a subtree can be
 * any size, and only the store can walk it), and everything keyed by a campaign's live root
 * (its identities, history and edges), which moves with it.
 */
import { CAMPAIGN_EVENT_TYPES, type CampaignEvent, type CampaignEventType, type EdgeEvidence } from '../domain/campaign-events.ts';
import {
  canonicalOf, foldEvents, partialTables, storedRowOf, type CampaignStatus, type StoredRow,
} from '../domain/tables.ts';
import type { IdentityFacts, IndexedEdge } from '../ports/campaign-queries.ts';

/** How the stores encode an event type and a term kind in their integer columns. */
export const TYPE_CODE: ReadonlyMap<CampaignEventType, number> = new Map(CAMPAIGN_EVENT_TYPES.map((t, i) => [t, i]));
export const TERM_KIND: Readonly<Record<CampaignTermKind | 'identity', number>> = { identity: 0, uuid: 1, c2_endpoint: 2, payload_hash: 3 };

type MutableFacts = { -readonly [K in keyof IdentityFacts]: IdentityFacts[K] };

/** What a page names: the keys of its working set (before the merge-chain closure). */
export interface NamedKeys {
  readonly campaigns: Set<string>;
  readonly identities: Set<string>;
}

/** Campaigns an event names, as its history lists it (LogIndex.record). */
export function campaignsNamed(ev: CampaignEvent): string[] {
  switch (ev.type) {
    case 'campaign.formed': return [ev.payload.campaign_uuid];
    case 'campaign.identity.assigned':
      return ev.payload.prior_campaign_uuid === null || ev.payload.prior_campaign_uuid === ev.payload.campaign_uuid
        ? [ev.payload.campaign_uuid] : [ev.payload.campaign_uuid, ev.payload.prior_campaign_uuid];
    case 'campaign.merged': return ev.payload.winner_uuid === ev.payload.loser_uuid ? [ev.payload.winner_uuid] : [ev.payload.winner_uuid, ev.payload.loser_uuid];
    case 'campaign.unmerged': return ev.payload.resurrected_uuid === ev.payload.former_winner_uuid ? [ev.payload.resurrected_uuid] : [ev.payload.resurrected_uuid, ev.payload.former_winner_uuid];
    case 'campaign.identity.removed': return [ev.payload.campaign_uuid];
    case 'campaign.profile.updated':
    case 'campaign.labelled': return [ev.payload.campaign_uuid];
    case 'identity.campaign.assigned': return [];
  }
}

/** Identities an event names, as its history lists them (LogIndex.record); the echo names none. */
export function identitiesNamed(ev: CampaignEvent): string[] {
  switch (ev.type) {
    case 'campaign.formed': return [...new Set(ev.payload.identity_uuids)];
    case 'campaign.identity.assigned':
    case 'campaign.identity.removed': return [ev.payload.identity_uuid];
    default: return [];
  }
}

export function namedKeys(events: readonly CampaignEvent[]): NamedKeys {
  const campaigns = new Set<string>();
  const identities = new Set<string>();
  for (const ev of events) {
    if (ev.type === 'identity.campaign.assigned') {
      // The fold moves the identity to this campaign (its echo of an assignment).
      campaigns.add(ev.payload.campaign_uuid);
      identities.add(ev.payload.identity_uuid);
      continue;
    }
    for (const c of campaignsNamed(ev)) campaigns.add(c);
    for (const i of identitiesNamed(ev)) identities.add(i);
  }
  return { campaigns, identities };
}

export interface StoredCampaign {
  readonly row: StoredRow;
  /** Its live campaign (canonicalOf), as stored. */
  readonly root: string;
}

export interface StoredIdentity {
  readonly facts: IdentityFacts;
  /** The campaign it is literally assigned to; null once removed. */
  readonly campaign: string | null;
}

/** The stored state a page reaches. */
export interface WorkingSet {
  /** The read model's position: the page starts right after it. */
  readonly sequence: number;
  /** Every campaign row the page reaches (see partialTables). */
  readonly campaigns: ReadonlyMap<string, StoredCampaign>;
  /** The identities the page names that the read model knows. */
  readonly identities: ReadonlyMap<string, StoredIdentity>;
  /** `campaigns` holds every row of the model (loaded after a fold met a merge cycle). */
  readonly complete?: boolean;
}

export interface PlannedRow {
  readonly row: StoredRow;
  /** As stored before the page; null for a row the page creates. */
  readonly before: StoredRow | null;
}

/** A search term of a campaign: its uuid, or one of its C2 endpoints or payload hashes. */
export type CampaignTermKind = 'uuid' | 'c2_endpoint' | 'payload_hash';
export interface CampaignTerm {
  readonly kind: CampaignTermKind;
  readonly owner: string;
  readonly value: string;
}

export interface EventLinks {
  readonly sequence: number;
  readonly type: CampaignEventType;
  readonly campaigns: readonly string[];
  readonly identities: readonly string[];
}

export interface StatusCounts {
  active: number;
  empty: number;
  merged: number;
}

export interface ReadModelPlan {
  /** The last event of the page: the read model's position once written. */
  readonly sequence: number;
  /** Rows the page changed or created (their `root` column is the store's, see `reRoot`). */
  readonly rows: readonly PlannedRow[];
  /**
   * Campaigns whose merge pointer moved, and new ones, with their live campaign after the
   * page: every campaign below each of them (in the store, after the page) takes that root.
   */
  readonly reRoot: ReadonlyMap<string, string>;
  /** Every identity the page names, as it stands after the page. */
  readonly identities: readonly StoredIdentity[];
  /** History links of the page's events (the identity echoes have none). */
  readonly links: readonly EventLinks[];
  /** The latest of each evidence edge the page carries. */
  readonly edges: readonly IndexedEdge[];
  readonly typeCounts: ReadonlyMap<CampaignEventType, number>;
  /** Changes of the campaign counts by status, and of active identities. */
  readonly statusDelta: StatusCounts;
  readonly identitiesDelta: number;
  readonly termsAdded: readonly CampaignTerm[];
  readonly termsRemoved: readonly CampaignTerm[];
}

const statusOf = (r: StoredRow): CampaignStatus => r.status;

/**
 * The terms a row is found by. A merged row keeps its terms (the search drops campaigns that are
 * not live): most campaigns merge soon after they form, and deleting their terms from a trigram
 * index cost more than the rows they add to a search's candidates.
 */
function termsOf(r: StoredRow | null): Map<string, CampaignTerm> {
  const out = new Map<string, CampaignTerm>();
  if (r === null) return out;
  const add = (kind: CampaignTermKind, value: string): void => void out.set(`${kind}\u0000${value}`, { kind, owner: r.uuid, value });
  add('uuid', r.uuid);
  for (const v of r.c2_endpoints) add('c2_endpoint', v);
  for (const v of r.payload_hashes) add('payload_hash', v);
  return out;
}

/**
 * Folds `events` (whole batches, starting right after `ws.sequence`) over the working set.
 * Throws PartialTablesError on a merge cycle: the caller then loads every row and folds again.
 */
export function planPage(ws: WorkingSet, events: readonly CampaignEvent[]): ReadModelPlan {
  if (events.length === 0) throw new Error('an empty page');
  if (events[0].sequence !== ws.sequence + 1) throw new Error(`read model expected sequence ${ws.sequence + 1}, got ${events[0].sequence}`);
  for (let i = 1; i < events.length; i++) {
    if (events[i].sequence !== events[i - 1].sequence + 1) throw new Error(`read model expected sequence ${events[i - 1].sequence + 1}, got ${events[i].sequence}`);
  }

  // ---- campaign rows: the domain's fold over the rows the page reaches --------------------
  const membership: Array<[string, string]> = [];
  for (const [id, s] of ws.identities) if (s.campaign !== null) membership.push([id, s.campaign]);
  const tables = partialTables([...ws.campaigns.values()].map((c) => c.row), membership, ws.sequence, ws.complete ?? false);
  const changed = foldEvents(tables, events);
  const rows: PlannedRow[] = [];
  const reRoot = new Map<string, string>();
  const statusDelta: StatusCounts = { active: 0, empty: 0, merged: 0 };
  const termsAdded: CampaignTerm[] = [];
  const termsRemoved: CampaignTerm[] = [];
  for (const uuid of changed) {
    const row = storedRowOf(tables, uuid)!;
    const before = ws.campaigns.get(uuid)?.row ?? null;
    rows.push({ row, before });
    if (before === null || before.merged_into !== row.merged_into) reRoot.set(uuid, canonicalOf(tables, uuid));
    if (before !== null) statusDelta[statusOf(before)]--;
    statusDelta[statusOf(row)]++;
    const was = termsOf(before);
    const now = termsOf(row);
    for (const [k, t] of now) if (!was.has(k)) termsAdded.push(t);
    for (const [k, t] of was) if (!now.has(k)) termsRemoved.push(t);
  }

  // ---- identities, history links, edges: LogIndex.record, rule for rule --------------------
  const facts = new Map<string, MutableFacts>();
  const factsOf = (id: string): MutableFacts | undefined => {
    let f = facts.get(id);
    if (f === undefined) {
      const stored = ws.identities.get(id);
      if (stored === undefined) return undefined;
      f = { ...stored.facts };
      facts.set(id, f);
    }
    return f;
  };
  const touch = (id: string, ev: CampaignEvent): MutableFacts => {
    const f = factsOf(id);
    if (f === undefined) {
      const created: MutableFacts = {
        uuid: id, first_sequence: ev.sequence, first_time: ev.time, last_sequence: ev.sequence, last_time: ev.time,
        joined_sequence: null, joined_time: null, removed: null,
      };
      facts.set(id, created);
      return created;
    }
    f.last_sequence = ev.sequence;
    f.last_time = ev.time;
    return f;
  };
  const joined = (f: MutableFacts, ev: CampaignEvent): void => {
    f.joined_sequence = ev.sequence;
    f.joined_time = ev.time;
    f.removed = null;
  };
  const links: EventLinks[] = [];
  const edges = new Map<string, IndexedEdge>();
  const typeCounts = new Map<CampaignEventType, number>();
  for (const ev of events) {
    typeCounts.set(ev.type, (typeCounts.get(ev.type) ?? 0) + 1);
    if (ev.type === 'identity.campaign.assigned') {
      // Only a log written by another producer could name an identity here first.
      if (factsOf(ev.payload.identity_uuid) === undefined) joined(touch(ev.payload.identity_uuid, ev), ev);
      continue;
    }
    links.push({ sequence: ev.sequence, type: ev.type, campaigns: campaignsNamed(ev), identities: identitiesNamed(ev) });
    switch (ev.type) {
      case 'campaign.formed':
        for (const u of ev.payload.identity_uuids) joined(touch(u, ev), ev);
        break;
      case 'campaign.identity.assigned':
        joined(touch(ev.payload.identity_uuid, ev), ev);
        break;
      case 'campaign.identity.removed': {
        const f = touch(ev.payload.identity_uuid, ev);
        f.removed = { reason: ev.payload.reason, sequence: ev.sequence, time: ev.time };
        f.joined_sequence = null;
        f.joined_time = null;
        break;
      }
      default:
        break;
    }
    for (const e of ev.evidence) {
      if (e.cut === true) continue; // a link a cannot-link cut is not an edge of the graph (LogIndex.record)
      edges.set(`${e.a}\u0000${e.b}`, { ...(e as EdgeEvidence), sequence: ev.sequence, time: ev.time });
    }
  }
  const identities: StoredIdentity[] = [];
  let identitiesDelta = 0;
  for (const [id, f] of facts) {
    const campaign = tables.identities.get(id) ?? null;
    const before = ws.identities.get(id)?.campaign ?? null;
    identitiesDelta += (campaign !== null ? 1 : 0) - (before !== null ? 1 : 0);
    identities.push({ facts: f, campaign });
  }
  // An identity the fold moved without naming it in a history (an echo for a known identity)
  // keeps its facts but may change campaign.
  for (const [id, stored] of ws.identities) {
    if (facts.has(id)) continue;
    const campaign = tables.identities.get(id) ?? null;
    if (campaign === stored.campaign) continue;
    identitiesDelta += (campaign !== null ? 1 : 0) - (stored.campaign !== null ? 1 : 0);
    identities.push({ facts: stored.facts, campaign });
  }

  return {
    sequence: events[events.length - 1].sequence,
    rows, reRoot, identities, links, edges: [...edges.values()], typeCounts, statusDelta, identitiesDelta, termsAdded, termsRemoved,
  };
}
