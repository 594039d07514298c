/**
 * The query port (ports/campaign-queries.ts) answered from a SQLite read model: every question
 * is an index range the size of its answer (a page, a campaign's counters, an identity's few
 * edges), plus the page's events read from the log by sequence. Only a search reads what it
 * matches in full (its total is the number of live campaigns matched).
 *
 * A view is used inside one read transaction of its connection (read-model.ts): the follower
 * commits on another connection, and WAL keeps this one's snapshot until the view is done.
 */
import type { Database, Statement } from 'better-sqlite3';
import { CAMPAIGN_EVENT_TYPES, type CampaignEventType } from '../../domain/campaign-events.ts';
import { compareCodePoints } from '../../domain/code-point-order.ts';
import { FAMILIES, summaryOf, type Family, type FamilySummary } from '../../domain/evidence-summary.ts';
import {
  historyEntry, searchNeedle, type CampaignSummary, type CampaignView, type HistoryEntry, type IdentityState, type IndexedEdge,
  type ListedCampaign, type ListQuery, type Member, type Page, type PageRequest, type ReadModelStats,
} from '../../ports/campaign-queries.ts';
import { readEventsAt, type EventLog } from '../../ports/event-log.ts';
import { campaignComparator, matchesOf, valueMatches } from '../campaign-list.ts';
import { listOrder } from './read-model-schema.ts';
import { TERM_KIND, TYPE_CODE } from '../read-model-fold.ts';
import {
  edgeFromRecord, factsFromRecord, SORT_COLUMN, summaryFromRecord, type CampaignRecord, type EdgeRecord, type IdentityRecord,
} from '../read-model-records.ts';

/** Prepared once per connection. */
export class SqliteQueries {
  readonly s: Record<string, Statement>;
  private readonly lists = new Map<string, Statement>();

  constructor(readonly db: Database, readonly log: EventLog) {
    this.s = {
      meta: db.prepare('SELECT value FROM rm_meta WHERE key = ?').pluck(),
      campaign: db.prepare('SELECT * FROM rm_campaigns WHERE uuid = ?'),
      canonical: db.prepare('SELECT r.uuid FROM rm_campaigns c JOIN rm_campaign_ids r ON r.cid = c.root WHERE c.uuid = ?').pluck(),
      mergedInto: db.prepare('SELECT merged_into FROM rm_campaigns WHERE uuid = ?').pluck(),
      cidOf: db.prepare('SELECT cid FROM rm_campaigns WHERE uuid = ?').pluck(),
      merged: db.prepare('SELECT uuid FROM rm_campaigns WHERE root = ? AND cid <> ? ORDER BY uuid LIMIT ? OFFSET ?').pluck(),
      sizes: db.prepare('SELECT campaigns, members FROM rm_root_sizes WHERE root = ?'),
      // Deep pages: the offset is skipped in the index alone (it covers the page's keys), and
      // only the page's rows are read.
      members: db.prepare(`
        SELECT i.*, c.uuid AS campaign_uuid FROM (
          SELECT uuid FROM rm_identities WHERE root = ? ORDER BY last_sequence DESC, uuid LIMIT ? OFFSET ?) p
        CROSS JOIN rm_identities i ON i.uuid = p.uuid JOIN rm_campaign_ids c ON c.cid = i.campaign
        ORDER BY i.last_sequence DESC, i.uuid`),
      edges: db.prepare(`
        SELECT e.body, e.sequence, e.time FROM (
          SELECT a, b FROM rm_edges WHERE root = ? ORDER BY weight DESC, a, b LIMIT ? OFFSET ?) p
        CROSS JOIN rm_edges e ON e.a = p.a AND e.b = p.b ORDER BY e.weight DESC, e.a, e.b`),
      families: db.prepare('SELECT * FROM rm_families WHERE root = ?'),
      maxScore: db.prepare('SELECT max(score) FROM rm_family_scores WHERE root = ? AND family = ? AND n > 0').pluck(),
      rootCounts: db.prepare('SELECT type, n FROM rm_root_counts WHERE root = ?'),
      identity: db.prepare(`
        SELECT i.*, c.uuid AS campaign_uuid, r.uuid AS root_uuid FROM rm_identities i
        LEFT JOIN rm_campaign_ids c ON c.cid = i.campaign LEFT JOIN rm_campaign_ids r ON r.cid = i.root WHERE i.uuid = ?`),
      identityEdges: db.prepare('SELECT body, sequence, time FROM rm_edges WHERE a = @id UNION ALL SELECT body, sequence, time FROM rm_edges WHERE b = @id AND a <> @id'),
      identityEvents: db.prepare('SELECT sequence FROM rm_identity_events WHERE identity = ? ORDER BY sequence').pluck(),
      live: db.prepare('SELECT * FROM rm_campaigns WHERE merged_into IS NULL AND identity_count >= ? ORDER BY uuid'),
      largest: db.prepare(`SELECT identity_count FROM rm_campaigns WHERE merged_into IS NULL ORDER BY ${listOrder('identity_count', 'desc')} LIMIT 1`).pluck(),
      search: db.prepare(`
        SELECT t.kind, t.value, c.uuid AS owner, c.root, c.merged_into IS NULL AS live FROM rm_terms_fts f
        JOIN rm_terms t ON t.tid = f.rowid JOIN rm_campaigns c ON c.cid = t.owner WHERE rm_terms_fts MATCH ?`),
      rowsByCid: db.prepare('SELECT * FROM rm_campaigns WHERE cid IN (SELECT value FROM json_each(?))'),
      keysByCid: db.prepare(`
        SELECT cid, uuid, updated_sequence, formed_sequence, first_activity, last_activity, identity_count, confidence FROM rm_campaigns
        WHERE cid IN (SELECT value FROM json_each(?)) AND merged_into IS NULL`),
    };
  }

  /** The list statement of a sort column and direction: each reads its own index. */
  list(column: string, order: 'asc' | 'desc'): Statement {
    // The page's cids from the list's own index (a covering scan past the offset), then its rows.
    return this.statement(`list ${column} ${order}`, () => `
      SELECT c.* FROM (SELECT cid FROM rm_campaigns WHERE merged_into IS NULL ORDER BY ${listOrder(column, order)} LIMIT ? OFFSET ?) p
      CROSS JOIN rm_campaigns c ON c.cid = p.cid ORDER BY ${listOrder(column, order, 'c.')}`);
  }

  /** A statement built from our own constants (sort columns, type codes), prepared once. */
  statement(key: string, sql: () => string, pluck = false): Statement {
    let st = this.lists.get(key);
    if (st === undefined) {
      st = this.db.prepare(sql());
      if (pluck) st.pluck();
      this.lists.set(key, st);
    }
    return st;
  }
}

interface SearchHit {
  kind: number;
  value: string;
  owner: string;
  root: number;
  live: number;
}

export class SqliteReadModelView implements CampaignView {
  readonly sequence: number;
  private readonly s: Record<string, Statement>;

  constructor(private readonly q: SqliteQueries) {
    this.s = q.s;
    this.sequence = Number(this.s.meta.get('sequence'));
  }

  private record(uuid: string): CampaignRecord | undefined {
    return this.s.campaign.get(uuid) as CampaignRecord | undefined;
  }

  /** The root cid of a live campaign (its own cid). */
  private rootOf(canonical: string): number {
    const cid = this.s.cidOf.get(canonical) as number | undefined;
    if (cid === undefined) throw new Error(`no campaign ${canonical}`);
    return cid;
  }

  private sizes(root: number): { campaigns: number; members: number } {
    return (this.s.sizes.get(root) as { campaigns: number; members: number } | undefined) ?? { campaigns: 0, members: 0 };
  }

  async campaign(uuid: string): Promise<CampaignSummary | undefined> {
    const r = this.record(uuid);
    return r === undefined ? undefined : summaryFromRecord(r);
  }

  async canonical(uuid: string): Promise<string> {
    return this.s.canonical.get(uuid) as string;
  }

  async mergePath(uuid: string): Promise<string[]> {
    const path = [uuid];
    const seen = new Set(path);
    for (let p = this.s.mergedInto.get(uuid) as string | null | undefined; p != null && !seen.has(p); p = this.s.mergedInto.get(p) as string | null | undefined) {
      path.push(p);
      seen.add(p);
    }
    return path;
  }

  async mergedIn(canonical: string, { limit, offset }: PageRequest): Promise<Page<string>> {
    const root = this.rootOf(canonical);
    const total = this.sizes(root).campaigns - 1;
    return { total, data: limit === 0 ? [] : (this.s.merged.all(root, root, limit, offset) as string[]) };
  }

  async list(q: ListQuery): Promise<Page<ListedCampaign>> {
    if (q.q !== undefined) return this.search(q, q.q);
    const counts = JSON.parse(this.s.meta.get('counts') as string) as { active: number; empty: number };
    const rows = this.q.list(SORT_COLUMN[q.sort], q.order).all(q.limit, q.offset) as CampaignRecord[];
    return { total: counts.active + counts.empty, data: rows.map((r) => ({ row: summaryFromRecord(r), matches: [] })) };
  }

  /**
   * Every term containing the needle (a trigram phrase query is an exact substring match on the
   * lower-cased values), grouped by the live campaign it counts for; sorted and paged here.
   */
  private async search(q: ListQuery, raw: string): Promise<Page<ListedCampaign>> {
    const needle = searchNeedle(raw);
    if (needle === null) return { total: 0, data: [] };
    const byRoot = new Map<number, string[]>();
    for (const h of this.s.search.all(`"${needle.replace(/"/g, '""')}"`) as SearchHit[]) {
      if (!valueMatches(h.value, needle)) continue;
      if (h.kind === TERM_KIND.identity) {
        let ids = byRoot.get(h.root);
        if (ids === undefined) byRoot.set(h.root, (ids = []));
        ids.push(h.value);
      } else if (h.live === 1 && !byRoot.has(h.root)) byRoot.set(h.root, []);
    }
    // Sorted on the sort keys alone (a root on a merge cycle, which only a broken engine writes,
    // is not live: not listed); only the page's rows are read whole.
    const keys = this.s.keysByCid.all(JSON.stringify([...byRoot.keys()])) as Array<CampaignSummary & { cid: number }>;
    const cmp = campaignComparator(q.sort, q.order);
    keys.sort(cmp);
    const page = keys.slice(q.offset, q.offset + q.limit);
    const rows = new Map((this.s.rowsByCid.all(JSON.stringify(page.map((k) => k.cid))) as CampaignRecord[]).map((r) => [r.cid, summaryFromRecord(r)]));
    const data = page.map(({ cid }) => {
      const row = rows.get(cid)!;
      return { row, matches: matchesOf(row, byRoot.get(cid)!.sort(compareCodePoints), needle) };
    });
    return { total: keys.length, data };
  }

  async members(canonical: string, { limit, offset }: PageRequest): Promise<Page<Member>> {
    const root = this.rootOf(canonical);
    const total = this.sizes(root).members;
    if (limit === 0) return { total, data: [] };
    const rows = this.s.members.all(root, limit, offset) as Array<IdentityRecord & { campaign_uuid: string }>;
    return { total, data: rows.map((r) => ({ facts: factsFromRecord(r), campaign: r.campaign_uuid })) };
  }

  async edges(canonical: string, { limit, offset }: PageRequest): Promise<Page<IndexedEdge>> {
    const root = this.rootOf(canonical);
    const f = this.s.families.get(root) as { edges: number } | undefined;
    const rows = this.s.edges.all(root, limit, offset) as EdgeRecord[];
    return { total: f?.edges ?? 0, data: rows.map(edgeFromRecord) };
  }

  async families(canonical: string): Promise<Record<Family, FamilySummary>> {
    const root = this.rootOf(canonical);
    const f = this.s.families.get(root) as Record<string, number> | undefined;
    const out = {} as Record<Family, FamilySummary>;
    FAMILIES.forEach((family, k) => {
      out[family] = summaryOf({
        edges: f?.[`e${k}`] ?? 0,
        dominant: f?.[`d${k}`] ?? 0,
        max_score: (this.s.maxScore.get(root, k) as number | null) ?? 0,
        nanos: f?.[`n${k}`] ?? 0,
      });
    });
    return out;
  }

  async history(canonical: string, types: readonly CampaignEventType[], { limit, offset }: PageRequest): Promise<Page<HistoryEntry>> {
    const root = this.rootOf(canonical);
    const codes = types.map((t) => TYPE_CODE.get(t)!).sort((a, b) => a - b);
    let total = 0;
    for (const { type, n } of this.s.rootCounts.all(root) as Array<{ type: number; n: number }>) if (codes.includes(type)) total += n;
    if (limit === 0 || offset >= total) return { total, data: [] };
    const sequences = this.historyStatement(codes).all(root, limit, offset) as number[];
    return { total, data: (await readEventsAt(this.q.log, sequences)).map(historyEntry) };
  }

  private historyStatement(codes: readonly number[]): Statement {
    // Type codes are our own small integers: safe to inline, and one statement per type set.
    return this.q.statement(`history ${codes.join(',')}`, () =>
      `SELECT sequence FROM rm_root_events WHERE root = ? ${codes.length === CAMPAIGN_EVENT_TYPES.length ? '' : `AND type IN (${codes.join(', ')})`}
       ORDER BY sequence LIMIT ? OFFSET ?`, true);
  }

  async identity(uuid: string): Promise<IdentityState | undefined> {
    const r = this.s.identity.get(uuid) as (IdentityRecord & { campaign_uuid: string | null; root_uuid: string | null }) | undefined;
    if (r === undefined) return undefined;
    return { facts: factsFromRecord(r), campaign: r.campaign_uuid, canonical: r.root_uuid };
  }

  async identityEdges(uuid: string): Promise<IndexedEdge[]> {
    const edges = (this.s.identityEdges.all({ id: uuid }) as EdgeRecord[]).map(edgeFromRecord);
    return edges.sort((x, y) => y.weight - x.weight || compareCodePoints(x.a, y.a) || compareCodePoints(x.b, y.b));
  }

  async identityHistory(uuid: string): Promise<HistoryEntry[]> {
    return (await readEventsAt(this.q.log, this.s.identityEvents.all(uuid) as number[])).map(historyEntry);
  }

  async liveCampaigns(minIdentities: number): Promise<CampaignSummary[]> {
    return (this.s.live.all(minIdentities) as CampaignRecord[]).map(summaryFromRecord);
  }

  async stats(): Promise<ReadModelStats> {
    const counts = JSON.parse(this.s.meta.get('counts') as string) as { active: number; empty: number; merged: number; identities: number };
    const types = JSON.parse(this.s.meta.get('types') as string) as Record<string, number>;
    const largest = counts.active === 0 ? 0 : (this.s.largest.get() as number | undefined) ?? 0;
    return {
      sequence: this.sequence,
      typeCounts: new Map(Object.entries(types) as Array<[CampaignEventType, number]>),
      campaigns: { active: counts.active, empty: counts.empty, merged: counts.merged, largest },
      identities: counts.identities,
    };
  }
}
