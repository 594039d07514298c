/**
 * The event log in SQLite. `append` is one IMMEDIATE transaction (the write lock is taken at
 * BEGIN, so two writers cannot both pass the continuity check): batch record, events, their id
 * digests, input checkpoints, table rows and a table checkpoint when one is due commit together.
 *
 * A repeated event id is found in memory, against the digests of every logged id
 * (event-id-digests.ts), not by a UNIQUE index: its random keys dirtied one B-tree page per event
 * (schema.ts, layout 2). The digests are loaded on the first append, inside its transaction,
 * and caught up in every later one from the batches another connection may have appended, so
 * the check always covers the log as it is under the write lock. A digest hit is confirmed
 * against the logged id before the batch is refused.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import type { CampaignRow } from '../../domain/tables.ts';
import { StoreError } from '../../ports/errors.ts';
import { checkCommitShape } from '../../ports/event-log.ts';
import type {
  BatchCommit, BatchRecord, BatchSegment, EventLog, InputCheckpoint,
} from '../../ports/event-log.ts';
import {
  BATCH_COLUMNS, batchFromRow, batchToRow, checkpointFromRow, segmentCheckpoint, type BatchRow, type CheckpointRow,
} from '../sql-rows.ts';
import { guarded } from './errors.ts';
import { DigestTable, digestBlob } from './event-id-digests.ts';
import type { SqliteTableCheckpoints } from './table-checkpoints.ts';
import type { SqliteTables } from './table-store.ts';

/**
 * A batch commit in the form the store keeps it: every event serialised once (the bodies, joined
 * by newlines: JSON.stringify never writes a raw newline), their types and ids (joined the same
 * way: types are names, ids UUIDs), and the ids' digests. A few strings and a buffer, so it
 * crosses to the writer thread as a few copies instead of a structured clone of thousands of
 * values (postMessage was 5 % of a run's clustering thread with arrays here).
 */
export interface SerializedCommit {
  readonly batch: BatchRecord;
  readonly bodies: string;
  readonly types: string;
  readonly ids: string;
  readonly digests: Buffer;
  readonly tables?: readonly CampaignRow[];
}

export function serializeCommit(commit: BatchCommit): SerializedCommit {
  const { events } = commit;
  const ids = events.map((e) => e.event_id);
  let bodies = '';
  let types = '';
  for (let k = 0; k < events.length; k++) {
    bodies += (k === 0 ? '' : '\n') + JSON.stringify(events[k]);
    types += (k === 0 ? '' : '\n') + events[k].type;
  }
  return {
    batch: commit.batch, bodies, types, ids: ids.join('\n'), digests: digestBlob(ids),
    ...(commit.tables !== undefined ? { tables: commit.tables } : {}),
  };
}

const lines = (joined: string): string[] => (joined.length === 0 ? [] : joined.split('\n'));

/** Segments are stored as JSON text. */
const toBatchRecord = (r: BatchRow<string>): BatchRecord =>
  batchFromRow(r, (text) => JSON.parse(text) as BatchSegment[]);

export class SqliteEventLog implements EventLog {
  private readonly stmt: {
    head: Statement; lastIndex: Statement; lastBatch: Statement; insertBatch: Statement;
    insertEvent: Statement; upsertCheckpoint: Statement; read: Statement; batches: Statement;
    checkpoints: Statement; idAt: Statement; readBodies?: Statement; readAt?: Statement;
  };
  /** Prepared on the first append: a read-only open of a layout-1 store has no event_ids table. */
  private digestStmt: { insert: Statement; after: Statement } | null = null;
  /** Layout-1 stores keep an event_id column (NOT NULL, so it must be written). */
  private readonly idColumn: boolean;
  /** Digests of the logged ids, through batch `digestsThrough` (-1: not loaded yet). */
  private readonly digests = new DigestTable();
  private digestsThrough = -1;

  constructor(
    private readonly db: Database,
    private readonly tables: SqliteTables,
    private readonly onClose: () => void = () => {},
    private readonly tableCheckpoints: SqliteTableCheckpoints | null = null,
  ) {
    this.idColumn = (db.prepare('SELECT name FROM pragma_table_info(\'campaign_events\')').pluck().all() as string[]).includes('event_id');
    this.stmt = {
      head: db.prepare('SELECT coalesce(max(sequence), 0) AS n FROM campaign_events'),
      lastIndex: db.prepare('SELECT coalesce(max(batch_index), 0) AS n FROM batches'),
      lastBatch: db.prepare('SELECT * FROM batches ORDER BY batch_index DESC LIMIT 1'),
      insertBatch: db.prepare(
        `INSERT INTO batches (${BATCH_COLUMNS.join(', ')}) VALUES (${BATCH_COLUMNS.map((c) => '@' + c).join(', ')})`),
      insertEvent: db.prepare(this.idColumn
        ? 'INSERT INTO campaign_events (sequence, type, batch_index, body, event_id) VALUES (?, ?, ?, ?, ?)'
        : 'INSERT INTO campaign_events (sequence, type, batch_index, body) VALUES (?, ?, ?, ?)'),
      upsertCheckpoint: db.prepare(
        `INSERT INTO input_checkpoints (source, locator, byte_offset, record_index, ordinal, fingerprint, batch_index)
         VALUES (@source, @locator, @byte_offset, @record_index, @ordinal, @fingerprint, @batch_index)
         ON CONFLICT (source) DO UPDATE SET locator = excluded.locator, byte_offset = excluded.byte_offset,
           record_index = excluded.record_index, ordinal = excluded.ordinal, fingerprint = excluded.fingerprint,
           batch_index = excluded.batch_index`),
      read: db.prepare('SELECT body FROM campaign_events WHERE sequence >= ? ORDER BY sequence LIMIT ?'),
      batches: db.prepare('SELECT * FROM batches WHERE batch_index >= ? ORDER BY batch_index LIMIT ?'),
      checkpoints: db.prepare('SELECT * FROM input_checkpoints ORDER BY source'),
      idAt: db.prepare(this.idColumn
        ? 'SELECT event_id FROM campaign_events WHERE sequence = ?'
        : 'SELECT body FROM campaign_events WHERE sequence = ?').pluck(),
    };
  }

  /** Under the write lock: the digests of every batch up to `lastIndex` are in memory. */
  private catchUpDigests(lastIndex: number): void {
    this.digestStmt ??= {
      insert: this.db.prepare('INSERT INTO event_ids (batch_index, first_sequence, digests) VALUES (?, ?, ?)'),
      after: this.db.prepare('SELECT first_sequence, digests FROM event_ids WHERE batch_index > ? ORDER BY batch_index'),
    };
    if (this.digestsThrough >= lastIndex) return;
    for (const r of this.digestStmt.after.all(this.digestsThrough) as Array<{ first_sequence: number; digests: Buffer }>) {
      this.digests.addBlob(r.digests, r.first_sequence);
    }
    this.digestsThrough = lastIndex;
  }

  private loggedId(sequence: number): string | undefined {
    const v = this.stmt.idAt.get(sequence) as string | undefined;
    return v === undefined || this.idColumn ? v : (JSON.parse(v) as { event_id: string }).event_id;
  }

  /** duplicate_event for an id already logged, or repeated within the batch. */
  private checkUnique(c: SerializedCommit, ids: readonly string[]): void {
    const seen = new Set<string>();
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      const sequence = c.batch.first_sequence + k;
      if (seen.has(id)) {
        throw new StoreError('duplicate_event', `event id ${id} (sequence ${sequence}) is repeated within batch`, false);
      }
      seen.add(id);
      for (const s of this.digests.lookup(c.digests.readUInt32LE(k * 8), c.digests.readUInt32LE(k * 8 + 4))) {
        if (this.loggedId(s) === id) {
          throw new StoreError('duplicate_event', `event id ${id} (sequence ${sequence}) is already in the log (sequence ${s})`, false);
        }
      }
    }
  }

  async append(commit: BatchCommit): Promise<void> {
    checkCommitShape(commit);
    this.appendSerialized(serializeCommit(commit));
  }

  /**
   * A commit already serialised (serializeCommit): what the writer thread receives, so the
   * events cross threads as a few strings instead of a structured clone of every object.
   */
  appendSerialized(c: SerializedCommit): void {
    const { batch } = c;
    const ids = lines(c.ids);
    const run = this.db.transaction(() => {
      const lastIndex = (this.stmt.lastIndex.get() as { n: number }).n;
      if (batch.index !== lastIndex + 1) {
        throw new StoreError('batch_conflict', `batch ${batch.index} does not follow the last committed batch ${lastIndex}`);
      }
      const head = (this.stmt.head.get() as { n: number }).n;
      if (batch.first_sequence !== head + 1) {
        throw new StoreError('sequence_conflict', `batch ${batch.index} starts at sequence ${batch.first_sequence}, the log's head is ${head}`);
      }
      this.catchUpDigests(lastIndex);
      this.checkUnique(c, ids);
      this.stmt.insertBatch.run(batchToRow(batch));
      const insert = this.stmt.insertEvent;
      const bodies = lines(c.bodies);
      const types = lines(c.types);
      for (let k = 0; k < bodies.length; k++) {
        if (this.idColumn) insert.run(batch.first_sequence + k, types[k], batch.index, bodies[k], ids[k]);
        else insert.run(batch.first_sequence + k, types[k], batch.index, bodies[k]);
      }
      if (bodies.length > 0) this.digestStmt!.insert.run(batch.index, batch.first_sequence, c.digests);
      for (const s of batch.segments) {
        this.stmt.upsertCheckpoint.run({ ...segmentCheckpoint(s), batch_index: batch.index });
      }
      if (c.tables !== undefined) {
        const through = batch.first_sequence + batch.event_count - 1;
        this.tables.writeInTransaction(c.tables, through);
        // Only here do the tables reflect exactly this batch: a checkpoint copies them now or waits.
        this.tableCheckpoints?.afterBatch(batch.index, through);
      }
    });
    guarded(`appending batch ${batch.index}`, () => run.immediate());
    // Committed: its ids are logged now (a failed transaction added nothing).
    this.digests.addBlob(c.digests, batch.first_sequence);
    this.digestsThrough = batch.index;
  }

  async read(fromSequence: number, limit: number): Promise<readonly CampaignEvent[]> {
    return guarded('reading the event log', () =>
      (this.stmt.read.all(fromSequence, limit) as { body: string }[]).map((r) => JSON.parse(r.body) as CampaignEvent));
  }

  async readAt(sequences: readonly number[]): Promise<readonly CampaignEvent[]> {
    this.stmt.readAt ??= this.db.prepare(
      'SELECT body FROM campaign_events WHERE sequence IN (SELECT value FROM json_each(?)) ORDER BY sequence').pluck();
    const stmt = this.stmt.readAt;
    return guarded('reading the event log', () => (stmt.all(JSON.stringify(sequences)) as string[]).map((b) => JSON.parse(b) as CampaignEvent));
  }

  async readSerialized(fromSequence: number, limit: number): Promise<readonly string[]> {
    this.stmt.readBodies ??= this.db.prepare('SELECT body FROM campaign_events WHERE sequence >= ? ORDER BY sequence LIMIT ?').pluck();
    const stmt = this.stmt.readBodies;
    return guarded('reading the event log', () => stmt.all(fromSequence, limit) as string[]);
  }

  async head(): Promise<number> {
    return guarded('reading the log head', () => (this.stmt.head.get() as { n: number }).n);
  }

  async lastBatch(): Promise<BatchRecord | null> {
    return guarded('reading the last batch', () => {
      const r = this.stmt.lastBatch.get() as BatchRow<string> | undefined;
      return r === undefined ? null : toBatchRecord(r);
    });
  }

  async batches(fromIndex: number, limit: number): Promise<readonly BatchRecord[]> {
    return guarded('reading batch records', () =>
      (this.stmt.batches.all(fromIndex, limit) as BatchRow<string>[]).map(toBatchRecord));
  }

  async checkpoints(): Promise<readonly InputCheckpoint[]> {
    return guarded('reading input checkpoints', () =>
      (this.stmt.checkpoints.all() as CheckpointRow[]).map(checkpointFromRow));
  }

  /** The connection is shared with the tables and snapshots: the store decides what closing means. */
  async close(): Promise<void> {
    this.onClose();
  }
}

