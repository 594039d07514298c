/** The scenario store, served by a real server on an ephemeral port. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHttpServer, type HttpServerOptions, type RunningServer } from '../../../src/adapters/http/server.ts';
import { openStoreForReading } from '../../../src/cli/store-dir.ts';
import { buildScenarioStore, type ScenarioStore } from './scenario.ts';

export interface Served {
  readonly base: string;
  readonly scenario: ScenarioStore;
  readonly server: RunningServer;
  /** Resolves once the server's index has reached the log head (after an append). */
  caughtUp(ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function serveScenario(options: Partial<Omit<HttpServerOptions, 'log' | 'tables'>> = {}): Promise<Served> {
  const root = mkdtempSync(path.join(tmpdir(), 'cs-http-'));
  const scenario = await buildScenarioStore(root);
  const store = openStoreForReading(scenario.dir);
  const server = await startHttpServer({ port: 0, pollMs: 50, onError: () => {}, ...options, log: store.log, tables: store.tables, snapshots: store.snapshots });
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
