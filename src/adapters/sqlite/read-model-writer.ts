/**
 * Applies pages of campaign events to a SQLite read model (read-model-schema.ts), each in one
 * IMMEDIATE transaction that also moves the stored position: a reader sees a page whole or not
 * at all, and a process that dies mid-page leaves the model at the previous page.
 *
 * A page is planned by read-model-fold.ts over the rows it reaches, loaded here; what the plan
 * leaves to the store (the subtrees below moved merge pointers, and everything keyed by a root)
 * is done set-wise in SQL, through temporary tables:
 *
 *   t_moved  campaigns whose root changes (old → new)    → their identities, history
 *   t_ids    identities whose root may have changed       → their edges, the roots' member counts
 *   t_edges  edges to re-root (and re-score)             → family totals of old and new roots
 *
 * Two processes may keep one read model (two `serve`s of one store): each page checks the
 * position under the write lock, so a page the other one applied is skipped, never applied twice.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import { dominantFamily, FAMILIES, weightedNanos } from '../../domain/evidence-summary.ts';
import { PartialTablesError, type StoredRow } from '../../domain/tables.ts';
import { BoundedCache } from '../bounded-cache.ts';
import {
  namedKeys, planPage, TERM_KIND, TYPE_CODE, type ReadModelPlan, type StatusCounts, type StoredCampaign, type StoredIdentity, type WorkingSet,
} from '../read-model-fold.ts';
import { factsFromRecord, storedRowFromRecord, type CampaignRecord, type IdentityRecord } from '../read-model-records.ts';

const ROW_COLUMNS = [
  'cid', 'uuid', 'root', 'parent', 'status', 'merged_into', 'formed_at', 'formed_sequence', 'first_activity', 'last_activity',
  'identity_count', 'member_count', 'payload_hashes', 'c2_endpoints', 'deckies', 'asns', 'confidence', 'updated_at', 'updated_sequence',
] as const satisfies ReadonlyArray<keyof CampaignRecord>;

/** What a row's update may change: not its ids, nor its root (which moves with its subtree). */
const UPDATABLE_COLUMNS = ROW_COLUMNS.filter((c): c is Exclude<(typeof ROW_COLUMNS)[number], 'cid' | 'uuid' | 'root'> => c !== 'cid' && c !== 'uuid' && c !== 'root');

const FAMILY_SUMS = (sign: '' | '-'): string => [
  `${sign}count(*)`,
  ...FAMILIES.map((_, k) => `${sign}sum(s${k} > 0)`),
  ...FAMILIES.map((_, k) => `${sign}sum(dom = ${k})`),
  ...FAMILIES.map((_, k) => `${sign}sum(n${k})`),
].join(', ');
const FAMILY_COLUMNS = ['edges', ...['e', 'd', 'n'].flatMap((p) => FAMILIES.map((_, k) => `${p}${k}`))];

/** Campaign ids kept in memory: most pages name campaigns the pages just before created. */
const CID_CACHE = 100_000;

export class SqliteReadModelWriter {
  private readonly s: Record<string, Statement>;
  /** uuid → cid of the campaigns used lately; bounded, so memory does not grow with the model. */
  private readonly cids = new BoundedCache<string, number>(CID_CACHE);
  private readonly rowUpdates = new Map<string, Statement>();

  constructor(private readonly db: Database) {
    db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS t_moved (cid INTEGER PRIMARY KEY, old_root INTEGER, new_root INTEGER NOT NULL);
      CREATE TEMP TABLE IF NOT EXISTS t_ids (uuid TEXT PRIMARY KEY, old_root INTEGER) WITHOUT ROWID;
      CREATE TEMP TABLE IF NOT EXISTS t_edges (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b)) WITHOUT ROWID;
      CREATE TEMP TABLE IF NOT EXISTS t_root_events (root INTEGER NOT NULL, sequence INTEGER NOT NULL, type INTEGER NOT NULL, PRIMARY KEY (root, sequence)) WITHOUT ROWID;
    `);
    const familyUpsert = (sign: '' | '-'): Statement => db.prepare(`
      INSERT INTO rm_families (root, ${FAMILY_COLUMNS.join(', ')})
      SELECT e.root, ${FAMILY_SUMS(sign)} FROM t_edges t CROSS JOIN rm_edges e ON e.a = t.a AND e.b = t.b WHERE e.root IS NOT NULL GROUP BY e.root
      ON CONFLICT (root) DO UPDATE SET ${FAMILY_COLUMNS.map((c) => `${c} = rm_families.${c} + excluded.${c}`).join(', ')}`);
    const scoreUpsert = (sign: '' | '-'): Statement => db.prepare(`
      INSERT INTO rm_family_scores (root, family, score, n)
      SELECT * FROM (${FAMILIES.map((_, k) => `SELECT e.root, ${k}, e.s${k}, ${sign}count(*) FROM t_edges t CROSS JOIN rm_edges e ON e.a = t.a AND e.b = t.b
        WHERE e.root IS NOT NULL AND e.s${k} > 0 GROUP BY e.root, e.s${k}`).join(' UNION ALL ')}) WHERE true
      ON CONFLICT (root, family, score) DO UPDATE SET n = rm_family_scores.n + excluded.n`);
    this.s = {
      meta: db.prepare('SELECT value FROM rm_meta WHERE key = ?').pluck(),
      setMeta: db.prepare('UPDATE rm_meta SET value = ? WHERE key = ?'),
      identities: db.prepare(`
        SELECT i.*, c.uuid AS campaign_uuid FROM rm_identities i LEFT JOIN rm_campaign_ids c ON c.cid = i.campaign
        WHERE i.uuid IN (SELECT value FROM json_each(?))`),
      campaigns: db.prepare(`
        SELECT c.*, r.uuid AS root_uuid FROM rm_campaigns c LEFT JOIN rm_campaign_ids r ON r.cid = c.root
        WHERE c.uuid IN (SELECT value FROM json_each(?))`),
      allCampaigns: db.prepare('SELECT c.*, r.uuid AS root_uuid FROM rm_campaigns c LEFT JOIN rm_campaign_ids r ON r.cid = c.root'),
      cidOf: db.prepare('SELECT cid FROM rm_campaign_ids WHERE uuid = ?').pluck(),
      intern: db.prepare('INSERT INTO rm_campaign_ids (uuid) VALUES (?)'),
      insertRow: db.prepare(`
        INSERT INTO rm_campaigns (${ROW_COLUMNS.join(', ')}) VALUES (${ROW_COLUMNS.map((c) => '@' + c).join(', ')})`),
      moveSubtree: db.prepare(`
        INSERT OR REPLACE INTO t_moved (cid, old_root, new_root)
        WITH RECURSIVE sub (cid) AS (SELECT ? UNION SELECT c.cid FROM rm_campaigns c JOIN sub ON c.parent = sub.cid)
        SELECT c.cid, c.root, ? FROM sub JOIN rm_campaigns c ON c.cid = sub.cid`),
      unmoved: db.prepare('DELETE FROM t_moved WHERE old_root IS new_root'),
      rootMoved: db.prepare('UPDATE rm_campaigns SET root = (SELECT new_root FROM t_moved m WHERE m.cid = rm_campaigns.cid) WHERE cid IN (SELECT cid FROM t_moved)'),
      idsOfMoved: db.prepare('INSERT OR IGNORE INTO t_ids SELECT i.uuid, i.root FROM t_moved m CROSS JOIN rm_identities i ON i.campaign = m.cid'),
      identitiesMoved: db.prepare(`UPDATE rm_identities SET root = (SELECT new_root FROM t_moved m WHERE m.cid = rm_identities.campaign)
        WHERE uuid IN (SELECT i.uuid FROM t_moved m CROSS JOIN rm_identities i ON i.campaign = m.cid)`),
      // A moved campaign's history joins its new root's; an event leaves the old root's once no
      // campaign it names is in that tree any more.
      rootEventsGained: db.prepare(`
        INSERT OR IGNORE INTO t_root_events SELECT m.new_root, ce.sequence, ce.type FROM t_moved m CROSS JOIN rm_campaign_events ce ON ce.cid = m.cid`),
      rootEventsOfNew: db.prepare(`
        INSERT OR IGNORE INTO t_root_events SELECT c.root, ce.sequence, ce.type FROM rm_campaign_events ce JOIN rm_campaigns c ON c.cid = ce.cid
        WHERE ce.sequence > ? AND c.root IS NOT NULL`),
      rootEventsKnown: db.prepare('DELETE FROM t_root_events WHERE EXISTS (SELECT 1 FROM rm_root_events r WHERE r.root = t_root_events.root AND r.sequence = t_root_events.sequence)'),
      rootEventsAdd: db.prepare('INSERT INTO rm_root_events SELECT root, sequence, type FROM t_root_events'),
      rootCountsAdd: db.prepare(`
        INSERT INTO rm_root_counts SELECT root, type, count(*) FROM t_root_events WHERE true GROUP BY root, type
        ON CONFLICT (root, type) DO UPDATE SET n = rm_root_counts.n + excluded.n`),
      rootEventsLost: db.prepare(`
        INSERT OR IGNORE INTO t_root_events SELECT m.old_root, ce.sequence, ce.type FROM t_moved m CROSS JOIN rm_campaign_events ce ON ce.cid = m.cid
        WHERE m.old_root IS NOT NULL AND ce.sequence <= ?`),
      rootEventsStillNamed: db.prepare(`
        DELETE FROM t_root_events WHERE EXISTS (SELECT 1 FROM rm_campaign_events ce JOIN rm_campaigns c ON c.cid = ce.cid
          WHERE ce.sequence = t_root_events.sequence AND c.root = t_root_events.root)`),
      rootEventsRemove: db.prepare('DELETE FROM rm_root_events WHERE (root, sequence) IN (SELECT root, sequence FROM t_root_events)'),
      rootCountsRemove: db.prepare(`
        UPDATE rm_root_counts SET n = rm_root_counts.n - x.n FROM (SELECT root, type, count(*) AS n FROM t_root_events GROUP BY root, type) x
        WHERE x.root = rm_root_counts.root AND x.type = rm_root_counts.type`),
      rootCountsPrune: db.prepare('DELETE FROM rm_root_counts WHERE n = 0 AND (root, type) IN (SELECT root, type FROM t_root_events)'),
      clearMoved: db.prepare('DELETE FROM t_moved'),
      clearIds: db.prepare('DELETE FROM t_ids'),
      clearEdges: db.prepare('DELETE FROM t_edges'),
      clearRootEvents: db.prepare('DELETE FROM t_root_events'),
      upsertIdentity: db.prepare(`
        INSERT INTO rm_identities (uuid, campaign, root, first_sequence, first_time, last_sequence, last_time, joined_sequence, joined_time,
          removed_reason, removed_sequence, removed_time)
        VALUES (@uuid, @campaign, (SELECT root FROM rm_campaigns WHERE cid = @campaign), @first_sequence, @first_time, @last_sequence, @last_time,
          @joined_sequence, @joined_time, @removed_reason, @removed_sequence, @removed_time)
        ON CONFLICT (uuid) DO UPDATE SET campaign = excluded.campaign, root = excluded.root, last_sequence = excluded.last_sequence,
          last_time = excluded.last_time, joined_sequence = excluded.joined_sequence, joined_time = excluded.joined_time,
          removed_reason = excluded.removed_reason, removed_sequence = excluded.removed_sequence, removed_time = excluded.removed_time`),
      addId: db.prepare('INSERT OR IGNORE INTO t_ids (uuid, old_root) VALUES (@u, (SELECT root FROM rm_identities WHERE uuid = @u))'),
      // Each root's campaigns and live members, counted as they move: a campaign's merged-in
      // total and member total without counting them.
      rootSizeCampaigns: db.prepare(`
        INSERT INTO rm_root_sizes (root, campaigns, members) SELECT root, sum(n), 0 FROM (
          SELECT new_root AS root, 1 AS n FROM t_moved UNION ALL SELECT old_root, -1 FROM t_moved WHERE old_root IS NOT NULL)
        WHERE true GROUP BY root
        ON CONFLICT (root) DO UPDATE SET campaigns = rm_root_sizes.campaigns + excluded.campaigns`),
      rootSizeMembers: db.prepare(`
        INSERT INTO rm_root_sizes (root, campaigns, members) SELECT root, 0, sum(n) FROM (
          SELECT i.root AS root, 1 AS n FROM t_ids t CROSS JOIN rm_identities i ON i.uuid = t.uuid WHERE i.root IS NOT NULL AND i.root IS NOT t.old_root
          UNION ALL
          SELECT t.old_root, -1 FROM t_ids t CROSS JOIN rm_identities i ON i.uuid = t.uuid WHERE t.old_root IS NOT NULL AND i.root IS NOT t.old_root)
        WHERE true GROUP BY root
        ON CONFLICT (root) DO UPDATE SET members = rm_root_sizes.members + excluded.members`),
      campaignEvent: db.prepare('INSERT OR IGNORE INTO rm_campaign_events (cid, sequence, type) VALUES (?, ?, ?)'),
      identityEvent: db.prepare('INSERT OR IGNORE INTO rm_identity_events (identity, sequence) VALUES (?, ?)'),
      edgesOfIdsA: db.prepare('INSERT OR IGNORE INTO t_edges SELECT e.a, e.b FROM t_ids i CROSS JOIN rm_edges e ON e.a = i.uuid'),
      edgesOfIdsB: db.prepare('INSERT OR IGNORE INTO t_edges SELECT e.a, e.b FROM t_ids i CROSS JOIN rm_edges e ON e.b = i.uuid'),
      addEdgeKey: db.prepare('INSERT OR IGNORE INTO t_edges (a, b) VALUES (?, ?)'),
      familiesSubtract: familyUpsert('-'),
      familiesAdd: familyUpsert(''),
      scoresSubtract: scoreUpsert('-'),
      scoresAdd: scoreUpsert(''),
      // rm_family_scores_spent indexes only the rows at 0: finding them costs nothing.
      scoresPrune: db.prepare('DELETE FROM rm_family_scores WHERE n = 0'),
      upsertEdge: db.prepare(`
        INSERT INTO rm_edges (a, b, root, weight, s0, s1, s2, s3, s4, dom, n0, n1, n2, n3, n4, sequence, time, body)
        VALUES (@a, @b, NULL, @weight, @s0, @s1, @s2, @s3, @s4, @dom, @n0, @n1, @n2, @n3, @n4, @sequence, @time, @body)
        ON CONFLICT (a, b) DO UPDATE SET weight = excluded.weight, s0 = excluded.s0, s1 = excluded.s1, s2 = excluded.s2, s3 = excluded.s3,
          s4 = excluded.s4, dom = excluded.dom, n0 = excluded.n0, n1 = excluded.n1, n2 = excluded.n2, n3 = excluded.n3, n4 = excluded.n4,
          sequence = excluded.sequence, time = excluded.time, body = excluded.body`),
      rootEdges: db.prepare(`
        UPDATE rm_edges SET root = (SELECT CASE WHEN ia.root = ib.root THEN ia.root END FROM rm_identities ia, rm_identities ib
          WHERE ia.uuid = rm_edges.a AND ib.uuid = rm_edges.b)
        WHERE (a, b) IN (SELECT a, b FROM t_edges)`),
      termId: db.prepare('SELECT tid FROM rm_terms WHERE kind = ? AND value = ? AND owner = ?').pluck(),
      identityTerm: db.prepare('SELECT tid, owner FROM rm_terms WHERE kind = 0 AND value = ?'),
      insertTerm: db.prepare('INSERT INTO rm_terms (kind, owner, value) VALUES (?, ?, ?)'),
      setTermOwner: db.prepare('UPDATE rm_terms SET owner = ? WHERE tid = ?'),
      deleteTerm: db.prepare('DELETE FROM rm_terms WHERE tid = ?'),
      indexTerm: db.prepare('INSERT INTO rm_terms_fts (rowid, lower) VALUES (?, ?)'),
      unindexTerm: db.prepare('DELETE FROM rm_terms_fts WHERE rowid = ?'),
    };
  }

  /** The stored position. */
  sequence(): number {
    return Number(this.s.meta.get('sequence'));
  }

  /**
   * Applies `events` (whole batches) if the model stands right before them; returns the position
   * after, which is past them too when another process applied them first.
   */
  apply(events: readonly CampaignEvent[]): number {
    try {
      return this.applyPage(events);
    } catch (e) {
      // Ids interned by the rolled-back page are not in the model.
      this.cids.clear();
      throw e;
    }
  }

  private applyPage(events: readonly CampaignEvent[]): number {
    return this.db.transaction(() => {
      const at = this.sequence();
      const last = events[events.length - 1].sequence;
      if (at >= last) return at;
      if (at !== events[0].sequence - 1) throw new Error(`read model at ${at}, page starts at ${events[0].sequence}`);
      let plan: ReadModelPlan;
      try {
        plan = planPage(this.load(events, false), events);
      } catch (e) {
        if (!(e instanceof PartialTablesError)) throw e;
        plan = planPage(this.load(events, true), events);
      }
      this.write(plan, at, events[events.length - 1].event_id);
      return plan.sequence;
    }).immediate();
  }

  /** The rows a page reaches (or, after a merge cycle, every row) and the identities it names. */
  private load(events: readonly CampaignEvent[], everything: boolean): WorkingSet {
    const keys = namedKeys(events);
    const identities = new Map<string, StoredIdentity>();
    for (const r of this.s.identities.all(JSON.stringify([...keys.identities])) as Array<IdentityRecord & { campaign_uuid: string | null }>) {
      identities.set(r.uuid, { facts: factsFromRecord(r), campaign: r.campaign_uuid });
      if (r.campaign_uuid !== null) keys.campaigns.add(r.campaign_uuid);
    }
    const campaigns = new Map<string, StoredCampaign>();
    const take = (r: CampaignRecord & { root_uuid: string }): void => void campaigns.set(r.uuid, { row: storedRowFromRecord(r), root: r.root_uuid });
    if (everything) {
      for (const r of this.s.allCampaigns.all() as Array<CampaignRecord & { root_uuid: string }>) take(r);
    } else {
      // The merge chains above the named campaigns: a fold follows merged_into to count.
      let wanted = [...keys.campaigns];
      while (wanted.length > 0) {
        const next = new Set<string>();
        for (const r of this.s.campaigns.all(JSON.stringify(wanted)) as Array<CampaignRecord & { root_uuid: string }>) {
          take(r);
          if (r.merged_into !== null && !campaigns.has(r.merged_into)) next.add(r.merged_into);
        }
        wanted = [...next].filter((u) => !campaigns.has(u));
      }
    }
    return { sequence: this.sequence(), campaigns, identities, complete: everything };
  }

  private cid(uuid: string): number {
    let cid = this.cids.get(uuid);
    if (cid !== undefined) return cid;
    cid = (this.s.cidOf.get(uuid) as number | undefined) ?? Number(this.s.intern.run(uuid).lastInsertRowid);
    this.cids.set(uuid, cid);
    return cid;
  }

  private write(plan: ReadModelPlan, from: number, lastEventId: string): void {
    const s = this.s;
    for (const t of ['clearMoved', 'clearIds', 'clearEdges', 'clearRootEvents']) s[t].run();

    // ---- campaign rows (their roots move below, with everything keyed by a root) -------------
    for (const { row, before } of plan.rows) {
      const record = this.recordOf(row);
      if (before === null) {
        s.insertRow.run({ ...record, root: null });
        continue;
      }
      // Only the columns that changed: SQLite then rewrites only the indexes over them, and a
      // row has thirteen (one per list order).
      const was = this.recordOf(before);
      const changed = UPDATABLE_COLUMNS.filter((c) => record[c] !== was[c]);
      if (changed.length === 0) continue;
      const values: Record<string, unknown> = { cid: record.cid };
      for (const c of changed) values[c] = record[c];
      this.rowUpdate(changed).run(values);
    }
    // ---- history links of the page's events ----------------------------------------------------
    for (const l of plan.links) {
      const type = TYPE_CODE.get(l.type)!;
      for (const c of l.campaigns) s.campaignEvent.run(this.cid(c), l.sequence, type);
      for (const i of l.identities) s.identityEvent.run(i, l.sequence);
    }
    // ---- roots: the subtrees below moved pointers, and what is keyed by a root -----------------
    for (const [uuid, root] of plan.reRoot) s.moveSubtree.run(this.cid(uuid), this.cid(root));
    s.unmoved.run();
    s.rootMoved.run();
    s.rootSizeCampaigns.run();
    s.idsOfMoved.run();
    s.identitiesMoved.run();
    // Events a tree no longer names leave its history; then moved campaigns' events and the
    // page's own join their trees' histories.
    s.rootEventsLost.run(from);
    s.rootEventsStillNamed.run();
    s.rootCountsRemove.run();
    s.rootCountsPrune.run();
    s.rootEventsRemove.run();
    s.clearRootEvents.run();
    s.rootEventsGained.run();
    s.rootEventsOfNew.run(from);
    s.rootEventsKnown.run();
    s.rootEventsAdd.run();
    s.rootCountsAdd.run();

    // ---- identities the page names ---------------------------------------------------------------
    for (const { facts: f, campaign } of plan.identities) {
      const cid = campaign === null ? null : this.cid(campaign);
      s.addId.run({ u: f.uuid });
      s.upsertIdentity.run({
        uuid: f.uuid, campaign: cid, first_sequence: f.first_sequence, first_time: f.first_time,
        last_sequence: f.last_sequence, last_time: f.last_time, joined_sequence: f.joined_sequence, joined_time: f.joined_time,
        removed_reason: f.removed?.reason ?? null, removed_sequence: f.removed?.sequence ?? null, removed_time: f.removed?.time ?? null,
      });
      this.identityTerm(f.uuid, cid);
    }
    s.rootSizeMembers.run();

    // ---- edges: out of their old root's totals, re-scored, re-rooted, into the new root's -------
    s.edgesOfIdsA.run();
    s.edgesOfIdsB.run();
    for (const e of plan.edges) s.addEdgeKey.run(e.a, e.b);
    s.familiesSubtract.run();
    s.scoresSubtract.run();
    for (const e of plan.edges) {
      const { sequence, time, ...carried } = e;
      s.upsertEdge.run({
        a: e.a, b: e.b, weight: e.weight, s0: e.handoff, s1: e.shared_infra, s2: e.temporal, s3: e.cohort, s4: e.keystroke,
        dom: FAMILIES.indexOf(dominantFamily(e)), n0: weightedNanos(e, 'handoff'), n1: weightedNanos(e, 'shared_infra'),
        n2: weightedNanos(e, 'temporal'), n3: weightedNanos(e, 'cohort'), n4: weightedNanos(e, 'keystroke'),
        sequence, time, body: JSON.stringify(carried),
      });
    }
    s.rootEdges.run();
    s.familiesAdd.run();
    s.scoresAdd.run();
    s.scoresPrune.run();

    // ---- search terms of the campaigns -------------------------------------------------------------
    for (const t of plan.termsRemoved) {
      const tid = s.termId.get(TERM_KIND[t.kind], t.value, this.cid(t.owner)) as number | undefined;
      if (tid === undefined) continue;
      s.deleteTerm.run(tid);
      s.unindexTerm.run(tid);
    }
    for (const t of plan.termsAdded) this.addTerm(TERM_KIND[t.kind], this.cid(t.owner), t.value);

    // ---- counters and position -----------------------------------------------------------------------
    const counts = JSON.parse(s.meta.get('counts') as string) as StatusCounts & { identities: number };
    for (const k of ['active', 'empty', 'merged'] as const) counts[k] += plan.statusDelta[k];
    counts.identities += plan.identitiesDelta;
    s.setMeta.run(JSON.stringify(counts), 'counts');
    const types = JSON.parse(s.meta.get('types') as string) as Record<string, number>;
    for (const [t, n] of plan.typeCounts) types[t] = (types[t] ?? 0) + n;
    s.setMeta.run(JSON.stringify(types), 'types');
    s.setMeta.run(String(plan.sequence), 'sequence');
    s.setMeta.run(lastEventId, 'event_id');
  }

  private recordOf(row: StoredRow): Omit<CampaignRecord, 'root'> {
    return {
      cid: this.cid(row.uuid), uuid: row.uuid, parent: row.merged_into === null ? null : this.cid(row.merged_into),
      status: row.status, merged_into: row.merged_into, formed_at: row.formed_at, formed_sequence: row.formed_sequence,
      first_activity: row.first_activity, last_activity: row.last_activity, identity_count: row.identity_count,
      member_count: row.member_count, payload_hashes: JSON.stringify(row.payload_hashes), c2_endpoints: JSON.stringify(row.c2_endpoints),
      deckies: JSON.stringify(row.deckies), asns: JSON.stringify(row.asns), confidence: row.confidence,
      updated_at: row.updated_at, updated_sequence: row.updated_sequence,
    };
  }

  /** An UPDATE of these columns only, prepared once per column set (a handful occur). */
  private rowUpdate(columns: readonly string[]): Statement {
    const key = columns.join(',');
    let st = this.rowUpdates.get(key);
    if (st === undefined) {
      st = this.db.prepare(`UPDATE rm_campaigns SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE cid = @cid`);
      this.rowUpdates.set(key, st);
    }
    return st;
  }

  private addTerm(kind: number, owner: number, value: string): void {
    if (this.s.termId.get(kind, value, owner) !== undefined) return;
    const tid = Number(this.s.insertTerm.run(kind, owner, value).lastInsertRowid);
    this.s.indexTerm.run(tid, value.toLowerCase());
  }

  /** An identity's term names its literal campaign; a removed identity has none. */
  private identityTerm(uuid: string, campaign: number | null): void {
    const held = this.s.identityTerm.get(uuid) as { tid: number; owner: number } | undefined;
    if (campaign === null) {
      if (held !== undefined) {
        this.s.deleteTerm.run(held.tid);
        this.s.unindexTerm.run(held.tid);
      }
    } else if (held === undefined) this.addTerm(TERM_KIND.identity, campaign, uuid);
    else if (held.owner !== campaign) this.s.setTermOwner.run(campaign, held.tid);
  }
}
