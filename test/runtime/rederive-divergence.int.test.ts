/**
 * Re-deriving the engine from the recorded input checks every batch against the log, byte for
 * byte (restore.ts, checkingLog): a log that no longer matches what its input gives must stop the
 * restart with `replay_divergence`, not be continued as if it did.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { STORE_FILE } from '../../src/cli/store-dir.ts';
import { identityLines, writeLines } from './support/identity-stream.ts';
import { ingest } from './support/store-run.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-diverge-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('a restart without a snapshot refuses a log that its recorded input no longer reproduces', async () => {
  const lines = identityLines({ seed: 5, events: 1_200 });
  const first = writeLines(path.join(dir, 'a.ndjson'), lines.slice(0, 800));
  const second = writeLines(path.join(dir, 'b.ndjson'), lines.slice(800));
  const store = path.join(dir, 'store');
  await ingest(store, [first], { batchSize: 100 });
  // No snapshot to start from, and one logged event that the engine would not have made.
  const db = new Database(path.join(store, STORE_FILE));
  db.exec('DELETE FROM engine_snapshots');
  const changed = db.prepare("UPDATE campaign_events SET body = replace(body, '\"time\":\"2026', '\"time\":\"2027') WHERE sequence = 3").run();
  db.close();
  assert.equal(changed.changes, 1);
  await assert.rejects(ingest(store, [first, second], { batchSize: 100 }), (e: unknown) => {
    assert.equal((e as { code?: string }).code, 'replay_divergence', String(e));
    assert.match(String(e), /sequence 3/);
    return true;
  });
});
