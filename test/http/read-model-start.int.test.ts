/**
 * A server over a persisted read model that stands far behind the log (a first start over a
 * large store) listens at once and answers from where the model stands, saying so in every
 * `sequence`; it catches up meanwhile. A restart resumes from the stored position: it reads the
 * event there (to check the log still holds it) and nothing before it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHttpServer } from '../../src/adapters/http/server.ts';
import { openStoreForReading } from '../../src/cli/store-dir.ts';
import type { EventLog } from '../../src/ports/event-log.ts';
import { request } from './support/http-client.ts';
import { sqliteReadModels } from './support/served-scenario.ts';
import { buildScenarioStore, type ScenarioStore } from './support/scenario.ts';

describe('a persisted read model at start', () => {
  let root: string;
  let scenario: ScenarioStore;
  let store: ReturnType<typeof openStoreForReading>;

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cs-rm-start-'));
    scenario = await buildScenarioStore(root);
    store = openStoreForReading(scenario.dir);
  });

  after(() => {
    store?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** The store's log, whose reads from `from` on wait for `gate` (and are counted). */
  function gatedLog(gate: Promise<void>, reads: number[]): EventLog {
    return {
      ...store.log,
      head: () => store.log.head(),
      read: async (from, limit) => {
        reads.push(from);
        await gate;
        return store.log.read(from, limit);
      },
      readAt: (s) => store.log.readAt!(s),
      batches: (from, limit) => store.log.batches(from, limit),
    };
  }

  it('listens before a model far behind has caught up, answering at its own sequence, then catches up', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const reads: number[] = [];
    const head = await store.log.head();
    const server = await startHttpServer({
      port: 0, pollMs: 20, onError: () => {}, log: gatedLog(gate, reads), tables: store.tables,
      readModels: sqliteReadModels(scenario.dir), waitForCatchUp: 0,
    });
    try {
      const early = await request(server.url, '/api/v1/campaigns');
      assert.equal(early.status, 200);
      assert.equal(early.json.sequence, 0, 'the model has applied nothing yet');
      assert.equal(early.json.total, 0);
      release();
      for (let i = 0; server.follower.sequence !== head; i++) {
        if (i > 500) throw new Error(`read model at ${server.follower.sequence}, log head ${head}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const late = await request(server.url, '/api/v1/campaigns');
      assert.equal(late.json.sequence, head);
      assert.ok(late.json.total > 0);
    } finally {
      await server.close();
    }
  });

  it('resumes from the stored position on restart: no event before it is read again', async () => {
    const reads: number[] = [];
    const head = await store.log.head();
    const server = await startHttpServer({
      port: 0, pollMs: 20, onError: () => {}, log: gatedLog(Promise.resolve(), reads), tables: store.tables,
      readModels: sqliteReadModels(scenario.dir),
    });
    try {
      assert.equal(server.follower.sequence, head, 'the model stood at the head');
      // One read at the position itself (is the event there the one the model applied last?).
      assert.deepEqual(reads.filter((from) => from < head), [], 'nothing before the stored position was read');
      assert.equal((await request(server.url, '/api/v1/campaigns')).json.sequence, head);
    } finally {
      await server.close();
    }
  });
});
