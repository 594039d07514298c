/**
 * The store's layout, versioned with `PRAGMA user_version`. One file holds the event log, the
 * batch records and input checkpoints, the derived tables and the engine snapshot, so one
 * transaction can commit a batch's events, position and table changes together.
 */
import type { Database } from 'better-sqlite3';
import { StoreError } from '../../ports/errors.ts';

export const LAYOUT_VERSION = 1;

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
-- reader prints the same bytes.
CREATE TABLE campaign_events (
  sequence    INTEGER PRIMARY KEY,
  event_id    TEXT    NOT NULL UNIQUE,
  type        TEXT    NOT NULL,
  batch_index INTEGER NOT NULL REFERENCES batches (batch_index),
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
  updated_sequence INTEGER NOT NULL
) STRICT;
CREATE INDEX campaigns_by_status ON campaigns (status);

-- Engine snapshots; only the newest is kept.
CREATE TABLE engine_snapshots (
  batch_index INTEGER PRIMARY KEY,
  sequence    INTEGER NOT NULL,
  state       TEXT    NOT NULL
) STRICT;

INSERT INTO store_meta (key, value) VALUES ('tables_sequence', '0');
`;

/** Creates the layout in an empty database; refuses a database of another or newer layout. */
export function ensureLayout(db: Database, writable: boolean): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === LAYOUT_VERSION) return;
  if (version > LAYOUT_VERSION) {
    throw new StoreError('store_version', `store layout ${version} is newer than this program's (${LAYOUT_VERSION}); upgrade campaign-stream`);
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
}
