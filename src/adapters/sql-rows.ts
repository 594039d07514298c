/**
 * Rows of the SQL store layout ↔ domain values, shared by the SQLite and PostgreSQL adapters.
 * Both layouts have the same tables and column names; they differ in how a list column comes
 * back from the driver (SQLite: JSON text; PostgreSQL: arrays, decoded by the pool's type
 * parsers, and `json` columns already parsed). So the field-by-field mapping lives here once and
 * each adapter passes its own list decoding; SQL text, column types and bigint handling stay in
 * the adapter.
 */
import type { TableCheckpoint } from '../domain/table-checkpoints.ts';
import type { CampaignRow, CampaignStatus } from '../domain/tables.ts';
import type { BatchRecord, BatchSegment, InputCheckpoint } from '../ports/event-log.ts';

// =============================================================================================
// campaigns

/** The `campaigns` columns in layout order: each names a CampaignRow field. */
export const CAMPAIGN_COLUMNS = [
  'uuid', 'status', 'merged_into', 'formed_at', 'formed_sequence', 'first_activity', 'last_activity',
  'identity_count', 'members', 'payload_hashes', 'c2_endpoints', 'deckies', 'asns', 'confidence',
  'updated_at', 'updated_sequence',
] as const satisfies readonly (keyof CampaignRow)[];

type StringListColumn = 'members' | 'payload_hashes' | 'c2_endpoints' | 'deckies';

/**
 * A `campaigns` row: a CampaignRow with `status` as unchecked text and the list columns as the
 * dialect holds them (`Strings`, `Numbers`).
 */
export type CampaignRecord<Strings, Numbers> =
  Omit<CampaignRow, 'status' | StringListColumn | 'asns'> & Record<StringListColumn, Strings> & {
    readonly status: string;
    readonly asns: Numbers;
  };

/** How a dialect holds the list columns, both ways. */
export interface ListCodec<Strings, Numbers> {
  readonly encodeStrings: (v: readonly string[]) => Strings;
  readonly encodeNumbers: (v: readonly number[]) => Numbers;
  readonly decodeStrings: (v: Strings) => readonly string[];
  readonly decodeNumbers: (v: Numbers) => readonly number[];
}

export const campaignToRecord = <S, N>(r: CampaignRow, c: ListCodec<S, N>): CampaignRecord<S, N> => ({
  uuid: r.uuid,
  status: r.status,
  merged_into: r.merged_into,
  formed_at: r.formed_at,
  formed_sequence: r.formed_sequence,
  first_activity: r.first_activity,
  last_activity: r.last_activity,
  identity_count: r.identity_count,
  members: c.encodeStrings(r.members),
  payload_hashes: c.encodeStrings(r.payload_hashes),
  c2_endpoints: c.encodeStrings(r.c2_endpoints),
  deckies: c.encodeStrings(r.deckies),
  asns: c.encodeNumbers(r.asns),
  confidence: r.confidence,
  updated_at: r.updated_at,
  updated_sequence: r.updated_sequence,
});

// Keys in the order the fold writes them (domain/tables.ts), so a row read back serialises as
// the fold's own row does.
export const campaignFromRecord = <S, N>(r: CampaignRecord<S, N>, c: ListCodec<S, N>): CampaignRow => ({
  uuid: r.uuid,
  status: r.status as CampaignStatus,
  merged_into: r.merged_into,
  formed_at: r.formed_at,
  formed_sequence: r.formed_sequence,
  first_activity: r.first_activity,
  last_activity: r.last_activity,
  identity_count: r.identity_count,
  members: c.decodeStrings(r.members),
  payload_hashes: c.decodeStrings(r.payload_hashes),
  c2_endpoints: c.decodeStrings(r.c2_endpoints),
  deckies: c.decodeStrings(r.deckies),
  asns: c.decodeNumbers(r.asns),
  confidence: r.confidence,
  updated_at: r.updated_at,
  updated_sequence: r.updated_sequence,
});

// =============================================================================================
// batches and input checkpoints

/** The `batches` columns in layout order. */
export const BATCH_COLUMNS = [
  'batch_index', 'range_from', 'range_to', 'segments', 'input_count', 'first_sequence', 'event_count', 'rejects_mark',
] as const;

/** A `batches` row; `Segments` is how the dialect holds the BatchSegment[] column. */
export interface BatchRow<Segments> {
  batch_index: number;
  range_from: string;
  range_to: string;
  segments: Segments;
  input_count: number;
  first_sequence: number;
  event_count: number;
  rejects_mark: string;
}

/** The row to insert. Both dialects take the segments as JSON text (PostgreSQL casts it to json). */
export const batchToRow = (b: BatchRecord): BatchRow<string> => ({
  batch_index: b.index,
  range_from: b.range.from,
  range_to: b.range.to,
  segments: JSON.stringify(b.segments),
  input_count: b.input_count,
  first_sequence: b.first_sequence,
  event_count: b.event_count,
  rejects_mark: b.rejects_mark,
});

export const batchFromRow = <S>(r: BatchRow<S>, decodeSegments: (v: S) => readonly BatchSegment[]): BatchRecord => ({
  index: r.batch_index,
  range: { from: r.range_from, to: r.range_to },
  segments: decodeSegments(r.segments),
  input_count: r.input_count,
  first_sequence: r.first_sequence,
  event_count: r.event_count,
  rejects_mark: r.rejects_mark,
});

/** An `input_checkpoints` row. */
export interface CheckpointRow {
  source: string;
  locator: string;
  byte_offset: number;
  record_index: number;
  ordinal: number;
  fingerprint: string;
  batch_index: number;
}

/** Where a segment leaves its source: its checkpoint row but for the batch index. */
export const segmentCheckpoint = (s: BatchSegment): Omit<CheckpointRow, 'batch_index'> => ({
  source: s.source,
  locator: s.locator,
  byte_offset: s.end.offset,
  record_index: s.end.index,
  ordinal: s.end.ordinal,
  fingerprint: s.fingerprint,
});

export const checkpointFromRow = (r: CheckpointRow): InputCheckpoint => ({
  source: r.source,
  locator: r.locator,
  position: { offset: r.byte_offset, index: r.record_index, ordinal: r.ordinal },
  fingerprint: r.fingerprint,
  batch_index: r.batch_index,
});

/** A row of `table_checkpoints` (both stores: domain/table-checkpoints.ts). */
export interface CheckpointRecord {
  readonly batch_index: number;
  readonly sequence: number;
  readonly max_time: number | null;
  readonly row_count: number;
}

export const toCheckpoint = (r: CheckpointRecord): TableCheckpoint =>
  ({ batchIndex: r.batch_index, sequence: r.sequence, maxTime: r.max_time, rowCount: r.row_count });
