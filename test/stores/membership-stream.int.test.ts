/**
 * `TableReader.membership()` streams what `membershipOf(tablesFromRows(rows()))` computes, line
 * for line, on SQLite and PostgreSQL: merges several deep, a merge cycle, removed identities,
 * ids past U+FFFF and markup, in pages smaller than the answer.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openPostgresStore } from '../../src/adapters/postgres/open.ts';
import { openSqliteStore } from '../../src/adapters/sqlite/store.ts';
import type { Membership } from '../../src/domain/engine-api.ts';
import { allRows, emptyTables, foldEvents, membershipOf } from '../../src/domain/tables.ts';
import type { TableReader, TableSink } from '../../src/ports/table-sink.ts';
import { randomLog, scriptedLog } from '../contract/read-model-contract.ts';
import { requireServices } from '../support/services.ts';

const { databaseUrl } = await requireServices(['postgres']);
if (databaseUrl === undefined) throw new Error('requireServices returned no databaseUrl');
const url: string = databaseUrl;
const schemas: string[] = [];

after(async () => {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(s)} CASCADE`);
  await admin.end();
});

const LOGS = [['scripted', scriptedLog()], ...[1, 2, 3].map((seed) => [`random ${seed}`, randomLog(seed, 60)] as const)] as const;

async function check(tables: TableReader & TableSink, name: string, batches: ReturnType<typeof scriptedLog>): Promise<void> {
  const t = emptyTables();
  foldEvents(t, batches.flat());
  await tables.replaceAll(allRows(t), t.sequence);
  const streamed: Membership[] = [];
  let pages = 0;
  for await (const page of (tables.membership as (size: number) => AsyncIterable<readonly Membership[]>).call(tables, 3)) {
    assert.ok(page.length > 0 && page.length <= 3, `${name}: pages of at most 3`);
    streamed.push(...page);
    pages++;
  }
  const expected = membershipOf(t);
  assert.ok(expected.length > 3 && pages > 1, `${name}: several pages`);
  assert.deepStrictEqual(streamed, expected, name);
}

describe('streamed membership', () => {
  it('equals the in-memory membership of the same tables on SQLite', async () => {
    for (const [name, batches] of LOGS) {
      const dir = mkdtempSync(path.join(tmpdir(), 'cs-membership-'));
      const store = openSqliteStore(path.join(dir, 'campaigns.sqlite'));
      try {
        await check(store.tables as TableReader & TableSink, name, batches as ReturnType<typeof scriptedLog>);
      } finally {
        store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('equals the in-memory membership of the same tables on PostgreSQL', async () => {
    for (const [name, batches] of LOGS) {
      const schema = `ms${process.pid}_${schemas.length}_${Date.now().toString(36)}`;
      schemas.push(schema);
      const store = await openPostgresStore(url, { schema });
      try {
        await check(store.tables, name, batches as ReturnType<typeof scriptedLog>);
      } finally {
        await store.close();
      }
    }
  });
});
