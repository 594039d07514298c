/**
 * The layout of a PostgreSQL read model: `rm_*` tables in the store's own schema, beside its
 * log, with the meaning of the SQLite read model's (sqlite/read-model-schema.ts; the comments
 * there say what each table holds). Derived data: a layout this program does not know is
 * dropped and rebuilt from the log, never migrated.
 *
 * Differences from SQLite: text that is sorted or compared is COLLATE "C" (byte order, which is
 * code point order, as the in-memory index sorts identity ids), and search uses a pg_trgm GIN
 * index over each term's lower-cased text instead of FTS5.
 */
import pg from 'pg';
import type { PoolClient } from 'pg';
import { StoreError } from '../../ports/errors.ts';
import type { TableNames } from './schema.ts';

/** Bumped whenever the tables change meaning: a read model of another version is rebuilt. */
export const READ_MODEL_LAYOUT = 2;

export interface ReadModelTables {
  readonly schema: string;
  readonly meta: string;
  readonly ids: string;
  readonly campaigns: string;
  readonly identities: string;
  readonly rootSizes: string;
  readonly edges: string;
  readonly families: string;
  readonly scores: string;
  readonly campaignEvents: string;
  readonly rootEvents: string;
  readonly rootCounts: string;
  readonly identityEvents: string;
  readonly terms: string;
}

export function readModelTables(t: TableNames): ReadModelTables {
  const s = pg.escapeIdentifier(t.schema);
  return {
    schema: t.schema,
    meta: `${s}.rm_meta`,
    ids: `${s}.rm_campaign_ids`,
    campaigns: `${s}.rm_campaigns`,
    identities: `${s}.rm_identities`,
    rootSizes: `${s}.rm_root_sizes`,
    edges: `${s}.rm_edges`,
    families: `${s}.rm_families`,
    scores: `${s}.rm_family_scores`,
    campaignEvents: `${s}.rm_campaign_events`,
    rootEvents: `${s}.rm_root_events`,
    rootCounts: `${s}.rm_root_counts`,
    identityEvents: `${s}.rm_identity_events`,
    terms: `${s}.rm_terms`,
  };
}

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
  return NULLS_LAST.includes(column) ? `${c} ${dir} NULLS LAST, ${table}uuid` : `${c} ${dir}, ${table}uuid`;
}

const ddl = (r: ReadModelTables): string => `
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE ${r.meta} (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE ${r.ids} (cid bigserial PRIMARY KEY, uuid text COLLATE "C" NOT NULL UNIQUE);
CREATE TABLE ${r.campaigns} (
  cid              bigint  PRIMARY KEY,
  uuid             text    COLLATE "C" NOT NULL UNIQUE,
  root             bigint,
  parent           bigint,
  status           text    NOT NULL,
  merged_into      text    COLLATE "C",
  formed_at        text,
  formed_sequence  bigint,
  first_activity   text    COLLATE "C",
  last_activity    text    COLLATE "C",
  identity_count   integer NOT NULL,
  member_count     integer NOT NULL,
  payload_hashes   text    NOT NULL,
  c2_endpoints     text    NOT NULL,
  deckies          text    NOT NULL,
  asns             text    NOT NULL,
  confidence       double precision NOT NULL,
  updated_at       text    NOT NULL,
  updated_sequence bigint  NOT NULL
);
CREATE INDEX rm_campaigns_by_parent ON ${r.campaigns} (parent) WHERE parent IS NOT NULL;
CREATE INDEX rm_campaigns_by_root ON ${r.campaigns} (root, uuid);
CREATE INDEX rm_live_by_uuid ON ${r.campaigns} (uuid) WHERE merged_into IS NULL;
${[...NULLS_LAST, ...NOT_NULL].flatMap((c) => (['asc', 'desc'] as const).map((o) =>
  `CREATE INDEX rm_live_by_${c}_${o} ON ${r.campaigns} (${listOrder(c, o)}) WHERE merged_into IS NULL;`)).join('\n')}
CREATE TABLE ${r.identities} (
  uuid             text    COLLATE "C" PRIMARY KEY,
  campaign         bigint,
  root             bigint,
  first_sequence   bigint  NOT NULL,
  first_time       text    NOT NULL,
  last_sequence    bigint  NOT NULL,
  last_time        text    NOT NULL,
  joined_sequence  bigint,
  joined_time      text,
  removed_reason   text,
  removed_sequence bigint,
  removed_time     text
);
CREATE INDEX rm_identities_by_campaign ON ${r.identities} (campaign) WHERE campaign IS NOT NULL;
CREATE INDEX rm_members ON ${r.identities} (root, last_sequence DESC, uuid) WHERE root IS NOT NULL;
CREATE TABLE ${r.rootSizes} (root bigint PRIMARY KEY, campaigns bigint NOT NULL, members bigint NOT NULL);
CREATE TABLE ${r.edges} (
  a text COLLATE "C" NOT NULL, b text COLLATE "C" NOT NULL, root bigint, weight double precision NOT NULL,
  s0 double precision NOT NULL, s1 double precision NOT NULL, s2 double precision NOT NULL, s3 double precision NOT NULL,
  s4 double precision NOT NULL, dom smallint NOT NULL,
  n0 bigint NOT NULL, n1 bigint NOT NULL, n2 bigint NOT NULL, n3 bigint NOT NULL, n4 bigint NOT NULL,
  sequence bigint NOT NULL, time text NOT NULL, body text NOT NULL,
  PRIMARY KEY (a, b)
);
CREATE INDEX rm_edges_by_b ON ${r.edges} (b);
CREATE INDEX rm_edges_by_root ON ${r.edges} (root, weight DESC, a, b) WHERE root IS NOT NULL;
CREATE TABLE ${r.families} (
  root bigint PRIMARY KEY, edges bigint NOT NULL,
  e0 bigint NOT NULL, e1 bigint NOT NULL, e2 bigint NOT NULL, e3 bigint NOT NULL, e4 bigint NOT NULL,
  d0 bigint NOT NULL, d1 bigint NOT NULL, d2 bigint NOT NULL, d3 bigint NOT NULL, d4 bigint NOT NULL,
  n0 bigint NOT NULL, n1 bigint NOT NULL, n2 bigint NOT NULL, n3 bigint NOT NULL, n4 bigint NOT NULL
);
CREATE TABLE ${r.scores} (
  root bigint NOT NULL, family smallint NOT NULL, score double precision NOT NULL, n bigint NOT NULL,
  PRIMARY KEY (root, family, score)
);
CREATE INDEX rm_family_scores_spent ON ${r.scores} (root) WHERE n = 0;
CREATE TABLE ${r.campaignEvents} (cid bigint NOT NULL, sequence bigint NOT NULL, type smallint NOT NULL, PRIMARY KEY (cid, sequence));
CREATE INDEX rm_campaign_events_by_sequence ON ${r.campaignEvents} (sequence);
CREATE TABLE ${r.rootEvents} (root bigint NOT NULL, sequence bigint NOT NULL, type smallint NOT NULL, PRIMARY KEY (root, sequence));
CREATE TABLE ${r.rootCounts} (root bigint NOT NULL, type smallint NOT NULL, n bigint NOT NULL, PRIMARY KEY (root, type));
CREATE TABLE ${r.identityEvents} (identity text COLLATE "C" NOT NULL, sequence bigint NOT NULL, PRIMARY KEY (identity, sequence));
CREATE TABLE ${r.terms} (
  tid bigserial PRIMARY KEY, kind smallint NOT NULL, owner bigint NOT NULL, value text COLLATE "C" NOT NULL, lower text NOT NULL
);
CREATE UNIQUE INDEX rm_terms_by_value ON ${r.terms} (kind, value, owner);
CREATE UNIQUE INDEX rm_terms_of_identity ON ${r.terms} (value) WHERE kind = 0;
CREATE INDEX rm_terms_trigrams ON ${r.terms} USING gin (lower gin_trgm_ops);
INSERT INTO ${r.meta} (key, value) VALUES ('layout', '${READ_MODEL_LAYOUT}'), ('sequence', '0'), ('event_id', ''),
  ('counts', '{"active":0,"empty":0,"merged":0,"identities":0}'), ('types', '{}');
`;

const TABLES = (r: ReadModelTables): string[] => [
  r.meta, r.ids, r.campaigns, r.identities, r.rootSizes, r.edges, r.families, r.scores, r.campaignEvents, r.rootEvents, r.rootCounts, r.identityEvents, r.terms,
];

/** Empties the read model and creates the current layout (in the caller's transaction). */
export async function resetReadModel(client: PoolClient, r: ReadModelTables): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${TABLES(r).join(', ')}`);
  await client.query(ddl(r));
}

/**
 * Creates the layout if absent, rebuilds one of another version; returns whether it (re)created
 * it. Under an advisory lock of its own, so two servers opening one store cannot both create it.
 */
export async function ensureReadModelLayout(client: PoolClient, r: ReadModelTables): Promise<boolean> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`campaign-stream-read-model:${r.schema}`]);
    const reg = await client.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [r.meta]);
    let version: number | null = null;
    if (reg.rows[0].r !== null) {
      const v = await client.query<{ value: string }>(`SELECT value FROM ${r.meta} WHERE key = 'layout'`);
      version = v.rows.length === 0 ? null : Number(v.rows[0].value);
    }
    if (version === READ_MODEL_LAYOUT) {
      await client.query('COMMIT');
      return false;
    }
    await resetReadModel(client, r);
    await client.query('COMMIT');
    return true;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    if ((e as { code?: string }).code === '42501') {
      throw new StoreError('store_failure', `the read model needs CREATE on schema ${r.schema} (and pg_trgm installed, or the right to install it): ${(e as Error).message}`, false, { cause: e });
    }
    throw e;
  }
}
