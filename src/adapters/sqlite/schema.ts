/**
 * The store's layout, versioned with `PRAGMA user_version`. One file holds the event log, the
 * batch records and input checkpoints, the derived tables and the engine snapshot, so one
 * transaction can commit a batch's events, position and table changes together.
 *
 * Layout 2 (issue #12): the log has no index over event ids. Layout 1 kept `event_id` in a
 * UNIQUE column, whose random keys cost one B-tree leaf page per appended event; layout 2
 * stores each batch's id digests in `event_ids`, written in batch order (append-only), and
 * checks duplicates against them in memory (event-id-digests.ts). Its events carry no foreign
 * key to `batches` either: the append checks the batch index itself, and the lookup per event
 * was pure cost. A layout-1 store is migrated on its first writable open (the digests are
 * computed from its `event_id` column); its column and UNIQUE index stay, unused but harmless.
 *
 * Layout 3 (issue #15): table checkpoints, every campaign row as it stood after some batch, so an
 * as-of position is folded from the nearest one instead of from the log start
 * (table-checkpoints.ts). A layout-2 store gains the (empty) tables on its first writable open;
 * its first checkpoint comes with its next table write, or `replay` writes them all. A read-only
 * open reads layout 1 or 2 as it is, without checkpoints.
 */
import type { Database } from 'better-sqlite3';
import { StoreError } from '../../ports/errors.ts';
import { digestBlob } from './event-id-digests.ts';

export const LAYOUT_VERSION = 3;

/** Layout 2: per batch, the 8-byte digests of its event ids in sequence order (event-id-digests.ts). */
const EVENT_IDS_DDL = `
CREATE TABLE event_ids (
  batch_index    INTEGER PRIMARY KEY,
  first_sequence INTEGER NOT NULL,
  digests        BLOB    NOT NULL
) STRICT;
`;

/**
 * A campaign row's columns after its uuid: the campaigns table's, and a checkpoint's copy of it,
 * which is filled by `INSERT … SELECT` over the same columns (sql-rows.ts CAMPAIGN_COLUMNS).
 */
const CAMPAIGN_ROW_COLUMNS = `
  status           TEXT    NOT NULL,
  merged_into      TEXT,
  formed_at        TEXT,
  formed_sequence  INTEGER,
  first_activity   TEXT,
  last_activity    TEXT,
  identity_count   INTEGER NOT NULL,
  members          TEXT    NOT NULL,  -- JSON arrays, sorted
  payload_hashes   TEXT    NOT NULL,
  c2_endpoints     TEXT    NOT NULL,
  deckies          TEXT    NOT NULL,
  asns             TEXT    NOT NULL,
  confidence       REAL    NOT NULL,
  updated_at       TEXT    NOT NULL,
  updated_sequence INTEGER NOT NULL`.slice(1);

/**
 * Layout 3: table checkpoints. The rows are the campaigns table's columns, keyed by the batch
 * they follow; a checkpoint is written (or deleted) with its rows in one transaction.
 */
export const CHECKPOINT_DDL = `
CREATE TABLE table_checkpoints (
  batch_index INTEGER PRIMARY KEY,
  sequence    INTEGER NOT NULL,
  max_time    REAL,              -- latest event time of the prefix, epoch seconds; NULL: unparseable
  row_count   INTEGER NOT NULL
) STRICT;
CREATE INDEX table_checkpoints_by_sequence ON table_checkpoints (sequence);

CREATE TABLE table_checkpoint_rows (
  batch_index      INTEGER NOT NULL,
  uuid             TEXT    NOT NULL,
${CAMPAIGN_ROW_COLUMNS}
) STRICT;
-- Not (batch_index, uuid): a second copy of every uuid buys nothing, rows are read by checkpoint.
CREATE INDEX table_checkpoint_rows_by_batch ON table_checkpoint_rows (batch_index);
`;

const DDL = `
CREATE TABLE store_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- One row per committed batch: what it consumed and where its events start.
CREATE TABLE batches (
  batch_index    INTEGER PRIMARY KEY,
  range_from     TEXT    NOT NULL,
  range_to       TEXT    NOT NULL,
  segments       TEXT    NOT NULL,  -- JSON BatchSegment[]
  input_count    INTEGER NOT NULL,
  first_sequence INTEGER NOT NULL,
  event_count    INTEGER NOT NULL,
  rejects_mark   TEXT    NOT NULL
) STRICT;

-- The campaign event log. body is the envelope exactly as it was serialised once, so every
-- reader prints the same bytes (its event_id included).
CREATE TABLE campaign_events (
  sequence    INTEGER PRIMARY KEY,
  type        TEXT    NOT NULL,
  batch_index INTEGER NOT NULL,
  body        TEXT    NOT NULL
) STRICT;

-- The latest consumed position of every input source.
CREATE TABLE input_checkpoints (
  source       TEXT    PRIMARY KEY,
  locator      TEXT    NOT NULL,
  byte_offset  INTEGER NOT NULL,
  record_index INTEGER NOT NULL,
  ordinal      INTEGER NOT NULL,
  fingerprint  TEXT    NOT NULL,
  batch_index  INTEGER NOT NULL REFERENCES batches (batch_index)
) STRICT;

-- The campaign tables: a fold of campaign_events up to store_meta.tables_sequence.
CREATE TABLE campaigns (
  uuid             TEXT    PRIMARY KEY,
${CAMPAIGN_ROW_COLUMNS}
) STRICT;
CREATE INDEX campaigns_by_status ON campaigns (status);

-- Engine snapshots; only the newest is kept.
CREATE TABLE engine_snapshots (
  batch_index INTEGER PRIMARY KEY,
  sequence    INTEGER NOT NULL,
  state       TEXT    NOT NULL
) STRICT;

INSERT INTO store_meta (key, value) VALUES ('tables_sequence', '0');
` + EVENT_IDS_DDL + CHECKPOINT_DDL;

/** Layout 1 → 2: the digests of every committed batch, from the event_id column. */
function migrate1to2(db: Database): void {
  db.exec(EVENT_IDS_DDL);
  const insert = db.prepare('INSERT INTO event_ids (batch_index, first_sequence, digests) VALUES (?, ?, ?)');
  const idsOf = db.prepare('SELECT event_id FROM campaign_events WHERE sequence >= ? AND sequence < ? ORDER BY sequence').pluck();
  const batches = db.prepare('SELECT batch_index, first_sequence, event_count FROM batches ORDER BY batch_index').all() as
    Array<{ batch_index: number; first_sequence: number; event_count: number }>;
  for (const b of batches) {
    if (b.event_count === 0) continue;
    insert.run(b.batch_index, b.first_sequence, digestBlob(idsOf.all(b.first_sequence, b.first_sequence + b.event_count) as string[]));
  }
}

/**
 * Creates the layout in an empty database, migrates an older one (writable opens only; a
 * read-only open reads layouts 1 and 2 as they are), refuses a newer or foreign one. Returns
 * the layout the connection sees.
 */
export function ensureLayout(db: Database, writable: boolean): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === LAYOUT_VERSION) return version;
  if (version > LAYOUT_VERSION) {
    throw new StoreError('store_version', `store layout ${version} is newer than this program's (${LAYOUT_VERSION}); upgrade campaign-stream`);
  }
  if (version === 1 || version === 2) {
    if (!writable) return version;
    db.transaction(() => {
      // Another writer may have migrated it while this one waited for the lock.
      const now = db.pragma('user_version', { simple: true }) as number;
      if (now === LAYOUT_VERSION) return;
      if (now === 1) migrate1to2(db);
      db.exec(CHECKPOINT_DDL);
      db.pragma(`user_version = ${LAYOUT_VERSION}`);
    }).immediate();
    return LAYOUT_VERSION;
  }
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
  if (tables.n > 0) {
    throw new StoreError('store_corrupt', 'the database holds tables but no campaign-stream layout version: not a campaign store');
  }
  if (!writable) throw new StoreError('store_missing', 'the store is empty: nothing has been run into it yet');
  db.transaction(() => {
    db.exec(DDL);
    db.pragma(`user_version = ${LAYOUT_VERSION}`);
  }).immediate();
  return LAYOUT_VERSION;
}
