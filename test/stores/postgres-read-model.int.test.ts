/**
 * The PostgreSQL read model (rm_* tables in the store's schema) passes the read model
 * contract against a real PostgreSQL (test/support/services.ts starts one when DATABASE_URL is
 * unset, and fails, never skips, when it cannot). Every store lives in a schema of its own,
 * dropped at the end.
 */
import { after } from 'node:test';
import pg from 'pg';
import { openPostgresStore } from '../../src/adapters/postgres/open.ts';
import { PgReadModel } from '../../src/adapters/postgres/read-model.ts';
import { appendBatches, readModelContract } from '../contract/read-model-contract.ts';
import { requireServices } from '../support/services.ts';

const { databaseUrl } = await requireServices(['postgres']);
if (databaseUrl === undefined) throw new Error('requireServices returned no databaseUrl');
const url: string = databaseUrl;
const prefix = `rm${process.pid}_${Date.now().toString(36)}`;
const schemas: string[] = [];

after(async () => {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(s)} CASCADE`);
  await admin.end();
});

readModelContract('postgres', async (batches) => {
  const schema = `${prefix}_${schemas.length + 1}`;
  schemas.push(schema);
  const store = await openPostgresStore(url, { schema });
  await appendBatches(store.log, batches);
  return {
    log: store.log,
    openModel: () => PgReadModel.open(url, store.log, { schema }),
    close: () => store.close(),
  };
});
