/**
 * The query port answered from a PostgreSQL read model: the SQLite view's queries
 * (sqlite/read-model-view.ts) in PostgreSQL's dialect, inside one REPEATABLE READ READ ONLY
 * transaction per request (read-model.ts), so every answer reflects one position of the model.
 * Search is a LIKE on each term's lower-cased text, served by its trigram GIN index.
 */
import type { PoolClient } from 'pg';
import { CAMPAIGN_EVENT_TYPES, type CampaignEventType } from '../../domain/campaign-events.ts';
import { compareCodePoints } from '../../domain/code-point-order.ts';
import { FAMILIES, summaryOf, type Family, type FamilySummary } from '../../domain/evidence-summary.ts';
import {
  historyEntry, searchNeedle, type CampaignSummary, type CampaignView, type HistoryEntry, type IdentityState, type IndexedEdge,
  type ListedCampaign, type ListQuery, type Member, type Page, type PageRequest, type ReadModelStats,
} from '../../ports/campaign-queries.ts';
import { readEventsAt, type EventLog } from '../../ports/event-log.ts';
import { campaignComparator, matchesOf, valueMatches } from '../campaign-list.ts';
import { TERM_KIND, TYPE_CODE } from '../read-model-fold.ts';
import { listOrder, type ReadModelTables } from './read-model-schema.ts';
import {
  edgeFromRecord, factsFromRecord, SORT_COLUMN, summaryFromRecord, type CampaignRecord, type EdgeRecord, type IdentityRecord,
} from '../read-model-records.ts';

/** `%`, `_` and `\` are LIKE's own characters: a needle holding them means them literally. */
const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export class PgReadModelView implements CampaignView {
  private constructor(
    private readonly c: PoolClient,
    private readonly r: ReadModelTables,
    private readonly log: EventLog,
    readonly sequence: number,
    private readonly counts: { active: number; empty: number; merged: number; identities: number },
    private readonly types: Record<string, number>,
  ) {}

  /** A view over the client's transaction, which the caller has begun. */
  static async open(c: PoolClient, r: ReadModelTables, log: EventLog): Promise<PgReadModelView> {
    const meta = await c.query<{ key: string; value: string }>(`SELECT key, value FROM ${r.meta} WHERE key IN ('sequence', 'counts', 'types')`);
    const get = (k: string): string => meta.rows.find((m) => m.key === k)!.value;
    return new PgReadModelView(c, r, log, Number(get('sequence')), JSON.parse(get('counts')), JSON.parse(get('types')));
  }

  private async rootOf(canonical: string): Promise<number> {
    const res = await this.c.query<{ cid: number }>(`SELECT cid FROM ${this.r.campaigns} WHERE uuid = $1`, [canonical]);
    if (res.rows.length === 0) throw new Error(`no campaign ${canonical}`);
    return res.rows[0].cid;
  }

  async campaign(uuid: string): Promise<CampaignSummary | undefined> {
    const res = await this.c.query<CampaignRecord>(`SELECT * FROM ${this.r.campaigns} WHERE uuid = $1`, [uuid]);
    return res.rows.length === 0 ? undefined : summaryFromRecord(res.rows[0]);
  }

  async canonical(uuid: string): Promise<string> {
    const res = await this.c.query<{ uuid: string }>(
      `SELECT r.uuid FROM ${this.r.campaigns} c JOIN ${this.r.ids} r ON r.cid = c.root WHERE c.uuid = $1`, [uuid]);
    return res.rows[0].uuid;
  }

  async mergePath(uuid: string): Promise<string[]> {
    // The chain in one query; cycle-safe like the in-memory walk (it stops at a campaign seen).
    const res = await this.c.query<{ uuid: string }>(`
      WITH RECURSIVE path (uuid, next, depth, seen) AS (
        SELECT uuid, merged_into, 0, ARRAY[uuid] FROM ${this.r.campaigns} WHERE uuid = $1
        UNION ALL
        SELECT c.uuid, c.merged_into, p.depth + 1, p.seen || c.uuid FROM path p JOIN ${this.r.campaigns} c ON c.uuid = p.next
        WHERE NOT c.uuid = ANY (p.seen))
      SELECT uuid FROM path ORDER BY depth`, [uuid]);
    return res.rows.length === 0 ? [uuid] : res.rows.map((x) => x.uuid);
  }

  async mergedIn(canonical: string, { limit, offset }: PageRequest): Promise<Page<string>> {
    const root = await this.rootOf(canonical);
    const res = await this.c.query<{ uuid: string; total: number }>(`
      SELECT coalesce((SELECT campaigns FROM ${this.r.rootSizes} WHERE root = $1), 0)::int - 1 AS total, page.uuid
      FROM (SELECT 1) one LEFT JOIN LATERAL (
        SELECT uuid FROM ${this.r.campaigns} WHERE root = $1 AND cid <> $1 ORDER BY uuid LIMIT $2 OFFSET $3) page ON true`,
    [root, limit, offset]);
    return { total: res.rows[0].total, data: res.rows.filter((x) => x.uuid !== null).map((x) => x.uuid) };
  }

  async list(q: ListQuery): Promise<Page<ListedCampaign>> {
    if (q.q !== undefined) return this.search(q, q.q);
    // The page's cids from the sort's own index (an index-only scan past the offset), then its rows.
    const order = listOrder(SORT_COLUMN[q.sort], q.order);
    const res = await this.c.query<CampaignRecord>(`
      SELECT c.* FROM (SELECT cid FROM ${this.r.campaigns} WHERE merged_into IS NULL ORDER BY ${order} LIMIT $1 OFFSET $2) p
      JOIN ${this.r.campaigns} c ON c.cid = p.cid ORDER BY ${listOrder(SORT_COLUMN[q.sort], q.order, 'c.')}`, [q.limit, q.offset]);
    return { total: this.counts.active + this.counts.empty, data: res.rows.map((r) => ({ row: summaryFromRecord(r), matches: [] })) };
  }

  private async search(q: ListQuery, raw: string): Promise<Page<ListedCampaign>> {
    const needle = searchNeedle(raw);
    if (needle === null) return { total: 0, data: [] };
    const hits = await this.c.query<{ kind: number; value: string; root: number; live: boolean }>(`
      SELECT t.kind, t.value, c.root, c.merged_into IS NULL AS live FROM ${this.r.terms} t JOIN ${this.r.campaigns} c ON c.cid = t.owner
      WHERE t.lower LIKE $1`, [`%${likeEscape(needle)}%`]);
    const byRoot = new Map<number, string[]>();
    for (const h of hits.rows) {
      if (!valueMatches(h.value, needle)) continue;
      if (h.kind === TERM_KIND.identity) {
        let ids = byRoot.get(h.root);
        if (ids === undefined) byRoot.set(h.root, (ids = []));
        ids.push(h.value);
      } else if (h.live && !byRoot.has(h.root)) byRoot.set(h.root, []);
    }
    // Sorted on the sort keys alone (a root on a merge cycle is not live: not listed); only the
    // page's rows are read whole.
    const keys = (await this.c.query<CampaignSummary & { cid: number }>(`
      SELECT cid, uuid, updated_sequence, formed_sequence, first_activity, last_activity, identity_count, confidence FROM ${this.r.campaigns}
      WHERE cid = ANY ($1::bigint[]) AND merged_into IS NULL`, [[...byRoot.keys()]])).rows;
    const cmp = campaignComparator(q.sort, q.order);
    keys.sort(cmp);
    const page = keys.slice(q.offset, q.offset + q.limit);
    const res = await this.c.query<CampaignRecord>(`SELECT * FROM ${this.r.campaigns} WHERE cid = ANY ($1::bigint[])`, [page.map((k) => k.cid)]);
    const rows = new Map(res.rows.map((r) => [r.cid, summaryFromRecord(r)]));
    const data = page.map(({ cid }) => {
      const row = rows.get(cid)!;
      return { row, matches: matchesOf(row, byRoot.get(cid)!.sort(compareCodePoints), needle) };
    });
    return { total: keys.length, data };
  }

  async members(canonical: string, { limit, offset }: PageRequest): Promise<Page<Member>> {
    const root = await this.rootOf(canonical);
    const total = Number((await this.c.query<{ n: string }>(`SELECT members AS n FROM ${this.r.rootSizes} WHERE root = $1`, [root])).rows[0]?.n ?? 0);
    if (limit === 0) return { total, data: [] };
    const res = await this.c.query<IdentityRecord & { campaign_uuid: string }>(`
      SELECT i.*, c.uuid AS campaign_uuid FROM (
        SELECT uuid FROM ${this.r.identities} WHERE root = $1 ORDER BY last_sequence DESC, uuid LIMIT $2 OFFSET $3) p
      JOIN ${this.r.identities} i ON i.uuid = p.uuid JOIN ${this.r.ids} c ON c.cid = i.campaign
      ORDER BY i.last_sequence DESC, i.uuid`, [root, limit, offset]);
    return { total, data: res.rows.map((r) => ({ facts: factsFromRecord(r), campaign: r.campaign_uuid })) };
  }

  async edges(canonical: string, { limit, offset }: PageRequest): Promise<Page<IndexedEdge>> {
    const root = await this.rootOf(canonical);
    const total = (await this.c.query<{ edges: number }>(`SELECT edges FROM ${this.r.families} WHERE root = $1`, [root])).rows[0]?.edges ?? 0;
    const res = await this.c.query<EdgeRecord>(`
      SELECT e.body, e.sequence, e.time FROM (
        SELECT a, b FROM ${this.r.edges} WHERE root = $1 ORDER BY weight DESC, a, b LIMIT $2 OFFSET $3) p
      JOIN ${this.r.edges} e ON e.a = p.a AND e.b = p.b ORDER BY e.weight DESC, e.a, e.b`, [root, limit, offset]);
    return { total, data: res.rows.map(edgeFromRecord) };
  }

  async families(canonical: string): Promise<Record<Family, FamilySummary>> {
    const root = await this.rootOf(canonical);
    const f = (await this.c.query<Record<string, number | string>>(`SELECT * FROM ${this.r.families} WHERE root = $1`, [root])).rows[0];
    const max = await this.c.query<{ family: number; score: number }>(
      `SELECT family, max(score) AS score FROM ${this.r.scores} WHERE root = $1 AND n > 0 GROUP BY family`, [root]);
    const out = {} as Record<Family, FamilySummary>;
    FAMILIES.forEach((family, k) => {
      out[family] = summaryOf({
        edges: Number(f?.[`e${k}`] ?? 0),
        dominant: Number(f?.[`d${k}`] ?? 0),
        max_score: max.rows.find((m) => m.family === k)?.score ?? 0,
        nanos: Number(f?.[`n${k}`] ?? 0),
      });
    });
    return out;
  }

  async history(canonical: string, types: readonly CampaignEventType[], { limit, offset }: PageRequest): Promise<Page<HistoryEntry>> {
    const root = await this.rootOf(canonical);
    const codes = types.map((t) => TYPE_CODE.get(t)!);
    const counts = await this.c.query<{ type: number; n: number }>(`SELECT type, n FROM ${this.r.rootCounts} WHERE root = $1`, [root]);
    let total = 0;
    for (const { type, n } of counts.rows) if (codes.includes(type)) total += n;
    if (limit === 0 || offset >= total) return { total, data: [] };
    const all = codes.length === CAMPAIGN_EVENT_TYPES.length;
    const res = await this.c.query<{ sequence: number }>(
      `SELECT sequence FROM ${this.r.rootEvents} WHERE root = $1 ${all ? '' : 'AND type = ANY ($4::smallint[])'} ORDER BY sequence LIMIT $2 OFFSET $3`,
      all ? [root, limit, offset] : [root, limit, offset, codes]);
    return { total, data: (await readEventsAt(this.log, res.rows.map((x) => x.sequence))).map(historyEntry) };
  }

  async identity(uuid: string): Promise<IdentityState | undefined> {
    const res = await this.c.query<IdentityRecord & { campaign_uuid: string | null; root_uuid: string | null }>(`
      SELECT i.*, c.uuid AS campaign_uuid, r.uuid AS root_uuid FROM ${this.r.identities} i
      LEFT JOIN ${this.r.ids} c ON c.cid = i.campaign LEFT JOIN ${this.r.ids} r ON r.cid = i.root WHERE i.uuid = $1`, [uuid]);
    if (res.rows.length === 0) return undefined;
    const r = res.rows[0];
    return { facts: factsFromRecord(r), campaign: r.campaign_uuid, canonical: r.root_uuid };
  }

  async identityEdges(uuid: string): Promise<IndexedEdge[]> {
    const res = await this.c.query<EdgeRecord>(`
      SELECT body, sequence, time FROM ${this.r.edges} WHERE a = $1
      UNION ALL SELECT body, sequence, time FROM ${this.r.edges} WHERE b = $1 AND a <> $1`, [uuid]);
    return res.rows.map(edgeFromRecord).sort((x, y) => y.weight - x.weight || compareCodePoints(x.a, y.a) || compareCodePoints(x.b, y.b));
  }

  async identityHistory(uuid: string): Promise<HistoryEntry[]> {
    const res = await this.c.query<{ sequence: number }>(`SELECT sequence FROM ${this.r.identityEvents} WHERE identity = $1 ORDER BY sequence`, [uuid]);
    return (await readEventsAt(this.log, res.rows.map((x) => x.sequence))).map(historyEntry);
  }

  async liveCampaigns(minIdentities: number): Promise<CampaignSummary[]> {
    const res = await this.c.query<CampaignRecord>(
      `SELECT * FROM ${this.r.campaigns} WHERE merged_into IS NULL AND identity_count >= $1 ORDER BY uuid`, [minIdentities]);
    return res.rows.map(summaryFromRecord);
  }

  async stats(): Promise<ReadModelStats> {
    const largest = this.counts.active === 0 ? 0 : (await this.c.query<{ n: number }>(
      `SELECT identity_count AS n FROM ${this.r.campaigns} WHERE merged_into IS NULL ORDER BY ${listOrder('identity_count', 'desc')} LIMIT 1`)).rows[0]?.n ?? 0;
    return {
      sequence: this.sequence,
      typeCounts: new Map(Object.entries(this.types) as Array<[CampaignEventType, number]>),
      campaigns: { active: this.counts.active, empty: this.counts.empty, merged: this.counts.merged, largest },
      identities: this.counts.identities,
    };
  }
}
