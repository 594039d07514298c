/**
 * An in-memory index of the campaign event log, for the query surface: the campaign tables
 * (the domain's own fold, so rows equal what every store's tables hold), plus what the tables
 * do not keep: each campaign's and each identity's event history, the latest evidence edge of
 * every identity pair the log has named, and the merge tree (children of each campaign).
 *
 * Pure: no I/O, no clock. Fed in sequence order by `log-follower.ts`; a gap or a repeat is an
 * error, because an index that silently skipped an event would show a wrong history forever.
 *
 * What the log carries, and therefore what this index can know, is documented in docs/API.md:
 * evidence edges are only those the engine attached to an event (spanning edges at formation,
 * bridges at a merge, the joining identity's edges at an assignment), each with the scores it
 * had at that event; per-identity raw features are not in the log.
 */
import type { CampaignEvent, CampaignEventType } from '../../domain/campaign-events.ts';
import { compareCodePoints } from '../../domain/code-point-order.ts';
import {
  canonicalOf, emptyTables, foldEvents, rowOf, type CampaignRow, type CampaignTables,
} from '../../domain/tables.ts';
import { historyEntry, type HistoryEntry, type IdentityFacts, type IndexedEdge } from '../../ports/campaign-queries.ts';

export type { HistoryEntry, IdentityFacts, IndexedEdge };

type MutableFacts = { -readonly [K in keyof IdentityFacts]: IdentityFacts[K] };

const edgeKey = (a: string, b: string): string => `${a}\u0000${b}`;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (list[list.length - 1] !== value) list.push(value);
}

export class LogIndex {
  readonly tables: CampaignTables = emptyTables();
  private readonly entries = new Map<number, HistoryEntry>();
  private readonly byCampaign = new Map<string, number[]>();
  private readonly byIdentity = new Map<string, number[]>();
  private readonly edges = new Map<string, IndexedEdge>();
  private readonly edgeKeysOf = new Map<string, Set<string>>();
  private readonly facts = new Map<string, MutableFacts>();
  private readonly parent = new Map<string, string>();
  private readonly children = new Map<string, Set<string>>();
  private readonly rowCache = new Map<string, CampaignRow>();
  private readonly counts = new Map<CampaignEventType, number>();

  /** Sequence of the last indexed event; 0 when empty. */
  get sequence(): number {
    return this.tables.sequence;
  }

  /** Campaign events indexed so far, by type. */
  get typeCounts(): ReadonlyMap<CampaignEventType, number> {
    return this.counts;
  }

  /**
   * Index the next events of the log. Returns the campaigns whose row changed, sorted.
   * Throws on a gap or a repeat (the caller read the log wrong; nothing is applied).
   */
  apply(events: readonly CampaignEvent[]): string[] {
    let expect = this.sequence + 1;
    for (const ev of events) {
      if (ev.sequence !== expect) {
        throw new Error(`log index expected sequence ${expect}, got ${ev.sequence}`);
      }
      expect++;
    }
    for (const ev of events) this.record(ev);
    const changed = foldEvents(this.tables, events);
    for (const uuid of changed) {
      this.rowCache.delete(uuid);
      this.syncParent(uuid);
    }
    return changed;
  }

  private record(ev: CampaignEvent): void {
    this.counts.set(ev.type, (this.counts.get(ev.type) ?? 0) + 1);
    // The echo repeats `campaign.identity.assigned` (or the formation) keyed by identity: it
    // adds nothing to a history and would double every assignment in it.
    if (ev.type === 'identity.campaign.assigned') {
      // Only a log written by another producer could name an identity here first.
      if (!this.facts.has(ev.payload.identity_uuid)) {
        this.touchIdentity(ev.payload.identity_uuid, ev);
        this.joined(ev.payload.identity_uuid, ev);
      }
      return;
    }
    this.entries.set(ev.sequence, historyEntry(ev));
    const campaign = (uuid: string | null): void => {
      if (uuid !== null) push(this.byCampaign, uuid, ev.sequence);
    };
    const identity = (uuid: string): void => {
      push(this.byIdentity, uuid, ev.sequence);
      this.touchIdentity(uuid, ev);
    };
    switch (ev.type) {
      case 'campaign.formed':
        campaign(ev.payload.campaign_uuid);
        for (const u of ev.payload.identity_uuids) {
          identity(u);
          this.joined(u, ev);
        }
        break;
      case 'campaign.identity.assigned':
        campaign(ev.payload.campaign_uuid);
        campaign(ev.payload.prior_campaign_uuid);
        identity(ev.payload.identity_uuid);
        this.joined(ev.payload.identity_uuid, ev);
        break;
      case 'campaign.merged':
        campaign(ev.payload.winner_uuid);
        campaign(ev.payload.loser_uuid);
        break;
      case 'campaign.unmerged':
        campaign(ev.payload.resurrected_uuid);
        campaign(ev.payload.former_winner_uuid);
        break;
      case 'campaign.identity.removed': {
        campaign(ev.payload.campaign_uuid);
        identity(ev.payload.identity_uuid);
        const f = this.facts.get(ev.payload.identity_uuid)!;
        f.removed = { reason: ev.payload.reason, sequence: ev.sequence, time: ev.time };
        f.joined_sequence = null;
        f.joined_time = null;
        break;
      }
      case 'campaign.profile.updated':
      case 'campaign.labelled':
        campaign(ev.payload.campaign_uuid);
        break;
    }
    for (const e of ev.evidence) {
      if (e.cut === true) continue; // a link a cannot-link cut is not an edge of the graph
      const key = edgeKey(e.a, e.b);
      this.edges.set(key, { ...e, sequence: ev.sequence, time: ev.time });
      for (const u of [e.a, e.b]) {
        let keys = this.edgeKeysOf.get(u);
        if (keys === undefined) this.edgeKeysOf.set(u, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  private touchIdentity(uuid: string, ev: CampaignEvent): void {
    const f = this.facts.get(uuid);
    if (f === undefined) {
      this.facts.set(uuid, {
        uuid, first_sequence: ev.sequence, first_time: ev.time, last_sequence: ev.sequence, last_time: ev.time,
        joined_sequence: null, joined_time: null, removed: null,
      });
    } else {
      f.last_sequence = ev.sequence;
      f.last_time = ev.time;
    }
  }

  private joined(uuid: string, ev: CampaignEvent): void {
    const f = this.facts.get(uuid)!;
    f.joined_sequence = ev.sequence;
    f.joined_time = ev.time;
    f.removed = null;
  }

  /** Mirrors `merged_into` as a parent → children map, so a campaign's subtree is cheap. */
  private syncParent(uuid: string): void {
    const now = this.tables.rows.get(uuid)?.merged_into ?? null;
    const before = this.parent.get(uuid) ?? null;
    if (now === before) return;
    if (before !== null) this.children.get(before)?.delete(uuid);
    if (now === null) this.parent.delete(uuid);
    else {
      this.parent.set(uuid, now);
      let set = this.children.get(now);
      if (set === undefined) this.children.set(now, (set = new Set()));
      set.add(uuid);
    }
  }

  // ---- queries -------------------------------------------------------------------------

  /** The materialised row, cached until the row changes. */
  row(uuid: string): CampaignRow | undefined {
    let r = this.rowCache.get(uuid);
    if (r === undefined) {
      r = rowOf(this.tables, uuid);
      if (r !== undefined) this.rowCache.set(uuid, r);
    }
    return r;
  }

  /** Rows of every campaign not merged into another (active and empty ones). */
  liveRows(): CampaignRow[] {
    const out: CampaignRow[] = [];
    for (const [uuid, r] of this.tables.rows) if (r.merged_into === null) out.push(this.row(uuid)!);
    return out;
  }

  /** Every row, merged ones included. */
  allRows(): CampaignRow[] {
    return [...this.tables.rows.keys()].map((u) => this.row(u)!);
  }

  has(uuid: string): boolean {
    return this.tables.rows.has(uuid);
  }

  canonical(uuid: string): string {
    return canonicalOf(this.tables, uuid);
  }

  /** `uuid`, then each campaign its merge pointer leads to, ending at the canonical one. */
  mergePath(uuid: string): string[] {
    const path = [uuid];
    const seen = new Set(path);
    for (let p = this.parent.get(uuid); p !== undefined && !seen.has(p); p = this.parent.get(p)) {
      path.push(p);
      seen.add(p);
    }
    return path;
  }

  /** The campaign and every campaign merged into it, transitively (cycle-safe), sorted. */
  subtree(uuid: string): string[] {
    const seen = new Set<string>([uuid]);
    const stack = [uuid];
    while (stack.length > 0) {
      for (const ch of this.children.get(stack.pop()!) ?? []) {
        if (!seen.has(ch)) {
          seen.add(ch);
          stack.push(ch);
        }
      }
    }
    return [...seen].sort(compareCodePoints);
  }

  /** Live identities whose canonical campaign is `uuid`'s subtree root, in code point order. */
  members(uuid: string): string[] {
    const out: string[] = [];
    for (const c of this.subtree(uuid)) for (const m of this.tables.rows.get(c)?.members ?? []) out.push(m);
    return out.sort(compareCodePoints);
  }

  /** The campaign an identity is literally assigned to, if it is active. */
  literalCampaignOf(identity: string): string | undefined {
    return this.tables.identities.get(identity);
  }

  identity(uuid: string): IdentityFacts | undefined {
    return this.facts.get(uuid);
  }

  /** History of a set of campaigns, ascending sequence, each event once. */
  campaignHistory(campaigns: readonly string[]): HistoryEntry[] {
    return this.entriesOf(campaigns.map((c) => this.byCampaign.get(c) ?? []));
  }

  identityHistory(identity: string): HistoryEntry[] {
    return this.entriesOf([this.byIdentity.get(identity) ?? []]);
  }

  private entriesOf(lists: ReadonlyArray<readonly number[]>): HistoryEntry[] {
    const seqs = new Set<number>();
    for (const l of lists) for (const s of l) seqs.add(s);
    return [...seqs].sort((a, b) => a - b).map((s) => this.entries.get(s)!);
  }

  /** Latest known edges with both ends in `members`. */
  edgesWithin(members: readonly string[]): IndexedEdge[] {
    const inside = new Set(members);
    const keys = new Set<string>();
    for (const m of members) {
      for (const k of this.edgeKeysOf.get(m) ?? []) {
        const e = this.edges.get(k)!;
        if (inside.has(e.a) && inside.has(e.b)) keys.add(k);
      }
    }
    return [...keys].map((k) => this.edges.get(k)!);
  }

  /** Latest known edges touching `identity`. */
  edgesOf(identity: string): IndexedEdge[] {
    return [...(this.edgeKeysOf.get(identity) ?? [])].map((k) => this.edges.get(k)!);
  }
}
