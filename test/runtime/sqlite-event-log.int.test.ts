/** The SQLite adapter against the EventLog contract, plus what only a real file shows. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LAYOUT_VERSION } from '../../src/adapters/sqlite/schema.ts';
import { openSqliteStore } from '../../src/adapters/sqlite/store.ts';
import { isStoreError } from '../../src/ports/errors.ts';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import type { CampaignRow } from '../../src/domain/tables.ts';
import { commitOf, eventLogContract, formed } from './event-log-contract.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = (): string => path.join(dir, `store-${++n}.sqlite`);

eventLogContract('sqlite', async () => openSqliteStore(freshFile()).log);
eventLogContract('sqlite, writes on the writer thread', async () => openSqliteStore(freshFile(), { writerThread: true }).log);

const row = (uuid: string, seq: number): CampaignRow => ({
  uuid, status: 'active', merged_into: null, formed_at: '2026-01-01T00:00:00Z', formed_sequence: seq,
  first_activity: null, last_activity: null, identity_count: 2, members: ['i1', 'i2'], payload_hashes: ['h'],
  c2_endpoints: [], deckies: ['d1'], asns: [64512], confidence: 0.75, updated_at: '2026-01-01T00:00:00Z', updated_sequence: seq,
});

describe('SQLite store', () => {
  it('committed batches, checkpoints and table rows survive closing and reopening', async () => {
    const file = freshFile();
    const a = openSqliteStore(file);
    await a.log.append({ ...commitOf(1, 1, 2), tables: [row('c1', 1)] });
    a.close();
    const b = openSqliteStore(file);
    assert.equal(await b.log.head(), 2);
    assert.equal((await b.log.checkpoints()).length, 1);
    assert.deepEqual(await b.tables.rows(), [row('c1', 1)]);
    assert.equal(await b.tables.sequence(), 2);
    b.close();
  });

  it('table rows of a refused batch are not written either', async () => {
    const s = openSqliteStore(freshFile());
    await s.log.append({ ...commitOf(1, 1, 1), tables: [row('c1', 1)] });
    await assert.rejects(s.log.append({ ...commitOf(2, 7, 1), tables: [row('c2', 2)] }));
    assert.deepEqual((await s.tables.rows()).map((r) => r.uuid), ['c1']);
    assert.equal(await s.tables.sequence(), 1);
    s.close();
  });

  it('a commit that carries no table rows leaves the tables and their sequence where they were', async () => {
    const s = openSqliteStore(freshFile());
    await s.log.append({ ...commitOf(1, 1, 2), tables: [row('c1', 1)] });
    await s.log.append(commitOf(2, 3, 2));
    assert.equal(await s.log.head(), 4);
    assert.equal(await s.tables.sequence(), 2);
    assert.deepEqual(await s.tables.rows(), [row('c1', 1)]);
    // An empty list is not "no rows": the tables then reflect the batch.
    await s.log.append({ ...commitOf(3, 5, 1), tables: [] });
    assert.equal(await s.tables.sequence(), 5);
    s.close();
  });

  it('uses WAL journaling', () => {
    const file = freshFile();
    openSqliteStore(file).close();
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
  });

  it('a read-only open of a missing store fails with store_missing and creates nothing', () => {
    const file = freshFile();
    assert.throws(() => openSqliteStore(file, { readonly: true }), (e: unknown) => isStoreError(e) && e.code === 'store_missing');
    assert.equal(existsSync(file), false);
  });

  it('refuses a store written by a newer layout', () => {
    const file = freshFile();
    openSqliteStore(file).close();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    assert.throws(() => openSqliteStore(file), (e: unknown) => isStoreError(e) && e.code === 'store_version');
  });

  it('a writer that cannot get the lock fails as retriable store_busy, and succeeds once it is free', async () => {
    const file = freshFile();
    openSqliteStore(file).close();
    const blocker = new Database(file);
    blocker.exec('BEGIN IMMEDIATE');
    const s = openSqliteStore(file, { busyTimeoutMs: 10 });
    await assert.rejects(s.log.append(commitOf(1, 1, 1)), (e: unknown) => isStoreError(e) && e.code === 'store_busy' && e.retriable);
    blocker.exec('ROLLBACK');
    blocker.close();
    await s.log.append(commitOf(1, 1, 1));
    assert.equal(await s.log.head(), 1);
    s.close();
  });

  it('snapshots: only the newest is kept; clearing leaves none', async () => {
    const s = openSqliteStore(freshFile());
    await s.snapshots.save({ batch_index: 3, sequence: 10, state: '{"a":1}' });
    await s.snapshots.save({ batch_index: 5, sequence: 12, state: '{"a":2}' });
    assert.deepEqual(await s.snapshots.latest(), { batch_index: 5, sequence: 12, state: '{"a":2}' });
    await s.snapshots.clear();
    assert.equal(await s.snapshots.latest(), null);
    s.close();
  });

  it('replaceAll swaps the whole table and its sequence', async () => {
    const s = openSqliteStore(freshFile());
    await s.tables.write([row('a', 1), row('b', 2)], 2);
    await s.tables.replaceAll([row('c', 3)], 3);
    assert.deepEqual((await s.tables.rows()).map((r) => r.uuid), ['c']);
    assert.equal(await s.tables.sequence(), 3);
    s.close();
  });

  it('with the writer thread: appends handed over together commit in call order, and none after a refused one', async () => {
    const s = openSqliteStore(freshFile(), { writerThread: true });
    assert.ok((s.log.maxAppendsInFlight ?? 1) > 1, 'the writer thread takes several appends at once');
    const outcomes = await Promise.allSettled([
      s.log.append(commitOf(1, 1, 2)),
      s.log.append(commitOf(2, 3, 2)),
      s.log.append(commitOf(3, 9, 1)), // does not continue the log
      s.log.append(commitOf(4, 5, 1)), // would continue batch 2's events, but batch 3 never committed
    ]);
    const codes = outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : isStoreError(o.reason) ? o.reason.code : String(o.reason)));
    assert.deepEqual(codes, ['ok', 'ok', 'sequence_conflict', 'batch_conflict']);
    assert.equal(await s.log.head(), 4);
    assert.equal((await s.log.lastBatch())?.index, 2);
    s.close();
  });

  it('with the writer thread: reads see every acknowledged write; a busy store is retriable store_busy; close() ends the thread', async () => {
    const file = freshFile();
    const s = openSqliteStore(file, { writerThread: true, busyTimeoutMs: 10 });
    await s.log.append({ ...commitOf(1, 1, 2), tables: [row('c1', 1)] });
    await s.snapshots.save({ batch_index: 1, sequence: 2, state: '{}' });
    await s.settings.set('scoring_profile', 'reference');
    assert.equal(await s.log.head(), 2);
    assert.deepEqual(await s.tables.rows(), [row('c1', 1)]);
    assert.equal((await s.snapshots.latest())?.batch_index, 1);
    assert.equal(await s.settings.get('scoring_profile'), 'reference');
    const blocker = new Database(file);
    blocker.exec('BEGIN IMMEDIATE');
    await assert.rejects(s.log.append(commitOf(2, 3, 1)), (e: unknown) => isStoreError(e) && e.code === 'store_busy' && e.retriable);
    blocker.exec('ROLLBACK');
    blocker.close();
    await s.log.append(commitOf(2, 3, 1));
    s.close();
    await assert.rejects(s.log.append(commitOf(3, 4, 1)), (e: unknown) => isStoreError(e));
    const again = openSqliteStore(file, { readonly: true });
    assert.equal(await again.log.head(), 3);
    again.close();
  });

  it('a second connection that appended in between is seen: its ids are refused as duplicates', async () => {
    const file = freshFile();
    const a = openSqliteStore(file);
    const b = openSqliteStore(file);
    await a.log.append(commitOf(1, 1, 2)); // a loads the digests
    await b.log.append(commitOf(2, 3, 2)); // b appends behind a's back
    const c = commitOf(3, 5, 2);
    const dup = { ...c, events: [c.events[0], { ...c.events[1], event_id: 'e-3-c3' } as CampaignEvent] };
    await assert.rejects(a.log.append(dup), (e: unknown) => isStoreError(e) && e.code === 'duplicate_event');
    await a.log.append(c);
    assert.equal(await b.log.head(), 6);
    a.close();
    b.close();
  });
});

describe('SQLite layout 1 (an event_id UNIQUE column) is migrated to layout 2', () => {
  const LAYOUT_1 = `
    CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    CREATE TABLE batches (batch_index INTEGER PRIMARY KEY, range_from TEXT NOT NULL, range_to TEXT NOT NULL, segments TEXT NOT NULL,
      input_count INTEGER NOT NULL, first_sequence INTEGER NOT NULL, event_count INTEGER NOT NULL, rejects_mark TEXT NOT NULL) STRICT;
    CREATE TABLE campaign_events (sequence INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
      batch_index INTEGER NOT NULL REFERENCES batches (batch_index), body TEXT NOT NULL) STRICT;
    CREATE TABLE input_checkpoints (source TEXT PRIMARY KEY, locator TEXT NOT NULL, byte_offset INTEGER NOT NULL, record_index INTEGER NOT NULL,
      ordinal INTEGER NOT NULL, fingerprint TEXT NOT NULL, batch_index INTEGER NOT NULL REFERENCES batches (batch_index)) STRICT;
    CREATE TABLE campaigns (uuid TEXT PRIMARY KEY, status TEXT NOT NULL, merged_into TEXT, formed_at TEXT, formed_sequence INTEGER,
      first_activity TEXT, last_activity TEXT, identity_count INTEGER NOT NULL, members TEXT NOT NULL, payload_hashes TEXT NOT NULL,
      c2_endpoints TEXT NOT NULL, deckies TEXT NOT NULL, asns TEXT NOT NULL, confidence REAL NOT NULL, updated_at TEXT NOT NULL,
      updated_sequence INTEGER NOT NULL) STRICT;
    CREATE INDEX campaigns_by_status ON campaigns (status);
    CREATE TABLE engine_snapshots (batch_index INTEGER PRIMARY KEY, sequence INTEGER NOT NULL, state TEXT NOT NULL) STRICT;
    INSERT INTO store_meta (key, value) VALUES ('tables_sequence', '0');
    PRAGMA user_version = 1;`;

  /** A layout-1 file holding batch 1 (sequences 1–3), written as the layout-1 adapter wrote it. */
  function layout1Store(): string {
    const file = freshFile();
    const db = new Database(file);
    db.exec(LAYOUT_1);
    const c = commitOf(1, 1, 3);
    db.prepare('INSERT INTO batches VALUES (1, ?, ?, ?, 10, 1, 3, ?)').run(c.batch.range.from, c.batch.range.to, JSON.stringify(c.batch.segments), c.batch.rejects_mark);
    for (const e of c.events) db.prepare('INSERT INTO campaign_events VALUES (?, ?, ?, 1, ?)').run(e.sequence, e.event_id, e.type, JSON.stringify(e));
    db.close();
    return file;
  }

  it('a read-only open reads it as it is, without migrating', async () => {
    const file = layout1Store();
    const r = openSqliteStore(file, { readonly: true });
    assert.deepEqual((await r.log.read(1, 10)).map((e) => e.sequence), [1, 2, 3]);
    r.close();
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    db.close();
  });

  it('a writable open migrates it: its ids stay unique, new batches append, the log reads the same', async () => {
    const file = layout1Store();
    const s = openSqliteStore(file);
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), LAYOUT_VERSION);
    db.close();
    const c = commitOf(2, 4, 2);
    const dup = { ...c, events: [c.events[0], { ...c.events[1], event_id: 'e-2-c2' } as CampaignEvent] };
    await assert.rejects(s.log.append(dup), (e: unknown) => isStoreError(e) && e.code === 'duplicate_event');
    await s.log.append(c);
    assert.deepEqual((await s.log.read(1, 10)).map((e) => JSON.stringify(e)),
      [...commitOf(1, 1, 3).events, ...c.events].map((e) => JSON.stringify(e)));
    s.close();
    // Reopened: the migrated digests and the new batch's are what the next append checks against.
    const again = openSqliteStore(file);
    const d = commitOf(3, 6, 1);
    await assert.rejects(again.log.append({ ...d, events: [{ ...formed(6, d.batch.range), event_id: 'e-5-c5' }] }),
      (e: unknown) => isStoreError(e) && e.code === 'duplicate_event');
    await again.log.append(d);
    again.close();
  });
});
