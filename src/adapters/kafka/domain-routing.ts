/**
 * Where `campaigns repartition` sends a record of the identity topic: to the partition of the
 * domain the pipeline's decoder will find in it (domain-keys.ts), with its bytes and headers as
 * they were, plus a header naming the input position.
 *
 * Repartitioning routes, it never judges: a record whose domain cannot be read (not UTF-8, not
 * JSON, not an object, undecodable Avro, a `domain` that is no domain name, a line over the
 * decoder's limit) goes to the default domain's partition, because that is where the pipeline
 * files its refusal (a refusal names a domain only when the record named a valid one:
 * src/domain/validate.ts). Were it sent anywhere else, the member owning the default domain
 * would never see it and the member that does would refuse it for a domain it cannot name.
 * A record that names a valid domain goes to that domain whatever else is wrong with it: its
 * refusal belongs to that domain.
 */
import { DEFAULT_DOMAIN_NAME, domainNameProblem, domainOfName, type Domain } from '../../domain/domains.ts';
import { LIMITS } from '../../domain/validate.ts';
import type { RawPayload } from '../../ports/identity-source.ts';
import type { InputMessage } from '../../ports/topic-input.ts';
import { domainKey, partitionOfDomain } from './domain-keys.ts';

/** The header a forwarded record carries: `<topic>/<partition>@<offset>` of the input record. */
export const SOURCE_HEADER = 'campaigns_source';

export type Route =
  | { readonly domain: Domain; readonly readable: true }
  /** Forwarded on the default domain's partition; `reason` says why its domain could not be read. */
  | { readonly domain: null; readonly readable: false; readonly reason: string };

const unreadable = (reason: string): Route => ({ domain: null, readable: false, reason });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The domain of a decoded wire object, by the validator's rule (`domainValue` in validate.ts,
 * which the unit tests hold this to): missing, null or "default" is the default domain.
 */
function routeOfObject(raw: unknown): Route {
  if (!isObject(raw)) return unreadable('the value is not an object');
  const v = raw.domain;
  if (v === undefined || v === null || v === DEFAULT_DOMAIN_NAME) return { domain: null, readable: true };
  if (typeof v !== 'string') return unreadable(`domain is not a string (${typeof v})`);
  const problem = domainNameProblem(v);
  return problem === null ? { domain: domainOfName(v), readable: true } : unreadable(`domain ${problem}`);
}

/** The route of a payload as IdentityPayloadDecoder decoded it. */
export function routeOf(payload: RawPayload): Route {
  if (payload.kind === 'invalid') return unreadable(payload.reason);
  if (payload.kind === 'object') return routeOfObject(payload.value);
  // The decoder refuses an over-long line before parsing it, so it never learns its domain.
  if (Buffer.byteLength(payload.text, 'utf8') > LIMITS.maxLineBytes) return unreadable(`the value is longer than ${LIMITS.maxLineBytes} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(payload.text);
  } catch {
    return unreadable('the value is not JSON');
  }
  return routeOfObject(raw);
}

/** A record as the repartitioner produces it: partition chosen, bytes as consumed. */
export interface ForwardedRecord {
  readonly partition: number;
  readonly key: string;
  readonly value: Buffer | null;
  readonly headers: Record<string, Buffer | string | (Buffer | string)[]>;
  /** The input record's timestamp, kept (as Kafka Streams' repartition topics keep it). */
  readonly timestamp: string;
}

/** `message` of `topic`/`partition`, keyed and partitioned for `domain` on a topic of `partitions` partitions. */
export function forwardedRecord(message: InputMessage, topic: string, partition: number, domain: Domain, partitions: number): ForwardedRecord {
  const headers: Record<string, Buffer | string | (Buffer | string)[]> = {};
  for (const [name, value] of Object.entries(message.headers)) if (value !== undefined) headers[name] = value;
  // Replaces a source header the record already had: the position named is always the one just read.
  headers[SOURCE_HEADER] = `${topic}/${partition}@${message.offset}`;
  return {
    partition: partitionOfDomain(domain, partitions),
    key: domainKey(domain),
    value: message.value,
    headers,
    timestamp: message.timestamp,
  };
}
