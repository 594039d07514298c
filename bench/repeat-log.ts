/**
 * A large store from a real one: the source log repeated with renamed ids (a UUID's copy is the
 * UUIDv5 of `<id>~<copy>`, any other id `<id>~<copy>`) until
 * it holds the requested number of events, appended as batches of 10,000 events. Copies share
 * nothing, so each is the same campaigns again (the largest campaign once per copy): a log that
 * grows without changing its shape, which is what "flat as the log grows" is measured against.
 *
 * With `tables`, the store's campaign tables are written too, for whole copies only (each copy's
 * rows are the source's rows renamed): `membership` and `tables` then read them.
 */
import { v5 as uuidv5 } from 'uuid';
import type { CampaignEvent } from '../src/domain/campaign-events.ts';
import type { CampaignRow } from '../src/domain/tables.ts';
import type { EventLog } from '../src/ports/event-log.ts';
import type { TableReader, TableSink } from '../src/ports/table-sink.ts';

const BATCH = 10_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Namespace of the copies' ids (UUIDv5 of `<id>~<copy>`): a renamed UUID is still a UUID, as the API's routes require. */
const COPY_NAMESPACE = 'c3a1c1f4-5d0e-4b9a-9f3e-2f6d1b7a0c11';

const renamer = (copy: number) => (s: string): string =>
  (copy === 0 ? s : UUID.test(s) ? uuidv5(`${s}~${copy}`, COPY_NAMESPACE) : `${s}~${copy}`);

function renameEvent(e: CampaignEvent, copy: number): CampaignEvent {
  if (copy === 0) return e;
  const rename = renamer(copy);
  return JSON.parse(
    JSON.stringify(e, (k, v) => (typeof v === 'string' && /uuid$|^[ab]$/.test(k) ? rename(v) : v)),
    (k, v) => (Array.isArray(v) && k === 'identity_uuids' ? v.map(rename) : v)) as CampaignEvent;
}

/** A source row as copy `copy` holds it: renamed, its sequences moved by the copies before it. */
function renameRow(r: CampaignRow, copy: number, head: number): CampaignRow {
  if (copy === 0) return r;
  const rename = renamer(copy);
  const shift = copy * head;
  return {
    ...r, uuid: rename(r.uuid), merged_into: r.merged_into === null ? null : rename(r.merged_into), members: r.members.map(rename),
    formed_sequence: r.formed_sequence === null ? null : r.formed_sequence + shift, updated_sequence: r.updated_sequence + shift,
  };
}

/** Appends to `to` (empty) `events` events of `from`'s log, repeated; returns the copies made whole. */
export async function repeatLog(
  from: { log: EventLog; tables: TableReader }, to: { log: EventLog; tables: TableSink }, events: number,
  options: { tables?: boolean; onProgress?: (appended: number) => void } = {},
): Promise<{ events: number; copies: number }> {
  const head = await from.log.head();
  let seq = 0;
  let batch = 0;
  let copies = 0;
  for (let copy = 0; seq < events; copy++) {
    for (let first = 1; first <= head && seq < events; first += BATCH) {
      const source = await from.log.read(first, Math.min(BATCH, head - first + 1, events - seq));
      const renamed = source.map((e) => ({ ...renameEvent(e, copy), sequence: seq + e.sequence - first + 1, event_id: `${e.event_id}~${copy}` }));
      batch++;
      await to.log.append({
        batch: {
          index: batch, range: { from: `repeat:${batch}`, to: `repeat:${batch + 1}` }, segments: [], input_count: 0,
          first_sequence: seq + 1, event_count: renamed.length, rejects_mark: '0',
        },
        events: renamed,
      });
      seq += renamed.length;
      options.onProgress?.(seq);
    }
    if (seq % head === 0) copies = copy + 1;
  }
  if (options.tables) {
    const rows = await from.tables.rows();
    const all: CampaignRow[] = [];
    for (let copy = 0; copy < copies; copy++) for (const r of rows) all.push(renameRow(r, copy, head));
    // Tables as of the last whole copy (the log may run on into a partial one), in chunks: a
    // PostgreSQL statement of millions of rows would not fit in one message.
    for (let k = 0; k < all.length; k += 50_000) await to.tables.write(all.slice(k, k + 50_000), copies * head);
  }
  return { events: seq, copies };
}
