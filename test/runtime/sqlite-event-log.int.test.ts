/** The SQLite adapter against the EventLog contract, plus what only a real file shows. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/adapters/sqlite/store.ts';
import { isStoreError } from '../../src/ports/errors.ts';
import type { CampaignRow } from '../../src/domain/tables.ts';
import { commitOf, eventLogContract } from './event-log-contract.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = (): string => path.join(dir, `store-${++n}.sqlite`);

eventLogContract('sqlite', async () => openSqliteStore(freshFile()).log);

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
});
