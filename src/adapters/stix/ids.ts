/**
 * Deterministic STIX 2.1 identifiers: the same campaign tables always export the same ids, so
 * a platform that imports two exports updates its objects instead of duplicating them.
 *
 * - Cyber-observable objects (SCOs) follow STIX 2.1 §2.9: UUIDv5 under the namespace the
 *   specification fixes, of the RFC 8785 (JCS) canonical JSON of the object's id-contributing
 *   properties. Any producer that follows the rule gives the same id for the same domain name,
 *   address, URL or file hash.
 * - Our domain and relationship objects (campaign, indicator, relationship) and the bundle are
 *   UUIDv5 under `STIX_NAMESPACE`, itself UUIDv5 of the project namespace (domain/ids.ts) and
 *   "stix-2.1". STIX 2.1 says such ids SHOULD be UUIDv4 (random): reproducible exports are
 *   worth more here, and docs/ANALYSTS.md says so.
 */
import { CAMPAIGN_STREAM_NAMESPACE, parseUuid, uuidV5 } from '../../domain/ids.ts';

/** STIX 2.1 §2.9: the namespace of every deterministic SCO id. */
export const STIX_SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';

/** Ours, for the SDOs, SROs and bundles we derive: UUIDv5(campaign-stream namespace, "stix-2.1"). */
export const STIX_NAMESPACE = uuidV5('stix-2.1', parseUuid(CAMPAIGN_STREAM_NAMESPACE));

const SCO_NS = parseUuid(STIX_SCO_NAMESPACE);
const NS = parseUuid(STIX_NAMESPACE);

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * RFC 8785 canonical JSON: object keys sorted by UTF-16 code units (JavaScript's default sort),
 * no whitespace, strings and numbers as ECMAScript's JSON.stringify writes them (which is what
 * the RFC specifies).
 */
export function canonicalJson(v: JsonValue): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError('canonical JSON has no form for a non-finite number');
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${(v as readonly JsonValue[]).map(canonicalJson).join(',')}]`;
  const o = v as { readonly [key: string]: JsonValue };
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/** `<type>--<UUIDv5>` of an SCO from its id-contributing properties (§2.9). */
export const scoId = (type: string, contributing: { readonly [key: string]: JsonValue }): string =>
  `${type}--${uuidV5(canonicalJson(contributing), SCO_NS)}`;

/** `<type>--<UUIDv5>` of one of our objects from a name that identifies it (see the callers). */
export const derivedId = (type: string, name: string): string => `${type}--${uuidV5(name, NS)}`;
