/**
 * Every read route answers the same JSON from the SQLite read model (what `campaigns serve`
 * uses) as from the in-memory index of the same log: lists in every order and page, searches,
 * every campaign (merged ones too) and its identities, evidence, history and merged-in
 * campaigns, every identity, the domains, the STIX export; before and after a live merge.
 */
import { after, before, describe, it } from 'node:test';
import { startHttpServer, type RunningServer } from '../../src/adapters/http/server.ts';
import { openStoreForReading } from '../../src/cli/store-dir.ts';
import { assertSameRoutes, routesOf } from './support/route-contract.ts';
import { serveScenario, type Served } from './support/served-scenario.ts';

describe('read routes: SQLite read model against the in-memory index', () => {
  let indexed: Served;
  let memory: RunningServer;
  let store: ReturnType<typeof openStoreForReading>;

  before(async () => {
    indexed = await serveScenario();
    store = openStoreForReading(indexed.scenario.dir);
    memory = await startHttpServer({ port: 0, pollMs: 50, onError: () => {}, log: store.log, tables: store.tables, snapshots: store.snapshots });
  });

  after(async () => {
    await memory?.close();
    store?.close();
    await indexed?.close();
  });

  async function caughtUp(): Promise<void> {
    await indexed.caughtUp();
    const head = await store.log.head();
    for (let i = 0; memory.follower.sequence !== head; i++) {
      if (i > 500) throw new Error(`memory index at ${memory.follower.sequence}, log head ${head}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('answers every route alike on the scenario store', async () => {
    await caughtUp();
    await assertSameRoutes(memory.url, indexed.base, await routesOf(store.log));
  });

  it('answers every route alike after a live merge reaches both', async () => {
    await indexed.scenario.appendBridge();
    await caughtUp();
    await assertSameRoutes(memory.url, indexed.base, await routesOf(store.log));
  });
});
