/** The pure parts of the PostgreSQL adapter: error classification, URLs, schema names, row encoding. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classify, toStoreError } from '../../src/adapters/postgres/errors.ts';
import { isPostgresUrl, maskPassword, splitSchema } from '../../src/adapters/postgres/open.ts';
import { rowsParameter } from '../../src/adapters/postgres/campaign-rows.ts';
import { checkSchemaName, CONSTRAINTS, tableNames } from '../../src/adapters/postgres/schema.ts';
import { int8ToNumber } from '../../src/adapters/postgres/type-parsers.ts';
import type { CampaignRow } from '../../src/domain/tables.ts';
import { isStoreError, StoreError } from '../../src/ports/errors.ts';

const pgError = (code: string, constraint?: string, message = 'boom'): Error =>
  Object.assign(new Error(message), { code, ...(constraint === undefined ? {} : { constraint }) });

describe('PostgreSQL error classification', () => {
  it('unique violations map by constraint to the log conflict codes, never retriable', () => {
    assert.deepEqual(classify(pgError('23505', CONSTRAINTS.eventSequence)), { code: 'sequence_conflict', retriable: false });
    assert.deepEqual(classify(pgError('23505', CONSTRAINTS.eventId)), { code: 'duplicate_event', retriable: false });
    assert.deepEqual(classify(pgError('23505', CONSTRAINTS.batchIndex)), { code: 'batch_conflict', retriable: false });
    assert.deepEqual(classify(pgError('23505', 'campaigns_pkey')), { code: 'store_failure', retriable: false });
  });

  it('a lost, refused or restarting connection is retriable', () => {
    for (const code of ['57P01', '57P02', '57P03', '08006', '08001', '53300', 'ECONNREFUSED', 'ECONNRESET']) {
      assert.deepEqual(classify(pgError(code)), { code: 'store_failure', retriable: true }, code);
    }
    assert.deepEqual(classify(new Error('Connection terminated unexpectedly')), { code: 'store_failure', retriable: true });
  });

  it('serialization failures, deadlocks and timeouts are a retriable store_busy', () => {
    for (const code of ['40001', '40P01', '55P03', '57014']) {
      assert.deepEqual(classify(pgError(code)), { code: 'store_busy', retriable: true }, code);
    }
  });

  it('a missing database, schema or table is store_missing; damaged pages store_corrupt; the rest repeats', () => {
    for (const code of ['3D000', '3F000', '42P01']) assert.equal(classify(pgError(code)).code, 'store_missing');
    assert.equal(classify(pgError('XX001')).code, 'store_corrupt');
    assert.deepEqual(classify(pgError('42601')), { code: 'store_failure', retriable: false });
    assert.deepEqual(classify(pgError('25006')), { code: 'store_failure', retriable: false });
    assert.deepEqual(classify(new Error('a bug')), { code: 'store_failure', retriable: false });
    assert.deepEqual(classify('not even an error'), { code: 'store_failure', retriable: false });
  });

  it('keeps a StoreError as it is and names the SQLSTATE otherwise', () => {
    const own = new StoreError('batch_conflict', 'x');
    assert.equal(toStoreError(own, 'y'), own);
    const e = toStoreError(pgError('40P01', undefined, 'deadlock detected'), 'appending batch 3');
    assert.ok(isStoreError(e));
    assert.equal(e.message, 'appending batch 3: deadlock detected [40P01]');
  });
});

describe('PostgreSQL store URLs and names', () => {
  it('recognises postgres:// and postgresql:// URLs only', () => {
    assert.ok(isPostgresUrl('postgres://u@h/db'));
    assert.ok(isPostgresUrl('POSTGRESQL://u@h:5432/db'));
    assert.ok(!isPostgresUrl('./store'));
    assert.ok(!isPostgresUrl('kurrentdb://h:2113'));
  });

  it('takes the schema from the URL and leaves the rest of the URL to pg', () => {
    assert.deepEqual(splitSchema('postgres://u@h:5432/db'), { connectionString: 'postgres://u@h:5432/db', schema: null });
    assert.deepEqual(splitSchema('postgres://u@h:5432/db?schema=fleet_a'), { connectionString: 'postgres://u@h:5432/db', schema: 'fleet_a' });
    assert.deepEqual(splitSchema('postgres://u@h/db?sslmode=require&schema=s1'), { connectionString: 'postgres://u@h/db?sslmode=require', schema: 's1' });
  });

  it('masks the password in messages', () => {
    assert.equal(maskPassword('postgres://alice:s3cr%40t@db.example:5432/x'), 'postgres://alice:***@db.example:5432/x');
    assert.equal(maskPassword('postgres://alice@h/x'), 'postgres://alice@h/x');
  });

  it('accepts plain identifiers up to 55 characters as schema names', () => {
    checkSchemaName('campaign_stream');
    checkSchemaName('A'.repeat(55));
    for (const bad of ['', '1abc', 'a-b', 'a"b', 'x'.repeat(56), 'a; DROP TABLE x']) {
      assert.throws(() => checkSchemaName(bad), (e: unknown) => isStoreError(e) && e.code === 'store_failure', bad);
    }
    assert.equal(tableNames('Fleet').events, '"Fleet".campaign_events');
  });
});

describe('PostgreSQL row encoding', () => {
  const row = (uuid: string, n: number): CampaignRow => ({
    uuid, status: 'active', merged_into: null, formed_at: null, formed_sequence: null, first_activity: null,
    last_activity: null, identity_count: n, members: [], payload_hashes: [], c2_endpoints: [], deckies: [], asns: [4_294_967_295],
    confidence: 0.1 + 0.2, updated_at: 't', updated_sequence: n,
  });

  it('sends a batch of rows as one JSON array, the last row of a repeated uuid winning', () => {
    const sent = JSON.parse(rowsParameter([row('a', 1), row('b', 2), row('a', 3)])) as CampaignRow[];
    assert.deepEqual(sent, [row('a', 3), row('b', 2)]);
  });

  it('decodes bigint as a number and refuses one beyond 2^53', () => {
    assert.equal(int8ToNumber('9007199254740991'), Number.MAX_SAFE_INTEGER);
    assert.equal(int8ToNumber('-3'), -3);
    assert.throws(() => int8ToNumber('9007199254740993'), (e: unknown) => isStoreError(e) && e.code === 'store_corrupt');
  });
});
