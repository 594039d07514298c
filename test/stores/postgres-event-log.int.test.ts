/**
 * The PostgreSQL adapter against the EventLog contract and what only a real server shows:
 * racing writers, failures in the middle of a batch, a connection killed mid-transaction,
 * layout checks, LISTEN/NOTIFY. Runs against a real PostgreSQL (test/support/services.ts starts
 * one when DATABASE_URL is not set, and fails, never skips, when it cannot). Every store lives
 * in its own schema, dropped at the end.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from '../../src/adapters/postgres/open.ts';
import { toStoreError } from '../../src/adapters/postgres/errors.ts';
import { tableNames } from '../../src/adapters/postgres/schema.ts';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import type { CampaignRow } from '../../src/domain/tables.ts';
import { isStoreError, type StoreError } from '../../src/ports/errors.ts';
import type { BatchCommit } from '../../src/ports/event-log.ts';
import { commitOf, eventLogContract } from '../runtime/event-log-contract.ts';
import { requireServices, waitFor } from '../support/services.ts';

const { databaseUrl } = await requireServices(['postgres']);
if (databaseUrl === undefined) throw new Error('requireServices returned no databaseUrl');
const url: string = databaseUrl;

const admin = new pg.Pool({ connectionString: url, max: 3 });
admin.on('error', () => {});
const prefix = `t${process.pid}_${Date.now().toString(36)}`;
const schemas: string[] = [];
const freshSchema = (): string => {
  const s = `${prefix}_${schemas.length + 1}`;
  schemas.push(s);
  return s;
};
const opened: PostgresStore[] = [];
async function open(schema = freshSchema(), options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const s = await openPostgresStore(url, { ...options, schema });
  opened.push(s);
  return s;
}

after(async () => {
  await Promise.all(opened.map((s) => s.close().catch(() => {})));
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(s)} CASCADE`);
  await admin.end();
});

eventLogContract('postgres', async () => (await open()).log);

const row = (uuid: string, seq: number, extra: Partial<CampaignRow> = {}): CampaignRow => ({
  uuid, status: 'active', merged_into: null, formed_at: '2026-01-01T00:00:00Z', formed_sequence: seq,
  first_activity: null, last_activity: null, identity_count: 2, members: ['i1', 'i2'], payload_hashes: ['h'],
  c2_endpoints: [], deckies: ['d1'], asns: [64512], confidence: 0.75, updated_at: '2026-01-01T00:00:00Z', updated_sequence: seq,
  ...extra,
});

/** Batch `index` of writer `w`: its own event ids and campaigns, so the log shows whose events won. */
function commitBy(w: string, index: number, first: number, n: number): BatchCommit {
  const c = commitOf(index, first, n);
  return {
    ...c,
    events: c.events.map((e) => ({ ...e, event_id: `${w}-${e.event_id}`, payload: { ...e.payload, campaign_uuid: `${w}-${e.sequence}` } }) as CampaignEvent),
  };
}

const isCode = (code: string, retriable = false) => (e: unknown): boolean => {
  assert.ok(isStoreError(e), `expected a StoreError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  assert.equal(e.retriable, retriable, e.message);
  return true;
};

async function assertUnchangedAfter(store: PostgresStore, head: number, batchIndex: number, tableUuids: string[]): Promise<void> {
  assert.equal(await store.log.head(), head);
  assert.equal((await store.log.lastBatch())?.index, batchIndex);
  assert.equal((await store.log.read(head + 1, 10)).length, 0);
  assert.ok((await store.log.checkpoints()).every((c) => c.batch_index <= batchIndex));
  assert.deepEqual((await store.tables.rows()).map((r) => r.uuid), tableUuids);
  const t = tableNames(store.schema);
  const counts = await admin.query<{ e: number; b: number }>(
    `SELECT (SELECT count(*)::int FROM ${t.events}) AS e, (SELECT count(*)::int FROM ${t.batches}) AS b`);
  assert.deepEqual(counts.rows[0], { e: head, b: batchIndex });
}

describe('PostgreSQL store: concurrency', () => {
  it('two writers racing for the same head: exactly one wins, the other gets sequence_conflict', async () => {
    const schema = freshSchema();
    const a = await open(schema);
    const b = await open(schema);
    const t = tableNames(schema);
    for (let round = 1; round <= 10; round++) {
      const first = (round - 1) * 2 + 1;
      // Hold the head row so both appends are provably in flight before either can decide.
      const holder = await admin.connect();
      await holder.query('BEGIN');
      await holder.query(`SELECT * FROM ${t.head} FOR UPDATE`);
      const racing = Promise.allSettled([a.log.append(commitBy('a', round, first, 2)), b.log.append(commitBy('b', round, first, 2))]);
      await waitFor(async () => (await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE wait_event_type = 'Lock' AND position($1 in query) > 0 AND query LIKE '%FOR UPDATE%'`, [t.head])).rows[0].n >= 2,
      { what: 'both appenders waiting on the head row', timeoutMs: 10_000 });
      await holder.query('COMMIT');
      holder.release();
      const [ra, rb] = await racing;
      const won = [ra, rb].filter((r) => r.status === 'fulfilled');
      const lost = [ra, rb].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1, `round ${round}: exactly one writer wins`);
      assert.equal(lost.length, 1);
      isCode('sequence_conflict')(lost[0].reason);
    }
    const events = await a.log.read(1, 100);
    assert.deepEqual(events.map((e) => e.sequence), Array.from({ length: 20 }, (_, i) => i + 1));
    // No interleaving: each batch's events come from one writer.
    for (let i = 0; i < 20; i += 2) assert.equal(events[i].event_id[0], events[i + 1].event_id[0]);
    assert.equal((await b.log.lastBatch())?.index, 10);
  });

  it('unracing writers from two pools continue each other\'s log', async () => {
    const schema = freshSchema();
    const a = await open(schema);
    const b = await open(schema);
    await a.log.append(commitBy('a', 1, 1, 1));
    await b.log.append(commitBy('b', 2, 2, 1));
    await a.log.append(commitBy('a', 3, 3, 1));
    assert.deepEqual((await b.log.read(1, 10)).map((e) => e.event_id[0]), ['a', 'b', 'a']);
  });

  it('the constraints map to the conflict codes even when the head row is bypassed', async () => {
    const s = await open();
    await s.log.append(commitOf(1, 1, 1));
    const t = tableNames(s.schema);
    const attempt = async (sql: string, values: unknown[]): Promise<StoreError> => {
      try {
        await admin.query(sql, values);
      } catch (e) {
        return toStoreError(e, 'direct insert');
      }
      assert.fail(`expected ${sql} to violate a constraint`);
    };
    const dupSequence = await attempt(`INSERT INTO ${t.events} (sequence, event_id, type, batch_index, body) VALUES (1, 'other', 'x', 1, '{}')`, []);
    assert.equal(dupSequence.code, 'sequence_conflict');
    const dupId = await attempt(`INSERT INTO ${t.events} (sequence, event_id, type, batch_index, body) VALUES (2, 'e-1-c1', 'x', 1, '{}')`, []);
    assert.equal(dupId.code, 'duplicate_event');
    const dupBatch = await attempt(
      `INSERT INTO ${t.batches} (batch_index, range_from, range_to, segments, input_count, first_sequence, event_count, rejects_mark)
       VALUES (1, 'a', 'b', '[]', 0, 2, 0, '')`, []);
    assert.equal(dupBatch.code, 'batch_conflict');
    assert.ok([dupSequence, dupId, dupBatch].every((e) => !e.retriable));
  });
});

describe('PostgreSQL store: atomicity', () => {
  it('a table row failing its constraint after the events were inserted leaves nothing of the batch', async () => {
    const s = await open();
    await s.log.append({ ...commitOf(1, 1, 2), tables: [row('c1', 1)] });
    const bad = { ...commitOf(2, 3, 3), tables: [row('c2', 3), row('c3', 4, { status: 'bogus' as CampaignRow['status'] })] };
    await assert.rejects(s.log.append(bad), isCode('store_failure'));
    await assertUnchangedAfter(s, 2, 1, ['c1']);
    assert.equal(await s.tables.sequence(), 2);
    await s.log.append({ ...commitOf(2, 3, 3), tables: [row('c2', 3)] });
    assert.equal(await s.log.head(), 5);
  });

  it('a failure injected between the events and the checkpoints leaves nothing of the batch', async () => {
    const s = await open();
    const t = tableNames(s.schema);
    const q = pg.escapeIdentifier(s.schema);
    await s.log.append(commitOf(1, 1, 2));
    await admin.query(`CREATE FUNCTION ${q}.fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
    await admin.query(`CREATE TRIGGER fail BEFORE INSERT OR UPDATE ON ${t.checkpoints} FOR EACH ROW EXECUTE FUNCTION ${q}.fail()`);
    await assert.rejects(s.log.append(commitOf(2, 3, 4)), (e: unknown) => isCode('store_failure')(e) && /injected failure/.test((e as Error).message));
    await assertUnchangedAfter(s, 2, 1, []);
    assert.equal((await s.log.checkpoints())[0].batch_index, 1);
    await admin.query(`DROP TRIGGER fail ON ${t.checkpoints}`);
    await s.log.append(commitOf(2, 3, 4));
    assert.equal(await s.log.head(), 6);
  });

  it('a connection killed mid-transaction fails as retriable, leaves nothing, and the next append succeeds', async () => {
    const app = `cs-victim-${prefix}`;
    const s = await open(freshSchema(), { applicationName: app });
    const t = tableNames(s.schema);
    const q = pg.escapeIdentifier(s.schema);
    await s.log.append(commitOf(1, 1, 1));
    await admin.query(`CREATE FUNCTION ${q}.stall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$`);
    await admin.query(`CREATE TRIGGER stall BEFORE INSERT OR UPDATE ON ${t.checkpoints} FOR EACH ROW EXECUTE FUNCTION ${q}.stall()`);
    const appending = s.log.append(commitOf(2, 2, 3));
    appending.catch(() => {});
    const pid = await waitFor(async () => (await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event = 'PgSleep'`, [app])).rows[0]?.pid,
    { what: 'the append to stall inside its transaction', timeoutMs: 10_000 });
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await assert.rejects(appending, isCode('store_failure', true));
    await waitFor(async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1`, [pid])).rows.length === 0,
      { what: 'the killed backend to exit' });
    await admin.query(`DROP TRIGGER IF EXISTS stall ON ${t.checkpoints}`);
    await assertUnchangedAfter(s, 1, 1, []);
    await s.log.append(commitOf(2, 2, 3));
    assert.equal(await s.log.head(), 4);
  });
});

describe('PostgreSQL store: layout and tables', () => {
  it('committed batches, checkpoints and table rows survive closing and reopening', async () => {
    const schema = freshSchema();
    const a = await openPostgresStore(url, { schema });
    await a.log.append({ ...commitOf(1, 1, 2), tables: [row('c1', 1)] });
    await a.close();
    const b = await open(schema);
    assert.equal(await b.log.head(), 2);
    assert.equal((await b.log.checkpoints()).length, 1);
    assert.deepEqual(await b.tables.rows(), [row('c1', 1)]);
    assert.equal(await b.tables.sequence(), 2);
  });

  it('a commit that carries no table rows leaves the tables and their sequence where they were', async () => {
    const s = await open();
    await s.log.append({ ...commitOf(1, 1, 2), tables: [row('c1', 1)] });
    await s.log.append(commitOf(2, 3, 2));
    assert.equal(await s.log.head(), 4);
    assert.equal(await s.tables.sequence(), 2);
    assert.deepEqual(await s.tables.rows(), [row('c1', 1)]);
    // An empty list is not "no rows": the tables then reflect the batch.
    await s.log.append({ ...commitOf(3, 5, 1), tables: [] });
    assert.equal(await s.tables.sequence(), 5);
  });

  it('table rows round-trip exactly and list in byte order of uuid', async () => {
    const s = await open();
    const rows = [
      row('b-2', 7, { asns: [4_200_000_000, 13335], confidence: 0.1 + 0.2, members: ['Z', 'a'], merged_into: 'B-1', status: 'merged' }),
      row('B-1', 3, { first_activity: '2026-01-01T00:00:00.125Z', last_activity: '2026-01-02T00:00:00Z', identity_count: 0, status: 'empty' }),
      row('a', 1, { formed_at: null, formed_sequence: null, payload_hashes: [], deckies: [] }),
    ];
    await s.tables.write(rows, 7);
    assert.deepEqual(await s.tables.rows(), [rows[1], rows[2], rows[0]]);
    assert.equal(await s.tables.sequence(), 7);
  });

  it('a uuid written twice in one call keeps its last row', async () => {
    const s = await open();
    await s.tables.write([row('c', 1), row('c', 2, { identity_count: 5 })], 2);
    assert.deepEqual(await s.tables.rows(), [row('c', 2, { identity_count: 5 })]);
  });

  it('replaceAll swaps the whole table and its sequence', async () => {
    const s = await open();
    await s.tables.write([row('a', 1), row('b', 2)], 2);
    await s.tables.replaceAll([row('c', 3)], 3);
    assert.deepEqual((await s.tables.rows()).map((r) => r.uuid), ['c']);
    assert.equal(await s.tables.sequence(), 3);
  });

  it('snapshots: only the newest is kept; clearing leaves none', async () => {
    const s = await open();
    await s.snapshots.save({ batch_index: 3, sequence: 10, state: '{"a":1}' });
    await s.snapshots.save({ batch_index: 5, sequence: 12, state: '{"a":2}' });
    assert.deepEqual(await s.snapshots.latest(), { batch_index: 5, sequence: 12, state: '{"a":2}' });
    await s.snapshots.clear();
    assert.equal(await s.snapshots.latest(), null);
  });

  it('a read-only open of a missing store fails with store_missing and creates nothing', async () => {
    const schema = freshSchema();
    await assert.rejects(openPostgresStore(url, { schema, readonly: true }), isCode('store_missing'));
    assert.equal((await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rows.length, 0);
  });

  it('a read-only store reads but cannot write', async () => {
    const schema = freshSchema();
    const w = await open(schema);
    await w.log.append(commitOf(1, 1, 2));
    const r = await open(schema, { readonly: true });
    assert.equal(await r.log.head(), 2);
    await assert.rejects(r.log.append(commitOf(2, 3, 1)), isCode('store_failure'));
    assert.equal(await w.log.head(), 2);
  });

  it('refuses a store written by a newer layout', async () => {
    const schema = freshSchema();
    await (await openPostgresStore(url, { schema })).close();
    await admin.query(`UPDATE ${tableNames(schema).meta} SET value = '99' WHERE key = 'layout_version'`);
    await assert.rejects(openPostgresStore(url, { schema }), isCode('store_version'));
  });

  it('refuses a schema whose tables carry the layout\'s names without its version', async () => {
    const schema = freshSchema();
    await admin.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.campaigns (x int)`);
    await assert.rejects(openPostgresStore(url, { schema }), isCode('store_corrupt'));
  });

  it('creates the store beside other tables already in the schema', async () => {
    const schema = freshSchema();
    await admin.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.kafka_outbox_cursor (name text PRIMARY KEY)`);
    const s = await open(schema);
    await s.log.append(commitOf(1, 1, 1));
    assert.equal(await s.log.head(), 1);
  });

  it('processes opening the same new store at once all get the one layout', async () => {
    const schema = freshSchema();
    const stores = await Promise.all([1, 2, 3, 4].map(() => open(schema)));
    await stores[0].log.append(commitOf(1, 1, 1));
    for (const s of stores) assert.equal(await s.log.head(), 1);
  });

  it('the URL\'s schema parameter selects the schema', async () => {
    const schema = freshSchema();
    const s = await openPostgresStore(`${url}${url.includes('?') ? '&' : '?'}schema=${schema}`);
    opened.push(s);
    assert.equal(s.schema, schema);
    await s.log.append(commitOf(1, 1, 1));
    assert.equal((await admin.query(`SELECT count(*)::int AS n FROM ${tableNames(schema).events}`)).rows[0].n, 1);
  });

  it('an idle pooled connection killed by the server is replaced without crashing the process', async () => {
    const app = `cs-idle-${prefix}`;
    const s = await open(freshSchema(), { applicationName: app });
    await s.log.append(commitOf(1, 1, 1));
    const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [app]);
    assert.ok(killed.rows.length > 0);
    await waitFor(async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1`, [app])).rows.length === 0,
      { what: 'the idle backends to exit' });
    await waitFor(async () => (await s.log.head()) === 1, { what: 'a read on a fresh connection', timeoutMs: 5_000 });
  });

  it('an unreachable server fails as a retriable store_failure', async () => {
    await assert.rejects(openPostgresStore('postgres://postgres@127.0.0.1:1/campaigns', { schema: 'x', connectTimeoutMs: 2_000 }), isCode('store_failure', true));
  });
});

describe('PostgreSQL store: live head', () => {
  it('a subscriber hears the head after each committed append and nothing for a refused one', async () => {
    const schema = freshSchema();
    const w = await open(schema);
    const r = await open(schema, { readonly: true });
    const heads: number[] = [];
    const sub = await r.subscribe((h) => heads.push(h));
    try {
      await w.log.append(commitOf(1, 1, 2));
      await assert.rejects(w.log.append(commitOf(2, 9, 1)));
      await w.log.append(commitOf(2, 3, 0));
      await w.log.append(commitOf(3, 3, 4));
      await waitFor(() => heads.length >= 3, { what: 'three notifications', timeoutMs: 5_000 });
      assert.deepEqual(heads, [2, 2, 6]);
    } finally {
      await sub.close();
    }
  });

  it('closing the store ends its subscriptions', async () => {
    const schema = freshSchema();
    const s = await openPostgresStore(url, { schema });
    await s.subscribe(() => {});
    const listening = async (): Promise<number> => (await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1`, [`LISTEN "${tableNames(schema).channel}"`])).rows[0].n;
    assert.equal(await listening(), 1);
    await s.close();
    await waitFor(async () => (await listening()) === 0, { what: 'the listener connection to close' });
  });
});
