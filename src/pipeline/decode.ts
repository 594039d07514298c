/**
 * Raw source record → validated identity event or reject. Stateless: every source format ends
 * in the one validator (`domain/validate.ts`), so NDJSON and Avro input are refused for the
 * same reasons with the same codes.
 */
import type { PositionedEvent } from '../domain/identity-events.ts';
import { parseNdjsonLine, validateIdentityEvent, type ValidationResult } from '../domain/validate.ts';
import { formatPosition, type SourceRecord } from '../ports/identity-source.ts';
import type { RejectRecord } from '../ports/reject-sink.ts';

export type Decoded =
  | { readonly ok: true; readonly record: SourceRecord; readonly event: PositionedEvent; readonly line: number; readonly unmappedTactics: number }
  | { readonly ok: false; readonly record: SourceRecord; readonly reject: RejectRecord };

export function decodeRecord(record: SourceRecord): Decoded {
  const position = formatPosition(record.source, record.start);
  const line = record.start.ordinal + 1;
  const p = record.payload;
  const v: ValidationResult =
    p.kind === 'text' ? parseNdjsonLine(p.text)
    : p.kind === 'object' ? validateIdentityEvent(p.value)
    : { ok: false, code: p.code, reason: p.reason, event_id: null };
  return v.ok
    ? { ok: true, record, event: { position, event: v.event }, line, unmappedTactics: v.unmappedTactics }
    : { ok: false, record, reject: { position, line, code: v.code, reason: v.reason, event_id: v.event_id } };
}
