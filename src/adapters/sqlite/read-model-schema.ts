/**
 * The layout of a SQLite read model (`read-model.sqlite` beside a store's `campaigns.sqlite`):
 * indexed tables derived from the campaign event log, so that every query of the API reads an
 * index range the size of its answer. It is derived data: a layout this program does not know
 * is dropped and rebuilt from the log, never migrated.
 *
 * Campaigns are interned to integer ids (`cid`): they key most of the tables below, and a
 * uuid is 36 bytes in every index entry. Everything "of a campaign" is keyed by the campaign's
 * live root (the campaign it resolves to through merges): its identities, edges, history and
 * family totals. A merge moves the loser's subtree to the winner's root; the cost is the size of
 * what moved, once, instead of a walk of the whole merge tree on every request.
 */
import type { Database } from 'better-sqlite3';

/** Bumped whenever the tables change meaning: a read model of another version is rebuilt. */
export const READ_MODEL_LAYOUT = 2;

/** `uuid IS NULL` terms: nulls sort last in either order, as campaign-list.ts says. */
const NULLS_LAST = ['formed_sequence', 'first_activity', 'last_activity'];
const NOT_NULL = ['updated_sequence', 'identity_count', 'confidence'];

/**
 * The ORDER BY of the campaign list for a sort column and direction (an index serves each);
 * `table`: a qualifier for the columns (`c.`).
 */
export function listOrder(column: string, order: 'asc' | 'desc', table = ''): string {
  const dir = order === 'asc' ? 'ASC' : 'DESC';
  if (column === 'uuid') return `${table}uuid ${dir}`;
  const c = `${table}${column}`;
  return NULLS_LAST.includes(column) ? `(${c} IS NULL), ${c} ${dir}, ${table}uuid` : `${c} ${dir}, ${table}uuid`;
}

const listIndexes = (): string =>
  [...NULLS_LAST, ...NOT_NULL].flatMap((c) => (['asc', 'desc'] as const).map((o) =>
    `CREATE INDEX rm_live_by_${c}_${o} ON rm_campaigns (${listOrder(c, o)}) WHERE merged_into IS NULL;`)).join('\n');

const DDL = `
CREATE TABLE rm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

-- Every campaign uuid the log has named (a history may name one that has no row).
CREATE TABLE rm_campaign_ids (cid INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE) STRICT;

-- The fold's rows without their member lists. root: the live campaign (cid); parent: merged_into's cid.
CREATE TABLE rm_campaigns (
  cid              INTEGER PRIMARY KEY,
  uuid             TEXT    NOT NULL UNIQUE,
  root             INTEGER,
  parent           INTEGER,
  status           TEXT    NOT NULL,
  merged_into      TEXT,
  formed_at        TEXT,
  formed_sequence  INTEGER,
  first_activity   TEXT,
  last_activity    TEXT,
  identity_count   INTEGER NOT NULL,
  member_count     INTEGER NOT NULL,
  payload_hashes   TEXT    NOT NULL,
  c2_endpoints     TEXT    NOT NULL,
  deckies          TEXT    NOT NULL,
  asns             TEXT    NOT NULL,
  confidence       REAL    NOT NULL,
  updated_at       TEXT    NOT NULL,
  updated_sequence INTEGER NOT NULL
) STRICT;
CREATE INDEX rm_campaigns_by_parent ON rm_campaigns (parent) WHERE parent IS NOT NULL;
CREATE INDEX rm_campaigns_by_root ON rm_campaigns (root, uuid);
CREATE INDEX rm_live_by_uuid ON rm_campaigns (uuid) WHERE merged_into IS NULL;
${listIndexes()}

-- Every identity the log has named. campaign: its literal campaign (cid), root: that campaign's
-- root; both null once it is removed.
CREATE TABLE rm_identities (
  uuid             TEXT    PRIMARY KEY,
  campaign         INTEGER,
  root             INTEGER,
  first_sequence   INTEGER NOT NULL,
  first_time       TEXT    NOT NULL,
  last_sequence    INTEGER NOT NULL,
  last_time        TEXT    NOT NULL,
  joined_sequence  INTEGER,
  joined_time      TEXT,
  removed_reason   TEXT,
  removed_sequence INTEGER,
  removed_time     TEXT
) STRICT, WITHOUT ROWID;
CREATE INDEX rm_identities_by_campaign ON rm_identities (campaign) WHERE campaign IS NOT NULL;
CREATE INDEX rm_members ON rm_identities (root, last_sequence DESC, uuid) WHERE root IS NOT NULL;

-- The latest of every evidence edge the log has carried. root: the live campaign holding both
-- ends, else null. s*: family scores (handoff, shared_infra, temporal, cohort, keystroke);
-- dom: the dominant family's index; n*: score x default weight in nano-units; body: the edge as
-- the event carried it.
CREATE TABLE rm_edges (
  a TEXT NOT NULL, b TEXT NOT NULL, root INTEGER, weight REAL NOT NULL,
  s0 REAL NOT NULL, s1 REAL NOT NULL, s2 REAL NOT NULL, s3 REAL NOT NULL, s4 REAL NOT NULL, dom INTEGER NOT NULL,
  n0 INTEGER NOT NULL, n1 INTEGER NOT NULL, n2 INTEGER NOT NULL, n3 INTEGER NOT NULL, n4 INTEGER NOT NULL,
  sequence INTEGER NOT NULL, time TEXT NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (a, b)
) STRICT, WITHOUT ROWID;
CREATE INDEX rm_edges_by_b ON rm_edges (b);
CREATE INDEX rm_edges_by_root ON rm_edges (root, weight DESC, a, b) WHERE root IS NOT NULL;

-- Per root: how many campaigns have it as root (itself included) and how many live identities.
CREATE TABLE rm_root_sizes (root INTEGER PRIMARY KEY, campaigns INTEGER NOT NULL, members INTEGER NOT NULL) STRICT;

-- Per root: its edges, and per family the edges scoring above 0 (e*), those it dominates (d*)
-- and the weighted total in nano-units (n*). The strongest score per family comes from
-- rm_family_scores: how many of the root's edges hold each score.
CREATE TABLE rm_families (
  root INTEGER PRIMARY KEY, edges INTEGER NOT NULL,
  e0 INTEGER NOT NULL, e1 INTEGER NOT NULL, e2 INTEGER NOT NULL, e3 INTEGER NOT NULL, e4 INTEGER NOT NULL,
  d0 INTEGER NOT NULL, d1 INTEGER NOT NULL, d2 INTEGER NOT NULL, d3 INTEGER NOT NULL, d4 INTEGER NOT NULL,
  n0 INTEGER NOT NULL, n1 INTEGER NOT NULL, n2 INTEGER NOT NULL, n3 INTEGER NOT NULL, n4 INTEGER NOT NULL
) STRICT;
CREATE TABLE rm_family_scores (
  root INTEGER NOT NULL, family INTEGER NOT NULL, score REAL NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (root, family, score)
) STRICT, WITHOUT ROWID;
CREATE INDEX rm_family_scores_spent ON rm_family_scores (root) WHERE n = 0;

-- History: which events name which campaign (type: index in CAMPAIGN_EVENT_TYPES), which
-- events belong to a root's history (any campaign of its tree named), how many per type, and
-- which events name an identity. The events themselves are read from the log by sequence.
CREATE TABLE rm_campaign_events (
  cid INTEGER NOT NULL, sequence INTEGER NOT NULL, type INTEGER NOT NULL, PRIMARY KEY (cid, sequence)
) STRICT, WITHOUT ROWID;
CREATE INDEX rm_campaign_events_by_sequence ON rm_campaign_events (sequence);
CREATE TABLE rm_root_events (
  root INTEGER NOT NULL, sequence INTEGER NOT NULL, type INTEGER NOT NULL, PRIMARY KEY (root, sequence)
) STRICT, WITHOUT ROWID;
CREATE TABLE rm_root_counts (
  root INTEGER NOT NULL, type INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (root, type)
) STRICT, WITHOUT ROWID;
CREATE TABLE rm_identity_events (
  identity TEXT NOT NULL, sequence INTEGER NOT NULL, PRIMARY KEY (identity, sequence)
) STRICT, WITHOUT ROWID;

-- Search terms. kind 0: an identity (owner: its literal campaign), 1: a campaign uuid,
-- 2: a C2 endpoint, 3: a payload hash (owner: the campaign whose row lists it). The trigram
-- index holds each value lower-cased (JavaScript's toLowerCase, which the search matches with).
CREATE TABLE rm_terms (tid INTEGER PRIMARY KEY, kind INTEGER NOT NULL, owner INTEGER NOT NULL, value TEXT NOT NULL) STRICT;
CREATE UNIQUE INDEX rm_terms_by_value ON rm_terms (kind, value, owner);
CREATE VIRTUAL TABLE rm_terms_fts USING fts5 (lower, content = '', contentless_delete = 1, tokenize = 'trigram case_sensitive 1');
`;

const TABLES = [
  'rm_meta', 'rm_campaign_ids', 'rm_campaigns', 'rm_identities', 'rm_root_sizes', 'rm_edges', 'rm_families', 'rm_family_scores',
  'rm_campaign_events', 'rm_root_events', 'rm_root_counts', 'rm_identity_events', 'rm_terms', 'rm_terms_fts',
];

/** The stored layout version; null for an empty file. */
function storedLayout(db: Database): number | null {
  const meta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rm_meta'").get();
  if (meta === undefined) return null;
  const v = db.prepare("SELECT value FROM rm_meta WHERE key = 'layout'").pluck().get() as string | undefined;
  return v === undefined ? null : Number(v);
}

/** Empties the read model (a new layout, or a log it no longer matches) and creates the current one. */
export function resetReadModel(db: Database): void {
  db.transaction(() => {
    for (const t of TABLES) db.exec(`DROP TABLE IF EXISTS ${t}`);
    db.exec(DDL);
    db.prepare("INSERT INTO rm_meta (key, value) VALUES ('layout', ?), ('sequence', '0'), ('event_id', ''), ('counts', ?), ('types', '{}')")
      .run(String(READ_MODEL_LAYOUT), JSON.stringify({ active: 0, empty: 0, merged: 0, identities: 0 }));
  }).immediate();
}

/** Creates the layout in a new file; a file of another layout is rebuilt. Returns whether it was (re)created. */
export function ensureReadModelLayout(db: Database): boolean {
  if (storedLayout(db) === READ_MODEL_LAYOUT) return false;
  resetReadModel(db);
  return true;
}
