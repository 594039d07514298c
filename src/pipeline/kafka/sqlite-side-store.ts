/** The Kafka side store of a SQLite store directory: `<dir>/kafka.sqlite`. */
import Database from 'better-sqlite3';
import path from 'node:path';
import { toStoreError } from '../../adapters/sqlite/errors.ts';
import type { OutboxCursor } from '../../ports/publisher.ts';
import type { KafkaSideStore, QuarantineEntry, QuarantineStore } from './side-store.ts';

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
