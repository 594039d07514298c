/**
 * `events`, `tables` and `membership` on a PostgreSQL store (issue #16: they answered
 * `store_missing: no store at postgres:/…/campaigns.sqlite`). The same input clustered into a
 * SQLite store and into a PostgreSQL schema, with the same batches, must print the same bytes
 * from either. Runs against a real PostgreSQL (test/support/services.ts), which it fails without.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openFileSource, openRecordedFile } from '../../src/adapters/file/open-source.ts';
import { RejectsFile } from '../../src/adapters/file/rejects-file.ts';
import { openPostgresStore } from '../../src/adapters/postgres/open.ts';
import { tableNames } from '../../src/adapters/postgres/schema.ts';
import { holdWriterLock } from '../../src/adapters/postgres/writer-lock.ts';
import { campaignEngines } from '../../src/cli/engines.ts';
import { runIngest } from '../../src/pipeline/run.ts';
import { identityLines, writeLines } from '../runtime/support/identity-stream.ts';
import { cli, dump, ingest } from '../runtime/support/store-run.ts';
import { requireServices } from '../support/services.ts';

const { databaseUrl } = await requireServices(['postgres']);
if (databaseUrl === undefined) throw new Error('requireServices returned no databaseUrl');
const url: string = databaseUrl;
const withSchema = (schema: string): string => `${url}${url.includes('?') ? '&' : '?'}schema=${schema}`;

describe('read commands and replay on a PostgreSQL store', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'cs-pg-read-'));
  const schema = `t${process.pid}_${Date.now().toString(36)}_read`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  admin.on('error', () => {});
  const input = writeLines(path.join(root, 'identity.ndjson'), identityLines({ seed: 7, events: 3_000 }));
  const sqliteDir = path.join(root, 'sqlite');

  before(async () => {
    await ingest(sqliteDir, [input], { batchSize: 100 });
    // Checkpoints every few hundred events (the default is 250,000): the PostgreSQL store's
    // as-of answers start from them, the SQLite store's fold from the log start.
    const store = await openPostgresStore(url, { schema, checkpointMinEvents: 300 });
    try {
      await runIngest(
        {
          log: store.log, tables: store.tables, snapshots: store.snapshots, settings: store.settings,
          rejects: new RejectsFile(path.join(root, 'pg-rejects.ndjson')), engines: campaignEngines,
          inputs: [await openFileSource(input)], openSource: openRecordedFile, clock: { now: () => 0 },
        },
        { batchSize: 100, snapshotEveryRecords: 1_000_000, tablesEveryBatches: 2 },
      );
      assert.ok((await store.tableCheckpoints.list()).length >= 3, 'checkpoints to start from');
    } finally {
      await store.close();
    }
  });
  after(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    await admin.end();
    rmSync(root, { recursive: true, force: true });
  });

  it('print the same events, tables and membership as the SQLite store of the same input', async () => {
    const fromSqlite = await dump(sqliteDir);
    const fromPostgres = await dump(withSchema(schema));
    assert.ok(fromSqlite.events.split('\n').length > 1_000, 'a log worth comparing');
    assert.equal(fromPostgres.events, fromSqlite.events);
    assert.equal(fromPostgres.tables, fromSqlite.tables);
    assert.equal(fromPostgres.membership, fromSqlite.membership);
    const from = await cli(['events', '--store', withSchema(schema), '--from', '500']);
    assert.equal(from.stdout, fromSqlite.events.split('\n').slice(499).join('\n'));
  });

  it('--as-of prints from PostgreSQL, folding from its checkpoints, what it prints from SQLite without any (the fold of the same log prefix) at any position', async () => {
    const events = (await dump(sqliteDir)).events.trimEnd().split('\n').map((l) => JSON.parse(l) as { sequence: number; time: string });
    // Batch ends, sequences inside batches, past the head, and times on, just before and after events.
    const positions = [0, 1, 99, 100, 101, 777, Math.floor(events.length / 2), events.length, events.length + 10].map(String);
    for (const k of [0, 250, Math.floor(events.length / 3), events.length - 1]) {
      const t = Date.parse(events[k].time);
      positions.push(new Date(t - 1).toISOString(), events[k].time, new Date(t + 1).toISOString());
    }
    for (const asOf of positions) {
      for (const argv of [['tables', '--json'], ['membership'], ['export', 'stix']]) {
        const lite = await cli([...argv, '--store', sqliteDir, '--as-of', asOf]);
        const pgOut = await cli([...argv, '--store', withSchema(schema), '--as-of', asOf]);
        assert.equal(lite.code, 0, lite.stderr);
        assert.equal(pgOut.code, 0, pgOut.stderr);
        assert.equal(pgOut.stdout, lite.stdout, `${argv.join(' ')} --as-of ${asOf}`);
      }
    }
  });

  it('accept --domain default, and refuse a domain the store does not hold', async () => {
    const d = await cli(['membership', '--store', withSchema(schema), '--domain', 'default']);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.stdout, (await dump(sqliteDir)).membership);
    const other = await cli(['tables', '--store', withSchema(schema), '--domain', 'fleet-a']);
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /store_missing.*no domain fleet-a in the store/);
    assert.doesNotMatch(other.stderr, /:[^:@/]+@/, 'no password in the message');
  });

  it('replay rebuilds the tables of a PostgreSQL store from its log, and waits for no writer: it is refused while one holds the lock', async () => {
    const expected = (await dump(sqliteDir)).tables;
    await admin.query(`DELETE FROM ${tableNames(schema).campaigns}`);
    assert.equal((await cli(['tables', '--store', withSchema(schema), '--json'])).stdout, '[]\n', 'the tables are gone');
    const r = await cli(['replay', '--store', withSchema(schema), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await cli(['tables', '--store', withSchema(schema), '--json'])).stdout, expected);
    const lock = await holdWriterLock(url, schema, 'this test');
    try {
      const busy = await cli(['replay', '--store', withSchema(schema)]);
      assert.notEqual(busy.code, 0);
      assert.match(busy.stderr, /store_busy/);
    } finally {
      await lock.release();
    }
    const missing = await cli(['replay', '--store', withSchema(`${schema}_gone`)]);
    assert.match(missing.stderr, /store_missing/);
    const { rows } = await admin.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [`${schema}_gone`]);
    assert.equal(rows.length, 0, 'replay created no store');
  });

  it('answer store_missing for a schema that holds no store, and create nothing', async () => {
    const missing = `${schema}_none`;
    const r = await cli(['events', '--store', withSchema(missing)]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /store_missing/);
    const { rows } = await admin.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [missing]);
    assert.equal(rows.length, 0);
  });
});
