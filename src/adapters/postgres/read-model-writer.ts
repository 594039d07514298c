/**
 * Applies pages of campaign events to a PostgreSQL read model, each in one transaction that
 * also moves the stored position (taken FOR UPDATE, so two servers keeping one model never
 * apply a page twice). The same plan as the SQLite read model (read-model-fold.ts) and the same
 * set-wise steps (sqlite/read-model-writer.ts describes them), written as a fixed number of
 * statements per page: rows, links, identities, edges and terms go in as arrays (unnest), never
 * one round trip per row.
 */
import type { PoolClient } from 'pg';
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import { dominantFamily, FAMILIES, weightedNanos } from '../../domain/evidence-summary.ts';
import { PartialTablesError, type StoredRow } from '../../domain/tables.ts';
import {
  namedKeys, planPage, TERM_KIND, TYPE_CODE, type ReadModelPlan, type StatusCounts, type StoredCampaign, type StoredIdentity, type WorkingSet,
} from '../read-model-fold.ts';
import { factsFromRecord, storedRowFromRecord, type CampaignRecord, type IdentityRecord } from '../read-model-records.ts';
import type { ReadModelTables } from './read-model-schema.ts';

const FAMILY_COLUMNS = ['edges', ...['e', 'd', 'n'].flatMap((p) => FAMILIES.map((_, k) => `${p}${k}`))];
const familySums = (sign: '' | '-'): string => [
  `${sign}count(*)`,
  ...FAMILIES.map((_, k) => `${sign}count(*) FILTER (WHERE e.s${k} > 0)`),
  ...FAMILIES.map((_, k) => `${sign}count(*) FILTER (WHERE e.dom = ${k})`),
  ...FAMILIES.map((_, k) => `${sign}sum(e.n${k})`),
].join(', ');

/** Columns of `rm_campaigns` a page writes, with their array types for unnest. */
const ROW_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['cid', 'bigint'], ['uuid', 'text'], ['parent', 'bigint'], ['status', 'text'], ['merged_into', 'text'], ['formed_at', 'text'],
  ['formed_sequence', 'bigint'], ['first_activity', 'text'], ['last_activity', 'text'], ['identity_count', 'integer'],
  ['member_count', 'integer'], ['payload_hashes', 'text'], ['c2_endpoints', 'text'], ['deckies', 'text'], ['asns', 'text'],
  ['confidence', 'double precision'], ['updated_at', 'text'], ['updated_sequence', 'bigint'],
];

const IDENTITY_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['uuid', 'text'], ['campaign', 'bigint'], ['first_sequence', 'bigint'], ['first_time', 'text'], ['last_sequence', 'bigint'],
  ['last_time', 'text'], ['joined_sequence', 'bigint'], ['joined_time', 'text'], ['removed_reason', 'text'],
  ['removed_sequence', 'bigint'], ['removed_time', 'text'],
];

const EDGE_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['a', 'text'], ['b', 'text'], ['weight', 'double precision'], ['s0', 'double precision'], ['s1', 'double precision'],
  ['s2', 'double precision'], ['s3', 'double precision'], ['s4', 'double precision'], ['dom', 'smallint'], ['n0', 'bigint'],
  ['n1', 'bigint'], ['n2', 'bigint'], ['n3', 'bigint'], ['n4', 'bigint'], ['sequence', 'bigint'], ['time', 'text'], ['body', 'text'],
];

/** `SELECT * FROM unnest($k::type[], …) AS x (columns)`, parameters from `first`. */
const unnest = (columns: ReadonlyArray<readonly [string, string]>, first = 1): string =>
  `unnest(${columns.map(([, type], k) => `$${first + k}::${type}[]`).join(', ')}) AS x (${columns.map(([c]) => c).join(', ')})`;

export class PgReadModelWriter {
  private tempReady = false;

  constructor(private readonly client: PoolClient, private readonly r: ReadModelTables) {}

  async sequence(): Promise<number> {
    const res = await this.client.query<{ value: string }>(`SELECT value FROM ${this.r.meta} WHERE key = 'sequence'`);
    return Number(res.rows[0].value);
  }

  /**
   * Applies `events` (whole batches) if the model stands right before them; returns the position
   * after, which is past them too when another process applied them first.
   */
  async apply(events: readonly CampaignEvent[]): Promise<number> {
    const c = this.client;
    await this.ensureTemp();
    await c.query('BEGIN');
    try {
      const at = Number((await c.query<{ value: string }>(`SELECT value FROM ${this.r.meta} WHERE key = 'sequence' FOR UPDATE`)).rows[0].value);
      const last = events[events.length - 1].sequence;
      if (at >= last) {
        await c.query('COMMIT');
        return at;
      }
      if (at !== events[0].sequence - 1) throw new Error(`read model at ${at}, page starts at ${events[0].sequence}`);
      let plan: ReadModelPlan;
      try {
        plan = planPage(await this.load(events, at, false), events);
      } catch (e) {
        if (!(e instanceof PartialTablesError)) throw e;
        plan = planPage(await this.load(events, at, true), events);
      }
      await this.write(plan, at, events[events.length - 1].event_id);
      await c.query('COMMIT');
      return plan.sequence;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    }
  }

  private async ensureTemp(): Promise<void> {
    if (this.tempReady) return;
    // Per session, emptied at every commit: the working tables of one page.
    await this.client.query(`
      CREATE TEMP TABLE IF NOT EXISTS t_moved (cid bigint PRIMARY KEY, old_root bigint, new_root bigint NOT NULL) ON COMMIT DELETE ROWS;
      CREATE TEMP TABLE IF NOT EXISTS t_ids (uuid text COLLATE "C" PRIMARY KEY, old_root bigint) ON COMMIT DELETE ROWS;
      CREATE TEMP TABLE IF NOT EXISTS t_edges (a text COLLATE "C" NOT NULL, b text COLLATE "C" NOT NULL, PRIMARY KEY (a, b)) ON COMMIT DELETE ROWS;
      CREATE TEMP TABLE IF NOT EXISTS t_root_events (root bigint NOT NULL, sequence bigint NOT NULL, type smallint NOT NULL, PRIMARY KEY (root, sequence)) ON COMMIT DELETE ROWS;
    `);
    this.tempReady = true;
  }

  private async load(events: readonly CampaignEvent[], at: number, everything: boolean): Promise<WorkingSet> {
    const { client: c, r } = this;
    const keys = namedKeys(events);
    const identities = new Map<string, StoredIdentity>();
    const ids = await c.query<IdentityRecord & { campaign_uuid: string | null }>(
      `SELECT i.*, c.uuid AS campaign_uuid FROM ${r.identities} i LEFT JOIN ${r.ids} c ON c.cid = i.campaign WHERE i.uuid = ANY ($1::text[])`,
      [[...keys.identities]]);
    for (const row of ids.rows) {
      identities.set(row.uuid, { facts: factsFromRecord(row), campaign: row.campaign_uuid });
      if (row.campaign_uuid !== null) keys.campaigns.add(row.campaign_uuid);
    }
    const campaigns = new Map<string, StoredCampaign>();
    const take = (row: CampaignRecord & { root_uuid: string }): void => void campaigns.set(row.uuid, { row: storedRowFromRecord(row), root: row.root_uuid });
    const select = `SELECT c.*, r.uuid AS root_uuid FROM ${r.campaigns} c LEFT JOIN ${r.ids} r ON r.cid = c.root`;
    if (everything) {
      for (const row of (await c.query<CampaignRecord & { root_uuid: string }>(select)).rows) take(row);
    } else {
      let wanted = [...keys.campaigns];
      while (wanted.length > 0) {
        const next = new Set<string>();
        for (const row of (await c.query<CampaignRecord & { root_uuid: string }>(`${select} WHERE c.uuid = ANY ($1::text[])`, [wanted])).rows) {
          take(row);
          if (row.merged_into !== null && !campaigns.has(row.merged_into)) next.add(row.merged_into);
        }
        wanted = [...next].filter((u) => !campaigns.has(u));
      }
    }
    return { sequence: at, campaigns, identities, complete: everything };
  }

  /** Campaign ids of every uuid the plan writes, interned in one statement. */
  private async intern(plan: ReadModelPlan): Promise<Map<string, number>> {
    const uuids = new Set<string>();
    for (const { row } of plan.rows) {
      uuids.add(row.uuid);
      if (row.merged_into !== null) uuids.add(row.merged_into);
    }
    for (const l of plan.links) for (const c of l.campaigns) uuids.add(c);
    for (const [c, root] of plan.reRoot) uuids.add(c).add(root);
    for (const i of plan.identities) if (i.campaign !== null) uuids.add(i.campaign);
    for (const t of [...plan.termsAdded, ...plan.termsRemoved]) uuids.add(t.owner);
    const list = [...uuids];
    await this.client.query(`INSERT INTO ${this.r.ids} (uuid) SELECT unnest($1::text[]) ORDER BY 1 ON CONFLICT (uuid) DO NOTHING`, [list]);
    const res = await this.client.query<{ cid: number; uuid: string }>(`SELECT cid, uuid FROM ${this.r.ids} WHERE uuid = ANY ($1::text[])`, [list]);
    return new Map(res.rows.map((x) => [x.uuid, x.cid]));
  }

  private async write(plan: ReadModelPlan, from: number, lastEventId: string): Promise<void> {
    const { client: c, r } = this;
    const cid = await this.intern(plan);
    const id = (uuid: string): number => cid.get(uuid)!;

    // ---- campaign rows (roots move below) -----------------------------------------------------
    const rowArrays = ROW_COLUMNS.map(() => [] as unknown[]);
    const fresh: boolean[] = [];
    for (const { row, before } of plan.rows) {
      const values = [
        id(row.uuid), row.uuid, row.merged_into === null ? null : id(row.merged_into), row.status, row.merged_into, row.formed_at,
        row.formed_sequence, row.first_activity, row.last_activity, row.identity_count, row.member_count,
        JSON.stringify(row.payload_hashes), JSON.stringify(row.c2_endpoints), JSON.stringify(row.deckies), JSON.stringify(row.asns),
        row.confidence, row.updated_at, row.updated_sequence,
      ];
      values.forEach((v, k) => rowArrays[k].push(v));
      fresh.push(before === null);
    }
    const cols = ROW_COLUMNS.map(([name]) => name);
    await c.query(`
      INSERT INTO ${r.campaigns} (${cols.join(', ')}) SELECT ${cols.map((n) => `x.${n}`).join(', ')} FROM ${unnest(ROW_COLUMNS)}
      ON CONFLICT (cid) DO UPDATE SET ${cols.filter((n) => n !== 'cid' && n !== 'uuid').map((n) => `${n} = excluded.${n}`).join(', ')}`,
    rowArrays);

    // ---- history links ----------------------------------------------------------------------------
    const ce: [number[], number[], number[]] = [[], [], []];
    const ie: [string[], number[]] = [[], []];
    for (const l of plan.links) {
      const type = TYPE_CODE.get(l.type)!;
      for (const x of l.campaigns) { ce[0].push(id(x)); ce[1].push(l.sequence); ce[2].push(type); }
      for (const i of l.identities) { ie[0].push(i); ie[1].push(l.sequence); }
    }
    await c.query(`INSERT INTO ${r.campaignEvents} (cid, sequence, type) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::smallint[]) ON CONFLICT DO NOTHING`, ce);
    await c.query(`INSERT INTO ${r.identityEvents} (identity, sequence) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING`, ie);

    // ---- roots -----------------------------------------------------------------------------------------
    const starts = [...plan.reRoot.keys()].map(id);
    const roots = [...plan.reRoot.values()].map(id);
    await c.query(`
      INSERT INTO t_moved (cid, old_root, new_root)
      WITH RECURSIVE sub (cid, new_root) AS (
        SELECT * FROM unnest($1::bigint[], $2::bigint[])
        UNION SELECT c.cid, sub.new_root FROM ${r.campaigns} c JOIN sub ON c.parent = sub.cid)
      SELECT sub.cid, c.root, sub.new_root FROM sub JOIN ${r.campaigns} c ON c.cid = sub.cid
      WHERE c.root IS DISTINCT FROM sub.new_root
      ON CONFLICT (cid) DO NOTHING`, [starts, roots]);
    await c.query(`UPDATE ${r.campaigns} x SET root = m.new_root FROM t_moved m WHERE m.cid = x.cid`);
    await c.query(`
      INSERT INTO ${r.rootSizes} (root, campaigns, members) SELECT root, sum(n), 0 FROM (
        SELECT new_root AS root, 1 AS n FROM t_moved UNION ALL SELECT old_root, -1 FROM t_moved WHERE old_root IS NOT NULL) x
      GROUP BY root ON CONFLICT (root) DO UPDATE SET campaigns = ${r.rootSizes}.campaigns + excluded.campaigns`);
    await c.query(`INSERT INTO t_ids SELECT i.uuid, i.root FROM t_moved m JOIN ${r.identities} i ON i.campaign = m.cid ON CONFLICT DO NOTHING`);
    await c.query(`UPDATE ${r.identities} x SET root = m.new_root FROM t_moved m WHERE m.cid = x.campaign`);
    // History: events a tree no longer names leave it, then moved and new events join theirs.
    await c.query(`
      INSERT INTO t_root_events SELECT m.old_root, ce.sequence, ce.type FROM t_moved m JOIN ${r.campaignEvents} ce ON ce.cid = m.cid
      WHERE m.old_root IS NOT NULL AND ce.sequence <= $1 ON CONFLICT DO NOTHING`, [from]);
    await c.query(`
      DELETE FROM t_root_events t WHERE EXISTS (SELECT 1 FROM ${r.campaignEvents} ce JOIN ${r.campaigns} c ON c.cid = ce.cid
        WHERE ce.sequence = t.sequence AND c.root = t.root)`);
    await c.query(`
      UPDATE ${r.rootCounts} x SET n = x.n - y.n FROM (SELECT root, type, count(*) AS n FROM t_root_events GROUP BY root, type) y
      WHERE y.root = x.root AND y.type = x.type`);
    await c.query(`DELETE FROM ${r.rootCounts} x USING t_root_events t WHERE x.root = t.root AND x.type = t.type AND x.n = 0`);
    await c.query(`DELETE FROM ${r.rootEvents} x USING t_root_events t WHERE x.root = t.root AND x.sequence = t.sequence`);
    await c.query('DELETE FROM t_root_events');
    await c.query(`INSERT INTO t_root_events SELECT m.new_root, ce.sequence, ce.type FROM t_moved m JOIN ${r.campaignEvents} ce ON ce.cid = m.cid ON CONFLICT DO NOTHING`);
    await c.query(`
      INSERT INTO t_root_events SELECT c.root, ce.sequence, ce.type FROM ${r.campaignEvents} ce JOIN ${r.campaigns} c ON c.cid = ce.cid
      WHERE ce.sequence > $1 AND c.root IS NOT NULL ON CONFLICT DO NOTHING`, [from]);
    await c.query(`DELETE FROM t_root_events t USING ${r.rootEvents} x WHERE x.root = t.root AND x.sequence = t.sequence`);
    await c.query(`INSERT INTO ${r.rootEvents} SELECT root, sequence, type FROM t_root_events`);
    await c.query(`
      INSERT INTO ${r.rootCounts} SELECT root, type, count(*) FROM t_root_events GROUP BY root, type
      ON CONFLICT (root, type) DO UPDATE SET n = ${r.rootCounts}.n + excluded.n`);

    // ---- identities the page names ----------------------------------------------------------------
    const idArrays = IDENTITY_COLUMNS.map(() => [] as unknown[]);
    for (const { facts: f, campaign } of plan.identities) {
      [f.uuid, campaign === null ? null : id(campaign), f.first_sequence, f.first_time, f.last_sequence, f.last_time,
        f.joined_sequence, f.joined_time, f.removed?.reason ?? null, f.removed?.sequence ?? null, f.removed?.time ?? null]
        .forEach((v, k) => idArrays[k].push(v));
    }
    const icols = IDENTITY_COLUMNS.map(([n]) => n);
    await c.query(`INSERT INTO t_ids SELECT x.u, i.root FROM unnest($1::text[]) AS x (u) LEFT JOIN ${r.identities} i ON i.uuid = x.u ON CONFLICT DO NOTHING`,
      [idArrays[0]]);
    await c.query(`
      INSERT INTO ${r.identities} (${icols.join(', ')}, root)
      SELECT ${icols.map((n) => `x.${n}`).join(', ')}, c.root FROM ${unnest(IDENTITY_COLUMNS)} LEFT JOIN ${r.campaigns} c ON c.cid = x.campaign
      ON CONFLICT (uuid) DO UPDATE SET campaign = excluded.campaign, root = excluded.root, last_sequence = excluded.last_sequence,
        last_time = excluded.last_time, joined_sequence = excluded.joined_sequence, joined_time = excluded.joined_time,
        removed_reason = excluded.removed_reason, removed_sequence = excluded.removed_sequence, removed_time = excluded.removed_time`,
    idArrays);
    await c.query(`
      INSERT INTO ${r.rootSizes} (root, campaigns, members) SELECT root, 0, sum(n) FROM (
        SELECT i.root AS root, 1 AS n FROM t_ids t JOIN ${r.identities} i ON i.uuid = t.uuid WHERE i.root IS NOT NULL AND i.root IS DISTINCT FROM t.old_root
        UNION ALL
        SELECT t.old_root, -1 FROM t_ids t JOIN ${r.identities} i ON i.uuid = t.uuid WHERE t.old_root IS NOT NULL AND i.root IS DISTINCT FROM t.old_root) x
      GROUP BY root ON CONFLICT (root) DO UPDATE SET members = ${r.rootSizes}.members + excluded.members`);

    // ---- edges ---------------------------------------------------------------------------------------
    await c.query(`INSERT INTO t_edges SELECT e.a, e.b FROM t_ids i JOIN ${r.edges} e ON e.a = i.uuid ON CONFLICT DO NOTHING`);
    await c.query(`INSERT INTO t_edges SELECT e.a, e.b FROM t_ids i JOIN ${r.edges} e ON e.b = i.uuid ON CONFLICT DO NOTHING`);
    await c.query('INSERT INTO t_edges SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING',
      [plan.edges.map((e) => e.a), plan.edges.map((e) => e.b)]);
    for (const sign of ['-', ''] as const) {
      if (sign === '') {
        const edgeArrays = EDGE_COLUMNS.map(() => [] as unknown[]);
        for (const e of plan.edges) {
          const { sequence, time, ...carried } = e;
          [e.a, e.b, e.weight, e.handoff, e.shared_infra, e.temporal, e.cohort, e.keystroke, FAMILIES.indexOf(dominantFamily(e)),
            weightedNanos(e, 'handoff'), weightedNanos(e, 'shared_infra'), weightedNanos(e, 'temporal'), weightedNanos(e, 'cohort'),
            weightedNanos(e, 'keystroke'), sequence, time, JSON.stringify(carried)].forEach((v, k) => edgeArrays[k].push(v));
        }
        const ecols = EDGE_COLUMNS.map(([n]) => n);
        await c.query(`
          INSERT INTO ${r.edges} (${ecols.join(', ')}) SELECT ${ecols.map((n) => `x.${n}`).join(', ')} FROM ${unnest(EDGE_COLUMNS)}
          ON CONFLICT (a, b) DO UPDATE SET ${ecols.filter((n) => n !== 'a' && n !== 'b').map((n) => `${n} = excluded.${n}`).join(', ')}`,
        edgeArrays);
        await c.query(`
          UPDATE ${r.edges} x SET root = CASE WHEN ia.root = ib.root THEN ia.root END
          FROM t_edges t LEFT JOIN ${r.identities} ia ON ia.uuid = t.a LEFT JOIN ${r.identities} ib ON ib.uuid = t.b
          WHERE x.a = t.a AND x.b = t.b AND x.root IS DISTINCT FROM (CASE WHEN ia.root = ib.root THEN ia.root END)`);
      }
      await c.query(`
        INSERT INTO ${r.families} (root, ${FAMILY_COLUMNS.join(', ')})
        SELECT e.root, ${familySums(sign)} FROM t_edges t JOIN ${r.edges} e ON e.a = t.a AND e.b = t.b WHERE e.root IS NOT NULL GROUP BY e.root
        ON CONFLICT (root) DO UPDATE SET ${FAMILY_COLUMNS.map((n) => `${n} = ${r.families}.${n} + excluded.${n}`).join(', ')}`);
      await c.query(`
        INSERT INTO ${r.scores} (root, family, score, n)
        ${FAMILIES.map((_, k) => `SELECT e.root, ${k}, e.s${k}, ${sign}count(*) FROM t_edges t JOIN ${r.edges} e ON e.a = t.a AND e.b = t.b
          WHERE e.root IS NOT NULL AND e.s${k} > 0 GROUP BY e.root, e.s${k}`).join(' UNION ALL ')}
        ON CONFLICT (root, family, score) DO UPDATE SET n = ${r.scores}.n + excluded.n`);
    }
    await c.query(`DELETE FROM ${r.scores} WHERE n = 0`);

    // ---- search terms ------------------------------------------------------------------------------------
    const gone = plan.identities.filter((i) => i.campaign === null).map((i) => i.facts.uuid);
    await c.query(`DELETE FROM ${r.terms} WHERE kind = 0 AND value = ANY ($1::text[])`, [gone]);
    const present = plan.identities.filter((i) => i.campaign !== null);
    await c.query(`
      INSERT INTO ${r.terms} (kind, owner, value, lower) SELECT 0, x.owner, x.value, x.lower FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x (owner, value, lower)
      ON CONFLICT (value) WHERE kind = 0 DO UPDATE SET owner = excluded.owner`,
    [present.map((i) => id(i.campaign!)), present.map((i) => i.facts.uuid), present.map((i) => i.facts.uuid.toLowerCase())]);
    await c.query(`
      DELETE FROM ${r.terms} x USING unnest($1::smallint[], $2::text[], $3::bigint[]) AS t (kind, value, owner)
      WHERE x.kind = t.kind AND x.value = t.value AND x.owner = t.owner`,
    [plan.termsRemoved.map((t) => TERM_KIND[t.kind]), plan.termsRemoved.map((t) => t.value), plan.termsRemoved.map((t) => id(t.owner))]);
    await c.query(`
      INSERT INTO ${r.terms} (kind, owner, value, lower) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::text[], $4::text[])
      ON CONFLICT (kind, value, owner) DO NOTHING`,
    [plan.termsAdded.map((t) => TERM_KIND[t.kind]), plan.termsAdded.map((t) => id(t.owner)), plan.termsAdded.map((t) => t.value),
      plan.termsAdded.map((t) => t.value.toLowerCase())]);

    // ---- counters and position ------------------------------------------------------------------------------
    const meta = await c.query<{ key: string; value: string }>(`SELECT key, value FROM ${r.meta} WHERE key IN ('counts', 'types')`);
    const get = (k: string): string => meta.rows.find((m) => m.key === k)!.value;
    const counts = JSON.parse(get('counts')) as StatusCounts & { identities: number };
    for (const k of ['active', 'empty', 'merged'] as const) counts[k] += plan.statusDelta[k];
    counts.identities += plan.identitiesDelta;
    const types = JSON.parse(get('types')) as Record<string, number>;
    for (const [t, n] of plan.typeCounts) types[t] = (types[t] ?? 0) + n;
    await c.query(`
      UPDATE ${r.meta} x SET value = v.value FROM unnest($1::text[], $2::text[]) AS v (key, value) WHERE x.key = v.key`,
    [['counts', 'types', 'sequence', 'event_id'], [JSON.stringify(counts), JSON.stringify(types), String(plan.sequence), lastEventId]]);
  }
}
