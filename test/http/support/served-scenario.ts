/** The scenario store, served by a real server on an ephemeral port. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHttpServer, type HttpServerOptions, type ReadModels, type RunningServer } from '../../../src/adapters/http/server.ts';
import { READ_MODEL_FILE, SqliteReadModel } from '../../../src/adapters/sqlite/read-model.ts';
import { domainStoreDir, openStoreForReading } from '../../../src/cli/store-dir.ts';
import { buildScenarioStore, type ScenarioStore } from './scenario.ts';

export interface Served {
  readonly base: string;
  readonly scenario: ScenarioStore;
  readonly server: RunningServer;
  /** Resolves once the server's index has reached the log head (after an append). */
  caughtUp(ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** The read models `campaigns serve` keeps for a store directory (read-model.sqlite per domain). */
export const sqliteReadModels = (dir: string): ReadModels => ({
  indexed: true,
  open: (source, domain) => SqliteReadModel.open(path.join(domainStoreDir(dir, domain), READ_MODEL_FILE), source.log, { writerThread: true }),
});

/** Served as `campaigns serve` serves it: from the store's SQLite read model, unless `options` say otherwise. */
export async function serveScenario(options: Partial<Omit<HttpServerOptions, 'log' | 'tables'>> = {}): Promise<Served> {
  const root = mkdtempSync(path.join(tmpdir(), 'cs-http-'));
  const scenario = await buildScenarioStore(root);
  const store = openStoreForReading(scenario.dir);
  const server = await startHttpServer({
    port: 0, pollMs: 50, onError: () => {}, readModels: sqliteReadModels(scenario.dir), ...options,
    log: store.log, tables: store.tables, snapshots: store.snapshots,
  });
  return {
    base: server.url,
    scenario,
    server,
    async caughtUp(ms = 5_000) {
      const until = Date.now() + ms;
      for (;;) {
        const head = await store.log.head();
        if (server.follower.sequence === head) return;
        if (Date.now() > until) throw new Error(`index at ${server.follower.sequence}, log head ${head}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await server.close();
      store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
