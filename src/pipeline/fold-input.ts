/**
 * A serialised campaign event (the log's stored form: `JSON.stringify` of the envelope) → what the
 * table fold reads of it: sequence, type, time and payload. The evidence, most of an event's
 * bytes, is never parsed: a full `JSON.parse` of every event was most of a replay's time and
 * garbage (docs/BENCHMARKS.md, "Replay").
 *
 * The scan relies on JSON alone, not on the writer's key order: a `"` inside a JSON string is
 * always escaped, so `,"payload":` and `,"evidence":` (a quote after a comma) can only be keys, and
 * only the envelope has them. Anything it cannot place is parsed whole, so the result is always
 * what `JSON.parse` would give for these four fields.
 */
import type { CampaignEvent } from '../domain/campaign-events.ts';

/** The fields of a campaign event the fold uses (domain/tables.ts reads no other). */
export type FoldInput = Pick<CampaignEvent, 'sequence' | 'type' | 'time' | 'payload'>;

const stringAfter = (body: string, key: string): string | null => {
  const at = body.indexOf(key);
  if (at < 0) return null;
  const start = at + key.length;
  const end = body.indexOf('"', start);
  const s = body.slice(start, end);
  // An escape would need decoding: leave it to JSON.parse.
  return end < 0 || s.includes('\\') ? null : s;
};

export function foldInput(body: string): FoldInput {
  const p = body.indexOf(',"payload":');
  const e = p < 0 ? -1 : body.indexOf(',"evidence":', p);
  const seqAt = body.indexOf(',"sequence":');
  const type = stringAfter(body, ',"type":"');
  const time = stringAfter(body, ',"time":"');
  if (e < 0 || seqAt < 0 || type === null || time === null) return JSON.parse(body) as CampaignEvent;
  const sequence = parseInt(body.slice(seqAt + 12, seqAt + 32), 10);
  return { sequence, type, time, payload: JSON.parse(body.slice(p + 11, e)) } as FoldInput;
}
