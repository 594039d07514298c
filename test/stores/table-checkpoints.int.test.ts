/**
 * Table checkpoints on both real stores (SQLite with its writer thread, PostgreSQL): written with
 * the batch that reaches the interval and in its transaction, used by as-of positions without
 * changing a byte of the answer, rebuilt by replay, and absent from a store laid out before them
 * (which still answers by folding from the log start).
 *
 * Expected values are computed here independently: which batches get a checkpoint (events since
 * the last ≥ max(minimum, rows)), each checkpoint's latest time (Date.parse over the prefix), and
 * the as-of tables (`tablesAsOf` without checkpoints: the fold from the log start, as before).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import { openPostgresStore } from '../../src/adapters/postgres/open.ts';
import { tableNames } from '../../src/adapters/postgres/schema.ts';
import { openSqliteStore } from '../../src/adapters/sqlite/store.ts';
import type { AsOf } from '../../src/domain/as-of.ts';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import { readsTimes, type TableCheckpoint } from '../../src/domain/table-checkpoints.ts';
import { allRows, emptyTables, foldEvents, membershipOf, rowsOf } from '../../src/domain/tables.ts';
import type { BatchCommit, EventLog } from '../../src/ports/event-log.ts';
import type { TableCheckpointStore } from '../../src/ports/table-checkpoints.ts';
import type { TableReader, TableSink } from '../../src/ports/table-sink.ts';
import { replayTables } from '../../src/pipeline/replay.ts';
import { tablesAsOf } from '../../src/pipeline/tables-as-of.ts';
import { draft, log, type Draft } from '../support/campaign-logs.ts';
import { requireServices } from '../support/services.ts';

// ---------------------------------------------------------------------------------------------
// Random logs cut into batches, some carrying table rows (a run writes them every few batches).

interface Plan {
  readonly drafts: readonly Draft[];
  /** Seconds from one event's time to the next: negative ones make times fall back along the log. */
  readonly steps: readonly number[];
  /** An event whose time does not parse (no time position's prefix reaches past it). */
  readonly badTime: number | null;
  /** Batch sizes (0: an empty batch). */
  readonly sizes: readonly number[];
  /** Which batches carry the table rows changed since the last that did. */
  readonly withTables: readonly boolean[];
}

const planArb: fc.Arbitrary<Plan> = fc.record({
  drafts: fc.array(draft, { minLength: 1, maxLength: 70 }),
  steps: fc.array(fc.integer({ min: -4, max: 6 }), { minLength: 70, maxLength: 70 }),
  badTime: fc.option(fc.nat({ max: 90 }), { freq: 4 }),
  sizes: fc.array(fc.nat({ max: 6 }), { minLength: 1, maxLength: 40 }),
  withTables: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
});

const BASE = Date.UTC(2026, 0, 1);

interface Built {
  readonly events: readonly CampaignEvent[];
  readonly commits: readonly BatchCommit[];
}

function build(p: Plan): Built {
  const events = log(p.drafts).map((e, k) => {
    const ms = BASE + 1000 * p.steps.slice(0, k + 1).reduce((a, b) => a + b, 0);
    const time = k === p.badTime ? 'not a time' : new Date(ms).toISOString().replace('.000Z', 'Z');
    return { ...e, time } as CampaignEvent;
  });
  const commits: BatchCommit[] = [];
  const tables = emptyTables();
  let unflushed = new Set<string>();
  let at = 0;
  // The sizes first, then one batch with whatever events are left.
  for (let b = 0; b < p.sizes.length || at < events.length; b++) {
    const n = b < p.sizes.length ? Math.min(p.sizes[b], events.length - at) : events.length - at;
    const batchEvents = events.slice(at, at + n);
    for (const u of foldEvents(tables, batchEvents)) unflushed.add(u);
    const index = b + 1;
    const range = { from: `f:${index - 1}`, to: `f:${index}` };
    const carries = p.withTables[b % p.withTables.length] || (b + 1 >= p.sizes.length && at + n === events.length);
    commits.push({
      batch: { index, range, segments: [], input_count: n, first_sequence: at + 1, event_count: n, rejects_mark: String(index) },
      events: batchEvents.map((e) => ({ ...e, batch: range }) as CampaignEvent),
      ...(carries ? { tables: rowsOf(tables, [...unflushed].sort()) } : {}),
    });
    if (carries) unflushed = new Set();
    at += n;
  }
  return { events, commits };
}

/** Latest time (epoch seconds) of the first `n` events; null once one does not parse. */
function latestOf(events: readonly CampaignEvent[], n: number): number | null {
  let latest = -Infinity;
  for (const e of events.slice(0, n)) {
    const ms = Date.parse(e.time);
    if (Number.isNaN(ms)) return null;
    latest = Math.max(latest, ms / 1000);
  }
  return latest;
}

/**
 * The checkpoints a store must hold after these commits: one after each batch whose rows it
 * writes (`onlyWithTables`, an append; all batches for replay) once the events since the last
 * reach max(minimum, rows).
 */
function expectedCheckpoints(b: Built, min: number, onlyWithTables: boolean): TableCheckpoint[] {
  const out: TableCheckpoint[] = [];
  const tables = emptyTables();
  let last = 0;
  // Appends read no times back for a first checkpoint more than twice the interval into the log
  // (the store predates checkpoints): it and every later one then carry none. Replay always has them.
  let timeless = false;
  for (const c of b.commits) {
    foldEvents(tables, c.events);
    if (onlyWithTables && c.tables === undefined) continue;
    const sequence = c.batch.first_sequence + c.batch.event_count - 1;
    const interval = Math.max(min, tables.rows.size, 1);
    if (sequence - last < interval) continue;
    if (onlyWithTables && out.length === 0 && !readsTimes(false, sequence, tables.rows.size, min)) timeless = true;
    out.push({ batchIndex: c.batch.index, sequence, maxTime: timeless ? null : latestOf(b.events, sequence), rowCount: tables.rows.size });
    last = sequence;
  }
  return out;
}

/** Every sequence from 0 past the head, and times on, just before and just after every event's. */
function positions(b: Built): AsOf[] {
  const out: AsOf[] = [];
  for (let s = 0; s <= b.events.length + 1; s++) out.push({ kind: 'sequence', sequence: s });
  for (const e of b.events) {
    const ms = Date.parse(e.time);
    if (Number.isNaN(ms)) continue;
    for (const d of [-1000, 0, 1000]) out.push({ kind: 'time', time: new Date(ms + d).toISOString(), epoch: (ms + d) / 1000 });
  }
  out.push({ kind: 'time', time: '2100-01-01T00:00:00Z', epoch: Date.UTC(2100, 0, 1) / 1000 });
  return out;
}

/** The log, recording the lowest sequence any read started at. */
function watched(log: EventLog): { log: EventLog; lowest: () => number; reset: () => void } {
  let lowest = Infinity;
  const note = (from: number): void => { lowest = Math.min(lowest, from); };
  const w: EventLog = {
    append: (c) => log.append(c),
    read: (from, limit) => (note(from), log.read(from, limit)),
    ...(log.readSerialized ? { readSerialized: (from: number, limit: number) => (note(from), log.readSerialized!(from, limit)) } : {}),
    head: () => log.head(),
    lastBatch: () => log.lastBatch(),
    batches: (from, limit) => log.batches(from, limit),
    checkpoints: () => log.checkpoints(),
    close: () => log.close(),
  };
  return { log: w, lowest: () => lowest, reset: () => { lowest = Infinity; } };
}

const newestFor = (cps: readonly TableCheckpoint[], asOf: AsOf): TableCheckpoint | undefined =>
  cps.filter((c) => (asOf.kind === 'sequence' ? c.sequence <= asOf.sequence : c.maxTime !== null && c.maxTime <= asOf.epoch)).at(-1);

/**
 * At every position: the checkpoint found is the newest the prefix contains, nothing at or before
 * it is read again, and the tables equal the fold from the log start.
 */
async function assertAsOfEverywhere(s: Opened, b: Built, cps: readonly TableCheckpoint[], sample = 1): Promise<void> {
  const w = watched(s.log);
  const all = positions(b);
  for (let k = 0; k < all.length; k += sample) {
    const asOf = all[k];
    const label = JSON.stringify(asOf);
    const expected = await tablesAsOf(s.log, asOf);
    const found = await s.tableCheckpoints.newestUsable(asOf);
    assert.deepEqual(found?.checkpoint ?? null, newestFor(cps, asOf) ?? null, `checkpoint for ${label}`);
    w.reset();
    const got = await tablesAsOf(w.log, asOf, s.tableCheckpoints);
    if (found !== null) assert.ok(w.lowest() > found.checkpoint.sequence, `${label}: read from ${w.lowest()}, checkpoint at ${found.checkpoint.sequence}`);
    assert.deepEqual(allRows(got.tables), allRows(expected.tables), `rows at ${label}`);
    assert.deepEqual(membershipOf(got.tables), membershipOf(expected.tables), `membership at ${label}`);
    assert.deepEqual([got.sequence, got.batchIndex, got.open, got.tables.sequence],
      [expected.sequence, expected.batchIndex, expected.open, expected.tables.sequence], `prefix end at ${label}`);
  }
}

async function appendAll(s: Opened, commits: readonly BatchCommit[]): Promise<void> {
  for (const c of commits) await s.log.append(c);
}

// ---------------------------------------------------------------------------------------------
// The two stores behind one harness.

interface Opened {
  readonly log: EventLog;
  readonly tables: TableReader & TableSink;
  readonly tableCheckpoints: TableCheckpointStore;
  close(): Promise<void>;
}

interface Backend {
  /** A name for a new, empty store. */
  fresh(): string;
  open(id: string, o: { readonly?: boolean; minEvents?: number }): Promise<Opened>;
  /** Makes every insert of checkpoint rows fail until the returned function is called. */
  breakCheckpointRows(id: string): Promise<() => Promise<void>>;
  /** Turns the store back into the layout before checkpoints. */
  downgrade(id: string): Promise<void>;
}

const dir = mkdtempSync(path.join(tmpdir(), 'cs-checkpoints-'));
let files = 0;
const sqlite: Backend = {
  fresh: () => path.join(dir, `s${++files}.sqlite`),
  async open(file, o) {
    const s = openSqliteStore(file, {
      readonly: o.readonly ?? false, writerThread: !(o.readonly ?? false), ...(o.minEvents !== undefined ? { checkpointMinEvents: o.minEvents } : {}),
    });
    return { log: s.log, tables: s.tables, tableCheckpoints: s.tableCheckpoints, close: async () => s.close() };
  },
  async breakCheckpointRows(file) {
    const db = new Database(file);
    db.exec("CREATE TRIGGER injected BEFORE INSERT ON table_checkpoint_rows BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    return async () => {
      db.exec('DROP TRIGGER injected');
      db.close();
    };
  },
  async downgrade(file) {
    const db = new Database(file);
    db.exec('DROP TABLE table_checkpoint_rows; DROP TABLE table_checkpoints; PRAGMA user_version = 2;');
    db.close();
  },
};

const { databaseUrl } = await requireServices(['postgres']);
const admin = new pg.Pool({ connectionString: databaseUrl, max: 2 });
admin.on('error', () => {});
const schemas: string[] = [];
const postgres: Backend = {
  fresh: () => {
    const s = `t${process.pid}_${Date.now().toString(36)}_cp${schemas.length + 1}`;
    schemas.push(s);
    return s;
  },
  async open(schema, o) {
    const s = await openPostgresStore(databaseUrl!, {
      schema, readonly: o.readonly ?? false, poolSize: 2, ...(o.minEvents !== undefined ? { checkpointMinEvents: o.minEvents } : {}),
    });
    return { log: s.log, tables: s.tables, tableCheckpoints: s.tableCheckpoints, close: () => s.close() };
  },
  async breakCheckpointRows(schema) {
    const t = tableNames(schema);
    const q = pg.escapeIdentifier(schema);
    await admin.query(`CREATE FUNCTION ${q}.injected() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
    await admin.query(`CREATE TRIGGER injected BEFORE INSERT ON ${t.checkpointRows} FOR EACH STATEMENT EXECUTE FUNCTION ${q}.injected()`);
    return async () => {
      await admin.query(`DROP TRIGGER injected ON ${t.checkpointRows}`);
      await admin.query(`DROP FUNCTION ${q}.injected()`);
    };
  },
  async downgrade(schema) {
    const t = tableNames(schema);
    await admin.query(`DROP TABLE ${t.checkpointRows}; DROP TABLE ${t.tableCheckpoints}`);
    await admin.query(`UPDATE ${t.meta} SET value = '1' WHERE key = 'layout_version'`);
  },
};

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(s)} CASCADE`);
  await admin.end();
});

async function withStore<T>(backend: Backend, id: string, o: { readonly?: boolean; minEvents?: number }, fn: (s: Opened) => Promise<T>): Promise<T> {
  const s = await backend.open(id, o);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** A log long enough for several checkpoints at a minimum of 3. */
const fixedPlan: Plan = {
  drafts: fc.sample(fc.array(draft, { minLength: 60, maxLength: 60 }), { numRuns: 1, seed: 7 })[0],
  steps: Array.from({ length: 70 }, (_, k) => (k % 7 === 6 ? -3 : 2)),
  badTime: null,
  sizes: [2, 3, 1, 0, 4, 2, 5, 3, 2, 6, 1, 3, 4, 2, 3, 5, 2, 3, 4, 1],
  withTables: Array.from({ length: 40 }, (_, k) => k % 3 !== 1),
};

function suite(name: string, backend: Backend, numRuns: number, sample: number): void {
  describe(`table checkpoints: ${name}`, () => {
    it('as-of tables at every sequence and time equal the fold from the log start, and read nothing before the checkpoint they start from', async () => {
      let withCheckpoints = 0;
      await fc.assert(fc.asyncProperty(planArb, fc.integer({ min: 1, max: 6 }), async (plan, min) => {
        const b = build(plan);
        const id = backend.fresh();
        await withStore(backend, id, { minEvents: min }, async (s) => {
          await appendAll(s, b.commits);
          const cps = expectedCheckpoints(b, min, true);
          assert.deepEqual(await s.tableCheckpoints.list(), cps);
          if (cps.length > 0) withCheckpoints++;
          await assertAsOfEverywhere(s, b, cps, sample);
        });
      }), { numRuns, seed: 1515 });
      assert.ok(withCheckpoints >= numRuns / 3, `only ${withCheckpoints} of ${numRuns} logs had a checkpoint`);
    });

    it('a checkpoint is written with the batch that reaches max(minimum, rows) events since the last, and only with a batch that writes rows', async () => {
      const b = build(fixedPlan);
      const id = backend.fresh();
      await withStore(backend, id, { minEvents: 3 }, async (s) => {
        await appendAll(s, b.commits);
        const cps = await s.tableCheckpoints.list();
        assert.deepEqual(cps, expectedCheckpoints(b, 3, true));
        assert.ok(cps.length >= 3, `${cps.length} checkpoints`);
        assert.ok(cps.some((c, k) => c.rowCount > 3 && c.sequence - (cps[k - 1]?.sequence ?? 0) >= c.rowCount), 'the row count set an interval');
        const withoutRows = new Set(b.commits.filter((c) => c.tables === undefined).map((c) => c.batch.index));
        assert.ok(cps.every((c) => !withoutRows.has(c.batchIndex)));
      });
    });

    it('a commit that fails leaves no checkpoint, and the checkpoint comes with the batch once it commits', async () => {
      const b = build(fixedPlan);
      const cps = expectedCheckpoints(b, 3, true);
      const at = b.commits.findIndex((c) => c.batch.index === cps[0].batchIndex);
      const id = backend.fresh();
      await withStore(backend, id, { minEvents: 3 }, async (s) => {
        await appendAll(s, b.commits.slice(0, at));
        const [head, tablesAt] = [await s.log.head(), await s.tables.sequence()];
        const repair = await backend.breakCheckpointRows(id);
        await assert.rejects(s.log.append(b.commits[at]), /injected failure/);
        assert.deepEqual(await s.tableCheckpoints.list(), []);
        assert.equal(await s.log.head(), head, 'the batch rolled back with its checkpoint');
        assert.equal(await s.tables.sequence(), tablesAt);
        await repair();
        await s.log.append(b.commits[at]);
        assert.deepEqual(await s.tableCheckpoints.list(), [cps[0]]);
      });
    });

    it('replay deletes the checkpoints and writes them again at the interval, after any batch', async () => {
      const b = build(fixedPlan);
      const id = backend.fresh();
      await withStore(backend, id, { minEvents: 3 }, (s) => appendAll(s, b.commits));
      await withStore(backend, id, { minEvents: 4 }, async (s) => {
        const rows = await s.tables.rows();
        const summary = await replayTables(s.log, s.tables, undefined, s.tableCheckpoints);
        const cps = expectedCheckpoints(b, 4, false);
        assert.notDeepEqual(cps, expectedCheckpoints(b, 3, true), 'the fixture tells the two apart');
        assert.deepEqual(await s.tableCheckpoints.list(), cps);
        assert.equal(summary.checkpoints, cps.length);
        assert.deepEqual(await s.tables.rows(), rows);
        await assertAsOfEverywhere(s, b, cps);
      });
    });

    it('a store laid out before checkpoints opens read-only and answers as-of by folding; its first writable open adds them, replay fills them', async () => {
      const b = build(fixedPlan);
      const id = backend.fresh();
      await withStore(backend, id, { minEvents: 3 }, (s) => appendAll(s, b.commits.slice(0, -1)));
      await backend.downgrade(id);
      await withStore(backend, id, { readonly: true, minEvents: 3 }, async (s) => {
        assert.deepEqual(await s.tableCheckpoints.list(), []);
        for (const asOf of positions(b).filter((_, k) => k % 5 === 0)) {
          assert.equal(await s.tableCheckpoints.newestUsable(asOf), null);
          const got = await tablesAsOf(s.log, asOf, s.tableCheckpoints);
          const expected = await tablesAsOf(s.log, asOf);
          assert.deepEqual(allRows(got.tables), allRows(expected.tables));
        }
      });
      await withStore(backend, id, { minEvents: 3 }, async (s) => {
        // Its first checkpoint covers the whole log: a short log's times are read back (a long
        // one's are not: readsTimes, tested with the domain rules).
        await s.log.append(b.commits.at(-1)!);
        const head = b.events.length;
        assert.deepEqual(await s.tableCheckpoints.list(), [{
          batchIndex: b.commits.length, sequence: head, maxTime: latestOf(b.events, head), rowCount: (await s.tables.rows()).length,
        }]);
        await replayTables(s.log, s.tables, undefined, s.tableCheckpoints);
        const cps = expectedCheckpoints(b, 3, false);
        assert.deepEqual(await s.tableCheckpoints.list(), cps);
        await assertAsOfEverywhere(s, b, cps);
      });
    });
  });
}

suite('SQLite (writer thread)', sqlite, 30, 1);
suite('PostgreSQL', postgres, 8, 3);
