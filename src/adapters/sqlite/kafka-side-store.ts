/**
 * The Kafka side store of a SQLite store directory (src/ports/pipeline-state.ts): a file of its
 * own, `<dir>/kafka.sqlite`, beside `campaigns.sqlite`. It takes no lock: the pipeline opens it
 * only while holding the directory's writer lock.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { KafkaSideStore, QuarantineEntry, QuarantineStore } from '../../ports/pipeline-state.ts';
import type { OutboxCursor } from '../../ports/publisher.ts';
import { toStoreError } from './errors.ts';

export const SIDE_FILE = 'kafka.sqlite';

const DDL = `
CREATE TABLE IF NOT EXISTS outbox_cursor (
  name     TEXT    PRIMARY KEY,
  sequence INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS quarantine (
  source TEXT    NOT NULL,
  offset INTEGER NOT NULL,
  reason TEXT    NOT NULL,
  PRIMARY KEY (source, offset)
) STRICT;
`;

export function openSqliteSideStore(dir: string): KafkaSideStore {
  const file = path.join(dir, SIDE_FILE);
  let db: Database.Database;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    // The quarantine must survive a crash before the batch that relies on it commits.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(DDL);
  } catch (e) {
    throw toStoreError(e, `opening ${file}`);
  }
  const getCursor = db.prepare('SELECT sequence FROM outbox_cursor WHERE name = ?');
  const setCursor = db.prepare(
    'INSERT INTO outbox_cursor (name, sequence) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET sequence = max(sequence, excluded.sequence)');
  const allQ = db.prepare('SELECT source, offset, reason FROM quarantine ORDER BY source, offset');
  const addQ = db.prepare('INSERT OR REPLACE INTO quarantine (source, offset, reason) VALUES (?, ?, ?)');
  const quarantine: QuarantineStore = {
    async all() {
      try {
        return allQ.all() as QuarantineEntry[];
      } catch (e) {
        throw toStoreError(e, 'reading the quarantine');
      }
    },
    async add(e) {
      try {
        addQ.run(e.source, e.offset, e.reason);
      } catch (err) {
        throw toStoreError(err, 'quarantining a message');
      }
    },
  };
  return {
    cursor(name: string): OutboxCursor {
      return {
        async published() {
          try {
            return (getCursor.get(name) as { sequence: number } | undefined)?.sequence ?? 0;
          } catch (e) {
            throw toStoreError(e, 'reading the outbox cursor');
          }
        },
        async markPublished(sequence: number) {
          try {
            setCursor.run(name, sequence);
          } catch (e) {
            throw toStoreError(e, 'moving the outbox cursor');
          }
        },
      };
    },
    quarantine,
    async close() {
      db.close();
    },
  };
}

/**
 * The quarantine a store directory's pipeline recorded, read-only (for a rebuild, which must
 * refuse the same poison); none when the pipeline never ran there.
 */
export function readSqliteQuarantine(dir: string): QuarantineEntry[] {
  const file = path.join(dir, SIDE_FILE);
  if (!existsSync(file)) return [];
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT source, offset, reason FROM quarantine ORDER BY source, offset').all() as QuarantineEntry[];
    } finally {
      db.close();
    }
  } catch (e) {
    throw toStoreError(e, `reading the quarantine in ${file}`);
  }
}
