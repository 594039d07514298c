/**
 * The main job end to end in-process (real files, real SQLite, the real engine): restart
 * safety, snapshots, changed-input detection, replay, rejects.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openRecordedFile } from '../../src/adapters/file/open-source.ts';
import { openSqliteStore } from '../../src/adapters/sqlite/store.ts';
import { campaignEngines } from '../../src/cli/engines.ts';
import { openStoreForWriting, REJECTS_FILE, STORE_FILE } from '../../src/cli/store-dir.ts';
import { allRows, emptyTables, foldAll, membershipOf, type CampaignRow } from '../../src/domain/tables.ts';
import type { EventLog } from '../../src/ports/event-log.ts';
import { isInputError, isStoreError } from '../../src/ports/errors.ts';
import { restoreRuntime } from '../../src/pipeline/restore.ts';
import { currentValues, writeContainer } from './support/avro-files.ts';
import { BAD_LINES, identityLines, writeLines } from './support/identity-stream.ts';
import { cli, dump, ingest, InjectedCrash, type StoreDump } from './support/store-run.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => path.join(dir, `store-${++n}`);

const input = writeLines(path.join(dir, 'in', 'events.ndjson'), identityLines({ seed: 3, events: 3000, badEvery: 211 }));
const rejectsOf = (store: string): string => readFileSync(path.join(store, REJECTS_FILE), 'utf8');

let reference: StoreDump & { rejects: string };
before(async () => {
  const store = fresh();
  const r = await ingest(store, [input]);
  assert.ok(r.summary.batches > 20, `only ${r.summary.batches} batches`);
  assert.ok(r.summary.events_appended > 500);
  reference = { ...(await dump(store)), rejects: rejectsOf(store) };
});

const assertSameAsReference = async (store: string): Promise<void> => {
  const d = await dump(store);
  assert.equal(d.events, reference.events, 'event log differs');
  assert.equal(d.tables, reference.tables, 'tables differ');
  assert.equal(d.membership, reference.membership, 'membership differs');
  assert.equal(rejectsOf(store), reference.rejects, 'rejects differ');
};

describe('restart', () => {
  for (const [label, snapshotEvery] of [['without a snapshot', 1_000_000], ['from a snapshot', 500]] as const) {
    it(`a run that crashes before a commit and restarts (${label}) ends exactly like an uninterrupted run`, async () => {
      const store = fresh();
      await assert.rejects(ingest(store, [input], { failAtBatch: 7, snapshotEvery }), InjectedCrash);
      await assert.rejects(ingest(store, [input], { failAtBatch: 5, snapshotEvery }), InjectedCrash);
      const r = await ingest(store, [input], { snapshotEvery });
      assert.equal(r.summary.resumed_after_batch, 10);
      if (snapshotEvery === 500) assert.ok(r.summary.snapshot_batch !== null && r.summary.snapshot_batch > 0);
      else assert.equal(r.summary.rederived_batches, 10);
      await assertSameAsReference(store);
    });
  }

  it('deleting the snapshot changes no result: the restart re-derives the engine from the input', async () => {
    const store = fresh();
    await assert.rejects(ingest(store, [input], { failAtBatch: 12, snapshotEvery: 300 }), InjectedCrash);
    const s = openSqliteStore(path.join(store, STORE_FILE));
    assert.notEqual(await s.snapshots.latest(), null);
    await s.snapshots.clear();
    s.close();
    const r = await ingest(store, [input]);
    assert.equal(r.summary.snapshot_batch, null);
    assert.equal(r.summary.rederived_batches, 11);
    await assertSameAsReference(store);
  });

  it('an Avro input whose batches end inside blocks restarts (re-deriving from mid-block positions) like an uninterrupted run', async () => {
    const lines = identityLines({ seed: 14, events: 1500 });
    mkdirSync(path.join(dir, 'restart-avro'));
    const avro = await writeContainer(path.join(dir, 'restart-avro', 'events.avro'), currentValues(lines), { blockSize: 4096 });
    const whole = fresh();
    await ingest(whole, [avro], { batchSize: 70 });
    const store = fresh();
    await assert.rejects(ingest(store, [avro], { batchSize: 70, failAtBatch: 9 }), InjectedCrash);
    const r = await ingest(store, [avro], { batchSize: 70 });
    assert.equal(r.summary.rederived_batches, 8);
    const [a, b] = [await dump(whole), await dump(store)];
    assert.match(a.events, /events\.avro:\d+#\d+/, 'expected batch boundaries inside Avro blocks');
    assert.deepEqual(b, a);
  });

  it('a rerun with the same files appends nothing and changes no output', async () => {
    const store = fresh();
    await ingest(store, [input]);
    const r = await ingest(store, [input]);
    assert.equal(r.summary.events_read, 0);
    assert.equal(r.summary.events_appended, 0);
    assert.equal(r.summary.batches, 0);
    await assertSameAsReference(store);
  });

  it('a restored engine holds the same membership the tables give', async () => {
    const store = fresh();
    await ingest(store, [input], { batchSize: 250 });
    const { store: s, close } = openStoreForWriting(store);
    try {
      const state = await restoreRuntime({ log: s.log, tables: s.tables, snapshots: s.snapshots, engines: campaignEngines, openSource: openRecordedFile });
      assert.deepEqual(membershipOf(state.tables), state.engine.membership());
      assert.ok(state.engine.membership().length > 100);
    } finally {
      close();
    }
  });
});

describe('table flushes (tables written with every K-th batch)', () => {
  const readOnly = (store: string) => openSqliteStore(path.join(store, STORE_FILE), { readonly: true });
  /** The fold of the whole log read back from the store: what the tables must equal. */
  const foldOfLog = async (log: EventLog, upTo = Number.MAX_SAFE_INTEGER): Promise<CampaignRow[]> => {
    const tables = emptyTables();
    foldAll(tables, (await log.read(1, Number.MAX_SAFE_INTEGER)).filter((e) => e.sequence <= upTo));
    return allRows(tables);
  };

  it('while a run is in progress the stored tables lag the log by fewer than K batches, at flush boundaries only', async () => {
    const K = 4;
    const store = fresh();
    const headAfter: number[] = [0];
    const seen: Array<{ batch: number; tables: number; head: number }> = [];
    await ingest(store, [input], {
      tablesEvery: K,
      afterAppend: async (c) => {
        headAfter[c.batch.index] = c.batch.first_sequence + c.batch.event_count - 1;
        const r = readOnly(store);
        try {
          seen.push({ batch: c.batch.index, tables: await r.tables.sequence(), head: await r.log.head() });
        } finally {
          r.close();
        }
      },
    });
    assert.ok(seen.length > 3 * K);
    for (const { batch, tables, head } of seen) {
      assert.equal(head, headAfter[batch]);
      assert.equal(tables, headAfter[batch - (batch % K)], `after batch ${batch}`);
    }
    // The end of the run flushes: tables at the head, equal to the fold of the log.
    const r = readOnly(store);
    try {
      assert.equal(await r.tables.sequence(), await r.log.head());
      assert.deepEqual(await r.tables.rows(), await foldOfLog(r.log));
    } finally {
      r.close();
    }
  });

  it('the flush interval changes no output: every batch, every 7th and the default give the same store', async () => {
    for (const tablesEvery of [1, 7]) {
      const store = fresh();
      await ingest(store, [input], { tablesEvery });
      await assertSameAsReference(store);
    }
  });

  it('a crash between flushes leaves the tables behind the log; the restart catches them up from the log', async () => {
    const store = fresh();
    await assert.rejects(ingest(store, [input], { tablesEvery: 5, failAtBatch: 9 }), InjectedCrash);
    const r = readOnly(store);
    try {
      const head = await r.log.head();
      const [fifth] = await r.log.batches(5, 1);
      const flushed = fifth.first_sequence + fifth.event_count - 1;
      assert.equal((await r.log.lastBatch())?.index, 8);
      assert.equal(await r.tables.sequence(), flushed);
      assert.ok(flushed < head);
      // What is stored is the fold of the log up to the flush, not something in between.
      assert.deepEqual(await r.tables.rows(), await foldOfLog(r.log, flushed));
    } finally {
      r.close();
    }
    // A restart first folds the lag into the stored tables, before reading any input.
    const { store: s, close } = openStoreForWriting(store);
    try {
      const state = await restoreRuntime({ log: s.log, tables: s.tables, snapshots: s.snapshots, engines: campaignEngines, openSource: openRecordedFile });
      assert.equal(await s.tables.sequence(), state.head);
      assert.deepEqual(await s.tables.rows(), await foldOfLog(s.log));
      assert.deepEqual(membershipOf(state.tables), state.engine.membership());
    } finally {
      close();
    }
    await ingest(store, [input], { tablesEvery: 5 });
    await assertSameAsReference(store);
  });

  it('a failed commit is never followed by a table flush of the state it left ahead of the log', async () => {
    const store = fresh();
    await assert.rejects(ingest(store, [input], { tablesEvery: 3, failAtBatch: 5 }), InjectedCrash);
    const r = readOnly(store);
    try {
      const [third] = await r.log.batches(3, 1);
      assert.equal(await r.tables.sequence(), third.first_sequence + third.event_count - 1);
      assert.deepEqual(await r.tables.rows(), await foldOfLog(r.log, await r.tables.sequence()));
    } finally {
      r.close();
    }
  });
});

describe('changed input', () => {
  it('a consumed file whose bytes changed is refused with input_changed and nothing is appended', async () => {
    const store = fresh();
    const f = path.join(dir, 'changed', 'events.ndjson');
    writeLines(f, identityLines({ seed: 3, events: 800 }));
    await ingest(store, [f]);
    const before = await dump(store);
    const bytes = readFileSync(f);
    bytes[200] = bytes[200] === 0x61 ? 0x62 : 0x61;
    writeFileSync(f, bytes);
    await assert.rejects(ingest(store, [f]), (e: unknown) => isInputError(e) && e.code === 'input_changed');
    assert.deepEqual(await dump(store), before);
  });

  it('a consumed file that was truncated is refused with input_changed', async () => {
    const store = fresh();
    const f = path.join(dir, 'truncated', 'events.ndjson');
    writeLines(f, identityLines({ seed: 4, events: 500 }));
    await ingest(store, [f]);
    writeFileSync(f, readFileSync(f).subarray(0, 1000));
    await assert.rejects(ingest(store, [f]), (e: unknown) => isInputError(e) && e.code === 'input_changed');
  });

  it('a file that grew is resumed after its checkpoint: only the new lines are read', async () => {
    const store = fresh();
    const lines = identityLines({ seed: 5, events: 1200 });
    const f = writeLines(path.join(dir, 'grown', 'events.ndjson'), lines.slice(0, 700));
    await ingest(store, [f]);
    appendFileSync(f, lines.slice(700).map((l) => l + '\n').join(''));
    const r = await ingest(store, [f]);
    assert.equal(r.summary.events_read, lines.length - 700);
  });

  it('two inputs with the same file name are refused with input_conflict', async () => {
    const other = path.join(dir, 'other', 'events.ndjson');
    writeLines(other, identityLines({ seed: 9, events: 10 }));
    await assert.rejects(ingest(fresh(), [input, other]), (e: unknown) => isInputError(e) && e.code === 'input_conflict');
  });

  it('a second writer on the same store is refused with a retriable store_busy', async () => {
    const store = fresh();
    const held = openStoreForWriting(store);
    try {
      await assert.rejects(ingest(store, [input]), (e: unknown) => isStoreError(e) && e.code === 'store_busy' && e.retriable);
    } finally {
      held.close();
    }
  });
});

describe('determinism and replay', () => {
  it('running the same input with the same batch size into a new store gives a byte-identical log', async () => {
    const store = fresh();
    const copy = path.join(dir, 'copy', 'events.ndjson');
    writeLines(copy, []);
    copyFileSync(input, copy);
    await ingest(store, [copy]);
    await assertSameAsReference(store);
  });

  it('replay rebuilds tables identical to the ones the run wrote', async () => {
    const store = fresh();
    await ingest(store, [input]);
    const s = openSqliteStore(path.join(store, STORE_FILE));
    await s.tables.replaceAll([], 0);
    s.close();
    assert.equal((await cli(['tables', '--store', store, '--json'])).stdout, '[]\n');
    const r = await cli(['replay', '--store', store, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).events_folded, reference.events.split('\n').length - 1);
    await assertSameAsReference(store);
  });

  it('the same events as an Avro container file give the same tables as NDJSON', async () => {
    const lines = identityLines({ seed: 11, events: 1500 });
    const nd = writeLines(path.join(dir, 'same', 'events.ndjson'), lines);
    const av = await writeContainer(path.join(dir, 'same', 'events.avro'), currentValues(lines), { blockSize: 2048 });
    const a = fresh();
    const b = fresh();
    const ra = await ingest(a, [nd]);
    const rb = await ingest(b, [av]);
    assert.equal(rb.summary.rejected, 0);
    assert.equal(ra.summary.events_appended, rb.summary.events_appended);
    const [da, db] = [await dump(a), await dump(b)];
    assert.equal(db.tables, da.tables);
    assert.equal(db.membership, da.membership);
  });
});

describe('bad input', () => {
  it('every kind of bad line is rejected with position, line, code and reason; valid lines around it are processed', async () => {
    const good = ['g1', 'g2', 'g3'].map((id) => JSON.stringify({
      type: 'identity.observed', event_id: id, time: '2026-01-01T00:00:00Z', identity_uuid: `i-${id}`, version: 1, observation: { payload_hashes: ['h'] },
    }));
    const lines = [good[0], ...BAD_LINES.map((b, k) => b.line(k)), good[1], '', good[2]];
    const f = writeLines(path.join(dir, 'bad', 'mixed.ndjson'), lines);
    const store = fresh();
    const r = await ingest(store, [f]);
    assert.equal(r.summary.rejected, BAD_LINES.length);
    assert.equal(r.summary.events_read, lines.length - 1); // the blank line is no record
    assert.equal(r.summary.events_applied, 3);
    const offsets: number[] = [];
    let at = 0;
    for (const l of lines) {
      offsets.push(at);
      at += Buffer.byteLength(l) + 1;
    }
    const rejects = rejectsOf(store).trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rejects.map((x) => Object.keys(x)), rejects.map(() => ['position', 'line', 'code', 'reason', 'event_id']));
    assert.deepEqual(rejects.map((x) => [x.position, x.line, x.code]), BAD_LINES.map((b, k) => [`mixed.ndjson:${offsets[k + 1]}`, k + 2, b.code]));
    assert.ok(rejects.every((x) => typeof x.reason === 'string' && x.reason.length > 0));
    assert.equal(rejects.find((x) => x.code === 'unknown_type').event_id, 'bad-type-2');
  });

  it('engine-level rejections go to the same file, in input order among the others', async () => {
    const t = '2026-01-01T00:00:00Z';
    const lines = [
      JSON.stringify({ type: 'identity.merged', event_id: 'm1', time: t, winner_uuid: 'a', loser_uuid: 'b' }),
      'not json',
      JSON.stringify({ type: 'identity.merged', event_id: 'm2', time: t, winner_uuid: 'b', loser_uuid: 'a' }),
      JSON.stringify({ type: 'identity.retired', event_id: 'r1', time: t, identity_uuid: 'c' }),
      JSON.stringify({ type: 'identity.observed', event_id: 'o1', time: t, identity_uuid: 'c', version: 1, observation: {} }),
    ];
    const f = writeLines(path.join(dir, 'engine', 'rej.ndjson'), lines);
    const store = fresh();
    const r = await ingest(store, [f], { batchSize: 10 });
    assert.equal(r.summary.rejected, 3);
    const rejects = rejectsOf(store).trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rejects.map((x) => [x.line, x.code, x.event_id]), [
      [2, 'invalid_json', null], [3, 'merge_cycle', 'm2'], [5, 'retired_identity', 'o1'],
    ]);
  });

  it('rejects of a batch that never committed are not listed twice after the restart', async () => {
    const lines = identityLines({ seed: 13, events: 400, badEvery: 50 });
    const f = writeLines(path.join(dir, 'rollback', 'events.ndjson'), lines);
    const whole = fresh();
    await ingest(whole, [f], { batchSize: 40 });
    const store = fresh();
    await assert.rejects(ingest(store, [f], { batchSize: 40, failAtBatch: 4 }), InjectedCrash);
    assert.ok(rejectsOf(store).length > 0);
    await ingest(store, [f], { batchSize: 40 });
    assert.equal(rejectsOf(store), rejectsOf(whole));
  });
});
