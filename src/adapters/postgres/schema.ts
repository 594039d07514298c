/**
 * The store's layout in one PostgreSQL schema, versioned in `store_meta.layout_version` and
 * created or migrated on open. One schema holds the event log, the batch records and input
 * checkpoints, the derived tables and the engine snapshot, so one transaction commits a batch's
 * events, position and table changes together. Tests give each store its own schema.
 *
 * Layout 2 (issue #15) adds table checkpoints (table-checkpoints.ts). A read-only open reads a
 * layout-1 store as it is, without checkpoints (as-of positions then fold from the log start);
 * its first writable open adds the tables.
 */
import pg from 'pg';
import type { PoolClient } from 'pg';
import { StoreError } from '../../ports/errors.ts';

export const LAYOUT_VERSION = 2;
export const DEFAULT_SCHEMA = 'campaign_stream';

/**
 * Schema names are plain identifiers. At most 55 characters: PostgreSQL silently truncates
 * identifiers to 63 bytes (two long names could land in the same schema), and the NOTIFY channel
 * adds an 8-character prefix.
 */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,54}$/;

export function checkSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new StoreError('store_failure', `invalid schema name '${schema}': use 1-55 letters, digits or _, not starting with a digit`);
  }
}

/** Names the error mapping relies on: the DDL names these constraints explicitly. */
export const CONSTRAINTS = {
  eventSequence: 'campaign_events_pkey',
  eventId: 'campaign_events_event_id_key',
  batchIndex: 'batches_pkey',
} as const;

export interface TableNames {
  readonly schema: string;
  readonly meta: string;
  readonly head: string;
  readonly batches: string;
  readonly events: string;
  readonly checkpoints: string;
  readonly campaigns: string;
  readonly snapshots: string;
  readonly tableCheckpoints: string;
  readonly checkpointRows: string;
  /** LISTEN/NOTIFY channel announcing the log head after each append. */
  readonly channel: string;
}

export function tableNames(schema: string): TableNames {
  checkSchemaName(schema);
  const s = pg.escapeIdentifier(schema);
  return {
    schema,
    meta: `${s}.store_meta`,
    head: `${s}.log_head`,
    batches: `${s}.batches`,
    events: `${s}.campaign_events`,
    checkpoints: `${s}.input_checkpoints`,
    campaigns: `${s}.campaigns`,
    snapshots: `${s}.engine_snapshots`,
    tableCheckpoints: `${s}.table_checkpoints`,
    checkpointRows: `${s}.table_checkpoint_rows`,
    channel: `cs_head_${schema}`,
  };
}

/**
 * A campaign row's columns after its uuid: the campaigns table's, and a checkpoint's copy of it,
 * which is filled by `INSERT … SELECT` over the same columns (sql-rows.ts CAMPAIGN_COLUMNS).
 */
const CAMPAIGN_ROW_COLUMNS = `
  status           text    NOT NULL CHECK (status IN ('active', 'merged', 'empty')),
  merged_into      text,
  formed_at        text,
  formed_sequence  bigint,
  first_activity   text,
  last_activity    text,
  identity_count   integer NOT NULL,
  members          text[]  NOT NULL,  -- sorted
  payload_hashes   text[]  NOT NULL,
  c2_endpoints     text[]  NOT NULL,
  deckies          text[]  NOT NULL,
  asns             bigint[] NOT NULL, -- 32-bit unsigned ASNs do not fit integer
  confidence       double precision NOT NULL,
  updated_at       text    NOT NULL,
  updated_sequence bigint  NOT NULL`.slice(1);

const ddlV1 = (t: TableNames): string => `
CREATE TABLE ${t.meta} (
  key   text PRIMARY KEY,
  value text NOT NULL
);

-- The single row appenders lock (SELECT ... FOR UPDATE) to serialise: whoever holds it sees the
-- true head and last batch index, so two writers cannot both pass the continuity check.
CREATE TABLE ${t.head} (
  singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  sequence    bigint  NOT NULL,
  batch_index bigint  NOT NULL
);

-- One row per committed batch: what it consumed and where its events start.
CREATE TABLE ${t.batches} (
  batch_index    bigint  CONSTRAINT ${CONSTRAINTS.batchIndex} PRIMARY KEY CHECK (batch_index >= 1),
  range_from     text    NOT NULL,
  range_to       text    NOT NULL,
  segments       json    NOT NULL,  -- BatchSegment[]; json keeps the text as written
  input_count    bigint  NOT NULL,
  first_sequence bigint  NOT NULL,
  event_count    integer NOT NULL,
  rejects_mark   text    NOT NULL
);

-- The campaign event log. body is the envelope exactly as it was serialised once (json, not
-- jsonb, keeps key order and number text), so every reader prints the same bytes. The primary
-- key and the unique event id back up the head-row check at the constraint level.
CREATE TABLE ${t.events} (
  sequence    bigint CONSTRAINT ${CONSTRAINTS.eventSequence} PRIMARY KEY CHECK (sequence >= 1),
  event_id    text   NOT NULL CONSTRAINT ${CONSTRAINTS.eventId} UNIQUE,
  type        text   NOT NULL,
  batch_index bigint NOT NULL REFERENCES ${t.batches} (batch_index),
  body        json   NOT NULL
);

-- The latest consumed position of every input source.
CREATE TABLE ${t.checkpoints} (
  source       text   PRIMARY KEY,
  locator      text   NOT NULL,
  byte_offset  bigint NOT NULL,
  record_index bigint NOT NULL,
  ordinal      bigint NOT NULL,
  fingerprint  text   NOT NULL,
  batch_index  bigint NOT NULL REFERENCES ${t.batches} (batch_index)
);

-- The campaign tables: a fold of campaign_events up to store_meta.tables_sequence. Times stay
-- text: they are the events' own strings, and the tables must equal the fold byte for byte.
CREATE TABLE ${t.campaigns} (
  uuid             text    PRIMARY KEY,
${CAMPAIGN_ROW_COLUMNS}
);
CREATE INDEX campaigns_by_status ON ${t.campaigns} (status);
-- "Which campaign holds identity X" without a scan.
CREATE INDEX campaigns_by_member ON ${t.campaigns} USING gin (members);

-- Engine snapshots; only the newest is kept.
CREATE TABLE ${t.snapshots} (
  batch_index bigint PRIMARY KEY,
  sequence    bigint NOT NULL,
  state       text   NOT NULL
);

INSERT INTO ${t.meta} (key, value) VALUES ('tables_sequence', '0');
INSERT INTO ${t.head} (singleton, sequence, batch_index) VALUES (true, 0, 0);
`;

/**
 * Layout 2: table checkpoints, every campaign row as it stood after some batch. The rows keep
 * the campaigns table's columns; deleting a checkpoint deletes its rows.
 */
const ddlV2 = (t: TableNames): string => `
CREATE TABLE ${t.tableCheckpoints} (
  batch_index bigint PRIMARY KEY,
  sequence    bigint NOT NULL,
  max_time    double precision,  -- latest event time of the prefix, epoch seconds; NULL: unparseable
  row_count   bigint NOT NULL
);
CREATE INDEX table_checkpoints_by_sequence ON ${t.tableCheckpoints} (sequence);

CREATE TABLE ${t.checkpointRows} (
  batch_index      bigint  NOT NULL REFERENCES ${t.tableCheckpoints} (batch_index) ON DELETE CASCADE,
  uuid             text    NOT NULL,
${CAMPAIGN_ROW_COLUMNS},
  PRIMARY KEY (batch_index, uuid)
);
`;

/** Every table name the layout uses (unqualified). */
const LAYOUT_TABLES = [
  'store_meta', 'log_head', 'batches', 'campaign_events', 'input_checkpoints', 'campaigns', 'engine_snapshots',
  'table_checkpoints', 'table_checkpoint_rows',
];

interface Migration {
  /** The layout version after this step. */
  readonly to: number;
  readonly sql: (t: TableNames) => string;
}

/** Applied in order from the stored version; a new layout adds a step, never edits one. */
const MIGRATIONS: readonly Migration[] = [{ to: 1, sql: ddlV1 }, { to: 2, sql: ddlV2 }];

/** The oldest layout a read-only open reads as it is (what it lacks, it does without). */
const OLDEST_READABLE = 1;

/**
 * Creates the layout in an empty (or absent) schema, migrates an older one, refuses a newer or
 * foreign one. Runs in one transaction under an advisory lock, so two processes opening the
 * same new store at once cannot both create it (CREATE ... IF NOT EXISTS races on the catalog).
 * Returns the layout the store has now.
 */
export async function ensureLayout(client: PoolClient, t: TableNames, writable: boolean): Promise<number> {
  await client.query('BEGIN');
  try {
    if (writable) await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`campaign-stream:${t.schema}`]);
    const found = await storedVersion(client, t);
    if (found === LAYOUT_VERSION || (found !== null && found >= OLDEST_READABLE && found < LAYOUT_VERSION && !writable)) {
      await client.query('COMMIT');
      return found;
    }
    if (found !== null && found > LAYOUT_VERSION) {
      throw new StoreError('store_version', `store layout ${found} in schema ${t.schema} is newer than this program's (${LAYOUT_VERSION}); upgrade campaign-stream`);
    }
    if (found === null) {
      // Other tables may live beside the store (the Kafka side tables do); tables under the
      // layout's own names without a layout version are someone else's data: never adopt them.
      const clash = await client.query<{ name: string }>(
        'SELECT tablename AS name FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = ANY ($2) ORDER BY 1',
        [t.schema, LAYOUT_TABLES]);
      if (clash.rows.length > 0) {
        throw new StoreError('store_corrupt', `schema ${t.schema} holds ${clash.rows.map((r) => r.name).join(', ')} but no campaign-stream layout: not a campaign store`);
      }
      if (!writable) throw new StoreError('store_missing', `no campaign store in schema ${t.schema}: nothing has been run into it yet`);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(t.schema)}`);
    } else if (!writable) {
      throw new StoreError('store_version', `store layout ${found} in schema ${t.schema} is older than this program's (${LAYOUT_VERSION}); open it once for writing to migrate`);
    }
    for (const m of MIGRATIONS) {
      if (m.to > (found ?? 0)) await client.query(m.sql(t));
    }
    await client.query(
      `INSERT INTO ${t.meta} (key, value) VALUES ('layout_version', $1)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [String(LAYOUT_VERSION)]);
    await client.query('COMMIT');
    return LAYOUT_VERSION;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

async function storedVersion(client: PoolClient, t: TableNames): Promise<number | null> {
  const reg = await client.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [t.meta]);
  if (reg.rows[0].r === null) return null;
  const v = await client.query<{ value: string }>(`SELECT value FROM ${t.meta} WHERE key = 'layout_version'`);
  if (v.rows.length === 0) {
    throw new StoreError('store_corrupt', `schema ${t.schema} has a store_meta table without a layout version`);
  }
  const n = Number(v.rows[0].value);
  if (!Number.isInteger(n) || n < 1) throw new StoreError('store_corrupt', `schema ${t.schema}: unreadable layout version '${v.rows[0].value}'`);
  return n;
}
