/**
 * Raw source record → validated identity event or reject. Stateless: every source format ends
 * in the one validator (`domain/validate.ts`), so NDJSON and Avro input are refused for the
 * same reasons with the same codes.
 */
import type { Domain } from '../domain/domains.ts';
import type { PositionedEvent } from '../domain/identity-events.ts';
import { parseNdjsonLine, validateIdentityEvent, type ValidationResult } from '../domain/validate.ts';
import { formatPosition, type SourceRecord } from '../ports/identity-source.ts';
import type { RejectRecord } from '../ports/reject-sink.ts';

export type Decoded =
  | { readonly ok: true; readonly record: SourceRecord; readonly event: PositionedEvent; readonly line: number; readonly unmappedTactics: number }
  | { readonly ok: false; readonly record: SourceRecord; readonly reject: RejectRecord; readonly domain?: string };

/**
 * The clustering domain a decoded record belongs to: its event's, or for a refused record the
 * domain it named when that much could be read; anything else (not JSON, a bad domain) is the
 * default domain's.
 */
export const domainOfDecoded = (d: Decoded): Domain => (d.ok ? d.event.event.domain : d.domain) ?? null;

export function decodeRecord(record: SourceRecord): Decoded {
  const position = formatPosition(record.source, record.start);
  const line = record.start.ordinal + 1;
  const p = record.payload;
  const v: ValidationResult =
    p.kind === 'text' ? parseNdjsonLine(p.text)
    : p.kind === 'object' ? validateIdentityEvent(p.value)
    : { ok: false, code: p.code, reason: p.reason, event_id: null };
  if (v.ok) return { ok: true, record, event: { position, event: v.event }, line, unmappedTactics: v.unmappedTactics };
  const reject = { position, line, code: v.code, reason: v.reason, event_id: v.event_id };
  return v.domain === undefined ? { ok: false, record, reject } : { ok: false, record, reject, domain: v.domain };
}

/**
 * For a pipeline that clusters the default domain only (the Kafka pipeline and `rebuild`, until
 * members are assigned domains: docs/SCALING.md): an event of another domain is refused with
 * `domain_unsupported`, and so dead-lettered with its reason, rather than clustered into the
 * default domain's campaigns, which no edge may join, or silently dropped.
 */
export function defaultDomainOnly(d: Decoded): Decoded {
  if (!d.ok || d.event.event.domain === undefined) return d;
  const { position, event } = d.event;
  return {
    ok: false, record: d.record, domain: event.domain,
    reject: {
      position, line: d.line, code: 'domain_unsupported', event_id: event.event_id,
      reason: `domain ${JSON.stringify(event.domain)}: this pipeline clusters the default domain only ` +
        '(events without a domain); cluster other domains with `campaigns run` (docs/SCALING.md)',
    },
  };
}
