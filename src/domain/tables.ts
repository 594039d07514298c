/**
 * The campaign tables: a pure fold of campaign events and of nothing else, so any store can
 * rebuild them from the log and two stores that hold the same log hold the same tables.
 *
 * One row per campaign uuid ever named by an event. `members` are the identities literally
 * assigned to the campaign; `identity_count` counts the live members of the campaign and of
 * every campaign merged into it (transitively), so for a live campaign it is its canonical
 * membership. A row's `updated_at`/`updated_sequence` name the last event that changed any of
 * its fields: an event that changes nothing (the `identity.campaign.assigned` echo of a
 * `campaign.identity.assigned`, a repeated profile value) leaves the row as it was, which is
 * what makes the fold idempotent for those events.
 *
 * Pure: no I/O, no clock. The state is mutable for speed (a store folds every batch into it);
 * only the functions below touch it.
 */
import type { CampaignEvent, SetDelta } from './campaign-events.ts';
import { compareCodePoints } from './code-point-order.ts';
import type { Membership } from './engine-api.ts';

export type CampaignStatus = 'active' | 'merged' | 'empty';

export interface CampaignRow {
  readonly uuid: string;
  /** `merged` when merged into another campaign; `empty` when live with no live member. */
  readonly status: CampaignStatus;
  readonly merged_into: string | null;
  /** Event time of `campaign.formed`; null for a campaign named by another event first. */
  readonly formed_at: string | null;
  readonly formed_sequence: number | null;
  readonly first_activity: string | null;
  readonly last_activity: string | null;
  /** Live members of this campaign and of the campaigns merged into it. */
  readonly identity_count: number;
  /** Identities literally assigned to this campaign, sorted. */
  readonly members: readonly string[];
  readonly payload_hashes: readonly string[];
  readonly c2_endpoints: readonly string[];
  readonly deckies: readonly string[];
  readonly asns: readonly number[];
  readonly confidence: number;
  /** Time of the last event that changed this row. */
  readonly updated_at: string;
  readonly updated_sequence: number;
}

interface RowState {
  readonly uuid: string;
  merged_into: string | null;
  formed_at: string | null;
  formed_sequence: number | null;
  first_activity: string | null;
  last_activity: string | null;
  identity_count: number;
  readonly members: Set<string>;
  // Aggregates stay null until a profile names one: most rows are single scanners, and four
  // empty Sets per row were most of a replay's garbage.
  payload_hashes: Set<string> | null;
  c2_endpoints: Set<string> | null;
  deckies: Set<string> | null;
  asns: Set<number> | null;
  confidence: number;
  updated_at: string;
  updated_sequence: number;
}

/** The fold state. Treat as opaque: read it through the functions of this module. */
export interface CampaignTables {
  readonly rows: ReadonlyMap<string, Readonly<RowState>>;
  /** Identity → the campaign it is literally assigned to. */
  readonly identities: ReadonlyMap<string, string>;
  /** Sequence of the last folded event; 0 for empty tables. */
  readonly sequence: number;
}

interface MutableTables {
  readonly rows: Map<string, RowState>;
  readonly identities: Map<string, string>;
  sequence: number;
  /** Only some rows are held (partialTables): a recount of every row cannot be done here. */
  readonly partial?: true;
}

export function emptyTables(): CampaignTables {
  const t: MutableTables = { rows: new Map(), identities: new Map(), sequence: 0 };
  return t;
}

/**
 * Tables from stored rows (a store's restart). The identity index is derived from `members`;
 * an identity listed by two rows means the rows were not produced by this fold.
 */
export function tablesFromRows(rows: Iterable<CampaignRow>, sequence: number): CampaignTables {
  const t: MutableTables = { rows: new Map(), identities: new Map(), sequence };
  for (const r of rows) {
    t.rows.set(r.uuid, {
      uuid: r.uuid,
      merged_into: r.merged_into,
      formed_at: r.formed_at,
      formed_sequence: r.formed_sequence,
      first_activity: r.first_activity,
      last_activity: r.last_activity,
      identity_count: r.identity_count,
      members: new Set(r.members),
      payload_hashes: r.payload_hashes.length ? new Set(r.payload_hashes) : null,
      c2_endpoints: r.c2_endpoints.length ? new Set(r.c2_endpoints) : null,
      deckies: r.deckies.length ? new Set(r.deckies) : null,
      asns: r.asns.length ? new Set(r.asns) : null,
      confidence: r.confidence,
      updated_at: r.updated_at,
      updated_sequence: r.updated_sequence,
    });
    for (const id of r.members) {
      const other = t.identities.get(id);
      if (other !== undefined) {
        throw new Error(`inconsistent tables: identity ${id} is a member of ${other} and ${r.uuid}`);
      }
      t.identities.set(id, r.uuid);
    }
  }
  return t;
}

/**
 * Fold events into the tables; returns the uuids of the rows that changed, sorted. Events at
 * or below the tables' sequence are skipped, so a sink that receives a batch twice (an
 * at-least-once relay, a restart between append and table write) does not apply it twice.
 */
export function foldEvents(tables: CampaignTables, events: Iterable<CampaignEvent>): string[] {
  const changed = new Set<string>();
  foldInto(tables as MutableTables, events, changed);
  return [...changed].sort();
}

/** `foldEvents` without reporting what changed: a full replay needs only the end state. */
export function foldAll(tables: CampaignTables, events: Iterable<CampaignEvent>): void {
  foldInto(tables as MutableTables, events, null);
}

function foldInto(t: MutableTables, events: Iterable<CampaignEvent>, changed: Set<string> | null): void {
  for (const ev of events) {
    if (ev.sequence <= t.sequence) continue;
    applyEvent(new Fold(t, ev, changed), ev);
    t.sequence = ev.sequence;
  }
}

/** One event's view of the tables: the helpers every event type shares. */
class Fold {
  constructor(readonly t: MutableTables, readonly ev: CampaignEvent, readonly changed: Set<string> | null) {}

  touch(row: RowState): void {
    row.updated_at = this.ev.time;
    row.updated_sequence = this.ev.sequence;
    this.changed?.add(row.uuid);
  }

  ensure(uuid: string): RowState {
    let row = this.t.rows.get(uuid);
    if (row === undefined) {
      row = {
        uuid, merged_into: null, formed_at: null, formed_sequence: null,
        first_activity: null, last_activity: null, identity_count: 0,
        members: new Set(), payload_hashes: null, c2_endpoints: null, deckies: null,
        asns: null, confidence: 0, updated_at: this.ev.time, updated_sequence: this.ev.sequence,
      };
      this.t.rows.set(uuid, row);
      this.touch(row);
    }
    return row;
  }

  // identity_count(R) counts the members of every campaign whose merged_into chain reaches R
  // (R included), each chain walked until it meets a campaign already seen. That definition
  // holds even around a merge cycle (an engine bug), so the fold never loops and its counts
  // never depend on the order that led to the state.
  chain(uuid: string): string[] {
    const first = this.t.rows.get(uuid);
    if (first === undefined) return [];
    if (first.merged_into === null) return [uuid]; // the common case: a live campaign
    const seen = new Set<string>();
    for (let cur: string | null = uuid; cur !== null && !seen.has(cur); cur = this.t.rows.get(cur)?.merged_into ?? null) {
      if (!this.t.rows.has(cur)) break;
      seen.add(cur);
    }
    return [...seen];
  }

  adjustCount(uuid: string, delta: number): void {
    if (delta === 0) return;
    for (const u of this.chain(uuid)) {
      const row = this.t.rows.get(u)!;
      row.identity_count += delta;
      this.touch(row);
    }
  }

  onCycle(uuid: string): boolean {
    const next = this.t.rows.get(uuid)?.merged_into ?? null;
    return next !== null && this.chain(next).includes(uuid);
  }

  // Moving a pointer shifts a whole subtree's count along two chains; that bookkeeping is only
  // exact without cycles, so a pointer move that touches one recounts every row instead.
  recountAll(): void {
    if (this.t.partial) throw new PartialTablesError();
    const counts = new Map<string, number>();
    for (const row of this.t.rows.values()) {
      if (row.members.size === 0) continue;
      for (const u of this.chain(row.uuid)) counts.set(u, (counts.get(u) ?? 0) + row.members.size);
    }
    for (const row of this.t.rows.values()) {
      const n = counts.get(row.uuid) ?? 0;
      if (row.identity_count !== n) {
        row.identity_count = n;
        this.touch(row);
      }
    }
  }

  moveIdentity(identity: string, target: string): void {
    const prior = this.t.identities.get(identity);
    if (prior === target) return;
    if (prior !== undefined) {
      this.t.rows.get(prior)?.members.delete(identity);
      this.adjustCount(prior, -1);
    }
    this.ensure(target).members.add(identity);
    this.t.identities.set(identity, target);
    this.adjustCount(target, 1);
  }
}

function applyEvent(f: Fold, ev: CampaignEvent): void {
  const t = f.t;
  switch (ev.type) {
    case 'campaign.formed': {
      const row = f.ensure(ev.payload.campaign_uuid);
      if (row.formed_sequence === null) {
        row.formed_at = ev.time;
        row.formed_sequence = ev.sequence;
        f.touch(row);
      }
      for (const id of ev.payload.identity_uuids) f.moveIdentity(id, row.uuid);
      return;
    }
    case 'campaign.identity.assigned':
    case 'identity.campaign.assigned':
      // The prior campaign is taken from the index, not from `prior_campaign_uuid`: the
      // payload names the canonical campaign the identity left, which may differ from the
      // campaign it was literally assigned to (a campaign merged into that one).
      f.moveIdentity(ev.payload.identity_uuid, ev.payload.campaign_uuid);
      return;
    case 'campaign.merged': {
      const { winner_uuid, loser_uuid } = ev.payload;
      if (winner_uuid === loser_uuid) return;
      const loser = f.ensure(loser_uuid);
      f.ensure(winner_uuid);
      if (loser.merged_into === winner_uuid) return;
      const cyclic = f.onCycle(loser_uuid) || f.chain(winner_uuid).includes(loser_uuid);
      if (!cyclic && loser.merged_into !== null) f.adjustCount(loser.merged_into, -loser.identity_count);
      loser.merged_into = winner_uuid;
      f.touch(loser);
      if (cyclic) f.recountAll();
      else f.adjustCount(winner_uuid, loser.identity_count);
      return;
    }
    case 'campaign.unmerged': {
      const row = t.rows.get(ev.payload.resurrected_uuid);
      if (row === undefined || row.merged_into === null) return;
      const former = row.merged_into;
      const cyclic = f.onCycle(row.uuid);
      row.merged_into = null;
      f.touch(row);
      if (cyclic) f.recountAll();
      else f.adjustCount(former, -row.identity_count);
      return;
    }
    case 'campaign.identity.removed': {
      const { identity_uuid } = ev.payload;
      const prior = t.identities.get(identity_uuid);
      if (prior === undefined) return;
      t.identities.delete(identity_uuid);
      t.rows.get(prior)?.members.delete(identity_uuid);
      f.adjustCount(prior, -1);
      return;
    }
    case 'campaign.profile.updated': {
      const p = ev.payload;
      const row = f.ensure(p.campaign_uuid);
      let any = false;
      if (row.first_activity !== p.first_activity) { row.first_activity = p.first_activity; any = true; }
      if (row.last_activity !== p.last_activity) { row.last_activity = p.last_activity; any = true; }
      if (row.confidence !== p.confidence) { row.confidence = p.confidence; any = true; }
      const d1 = applyDelta(row.payload_hashes, p.payload_hashes);
      const d2 = applyDelta(row.c2_endpoints, p.c2_endpoints);
      const d3 = applyDelta(row.deckies, p.deckies);
      const d4 = applyDelta(row.asns, p.asns);
      row.payload_hashes = d1.set;
      row.c2_endpoints = d2.set;
      row.deckies = d3.set;
      row.asns = d4.set;
      any = d1.changed || d2.changed || d3.changed || d4.changed || any;
      if (any) f.touch(row);
      return;
    }
    case 'campaign.labelled':
      // An analyst's name for a campaign lives in the log (read it with `campaigns events`): a
      // row column for it needs campaign-row v4 and the stores' table schemas, not done yet.
      // Nothing a row holds changes, so the row is not touched.
      return;
    default: {
      // A log written by a newer version may carry types this fold does not know: they are
      // skipped (the sequence still advances), never guessed at.
      const unknown: never = ev;
      void unknown;
    }
  }
}

/** Removals first, then additions; the set (created on first use) and whether it changed. */
function applyDelta<T>(set: Set<T> | null, delta: SetDelta<T>): { set: Set<T> | null; changed: boolean } {
  let changed = false;
  if (set !== null) for (const v of delta.removed) changed = set.delete(v) || changed;
  for (const v of delta.added) {
    set ??= new Set();
    if (!set.has(v)) {
      set.add(v);
      changed = true;
    }
  }
  return { set, changed };
}

// ---------------------------------------------------------------------------------------------
// Partial tables: a store that keeps the rows on disk folds a page of events over the rows the
// page reaches, never over all of them (adapters/read-model-fold.ts).

/** A row as a store keeps it without its member list: how many members it has instead. */
export interface StoredRow extends Omit<CampaignRow, 'members'> {
  /** Identities literally assigned to it (`members.length` of the full row). */
  readonly member_count: number;
}

/**
 * Thrown by a fold over partial tables that reaches a merge cycle (which only a broken engine
 * produces): its recount reads every row, so the caller must fold that page over all of them.
 */
export class PartialTablesError extends Error {
  constructor() {
    super('a merge cycle needs every campaign row to recount');
    this.name = 'PartialTablesError';
  }
}

/**
 * A member set that only counts: the fold of partial tables adds an identity to a row only when
 * it is not a member and deletes it only when it is (moveIdentity, removal), and otherwise only
 * reads `size`, so the count of the stored row plus those moves is exact.
 */
class CountedMembers extends Set<string> {
  private count: number;

  constructor(count: number) {
    super();
    this.count = count;
  }

  override get size(): number {
    return this.count;
  }

  override add(): this {
    this.count++;
    return this;
  }

  override delete(): boolean {
    this.count--;
    return true;
  }
}

/**
 * Tables holding only `rows`, and `identities` (identity → the campaign it is literally assigned
 * to) for the identities a page names. Folding a page over them gives the same rows as folding
 * it over the whole tables as long as they hold every row the page reaches: the campaigns its
 * events name, the campaigns of the identities it names, and every campaign their merge
 * pointers lead to. A merge cycle throws PartialTablesError, unless `complete` says the rows
 * are every row of the tables (then its recount, which only counts members, is exact).
 */
export function partialTables(
  rows: Iterable<StoredRow>, identities: Iterable<readonly [string, string]>, sequence: number, complete = false,
): CampaignTables {
  const t: MutableTables = complete
    ? { rows: new Map(), identities: new Map(identities), sequence }
    : { rows: new Map(), identities: new Map(identities), sequence, partial: true };
  for (const r of rows) {
    t.rows.set(r.uuid, {
      uuid: r.uuid,
      merged_into: r.merged_into,
      formed_at: r.formed_at,
      formed_sequence: r.formed_sequence,
      first_activity: r.first_activity,
      last_activity: r.last_activity,
      identity_count: r.identity_count,
      members: new CountedMembers(r.member_count),
      payload_hashes: r.payload_hashes.length ? new Set(r.payload_hashes) : null,
      c2_endpoints: r.c2_endpoints.length ? new Set(r.c2_endpoints) : null,
      deckies: r.deckies.length ? new Set(r.deckies) : null,
      asns: r.asns.length ? new Set(r.asns) : null,
      confidence: r.confidence,
      updated_at: r.updated_at,
      updated_sequence: r.updated_sequence,
    });
  }
  return t;
}

/** A row of (partial or whole) tables as a store keeps it. */
export function storedRowOf(tables: CampaignTables, uuid: string): StoredRow | undefined {
  const r = tables.rows.get(uuid);
  if (r === undefined) return undefined;
  const { members: _members, ...row } = materializeLists(r, false);
  return { ...row, member_count: r.members.size };
}

/**
 * The live campaign a campaign resolves to, following `merged_into`. Cycle-safe: on a cycle
 * (never produced by a correct engine) the smallest uuid of the cycle is returned, so the
 * answer does not depend on where the walk started.
 */
export function canonicalOf(tables: CampaignTables, campaign: string): string {
  const path: string[] = [];
  const index = new Map<string, number>();
  let cur: string | null = campaign;
  while (cur !== null) {
    const at = index.get(cur);
    if (at !== undefined) return path.slice(at).sort()[0];
    index.set(cur, path.length);
    path.push(cur);
    cur = tables.rows.get(cur)?.merged_into ?? null;
  }
  return path[path.length - 1];
}

/** The campaign an identity is literally assigned to, or undefined when it is not active. */
export const campaignOfIdentity = (tables: CampaignTables, identity: string): string | undefined =>
  tables.identities.get(identity);

const sortedStrings = (s: ReadonlySet<string> | null): string[] => (s ? [...s].sort() : []);
const sortedNumbers = (s: ReadonlySet<number> | null): number[] => (s ? [...s].sort((a, b) => a - b) : []);

function materialize(r: Readonly<RowState>): CampaignRow {
  return materializeLists(r);
}

function materializeLists(r: Readonly<RowState>, members = true): CampaignRow {
  return {
    uuid: r.uuid,
    status: r.merged_into !== null ? 'merged' : r.identity_count > 0 ? 'active' : 'empty',
    merged_into: r.merged_into,
    formed_at: r.formed_at,
    formed_sequence: r.formed_sequence,
    first_activity: r.first_activity,
    last_activity: r.last_activity,
    identity_count: r.identity_count,
    members: members ? sortedStrings(r.members) : [],
    payload_hashes: sortedStrings(r.payload_hashes),
    c2_endpoints: sortedStrings(r.c2_endpoints),
    deckies: sortedStrings(r.deckies),
    asns: sortedNumbers(r.asns),
    confidence: r.confidence,
    updated_at: r.updated_at,
    updated_sequence: r.updated_sequence,
  };
}

/** Campaigns by status, and the live identities of the largest: what the metrics report. */
export interface CampaignCounts {
  /** Not merged away, with at least one live identity. */
  readonly active: number;
  /** Not merged away, no live identity left (every member retired or unmerged out). */
  readonly empty: number;
  readonly merged: number;
  readonly largest: number;
}

export function campaignCounts(tables: CampaignTables): CampaignCounts {
  let active = 0;
  let empty = 0;
  let merged = 0;
  let largest = 0;
  for (const r of tables.rows.values()) {
    if (r.merged_into !== null) merged++;
    else if (r.identity_count > 0) {
      active++;
      if (r.identity_count > largest) largest = r.identity_count;
    } else empty++;
  }
  return { active, empty, merged, largest };
}

export function rowOf(tables: CampaignTables, uuid: string): CampaignRow | undefined {
  const r = tables.rows.get(uuid);
  return r === undefined ? undefined : materialize(r);
}

export const rowsOf = (tables: CampaignTables, uuids: Iterable<string>): CampaignRow[] =>
  [...uuids].flatMap((u) => {
    const r = rowOf(tables, u);
    return r === undefined ? [] : [r];
  });

/** Every row, sorted by uuid. */
export const allRows = (tables: CampaignTables): CampaignRow[] =>
  [...tables.rows.keys()].sort().map((u) => materialize(tables.rows.get(u)!));

/**
 * Every active identity with its canonical live campaign, sorted by identity uuid in code point
 * order (the order a store's index gives, so a streamed membership prints the same lines).
 */
export function membershipOf(tables: CampaignTables): Membership[] {
  return [...tables.identities.keys()].sort(compareCodePoints).map((identity_uuid) => ({
    identity_uuid,
    campaign_uuid: canonicalOf(tables, tables.identities.get(identity_uuid)!),
  }));
}
