/**
 * The stateless half of the input contract (docs/SCHEMAS.md): wire object → domain
 * `IdentityEvent`, or a rejection with a code and a human-readable reason naming the field
 * path. Pure, no I/O; it runs on every input event, so it is written for speed: no regular
 * expressions, no exceptions on any path except `JSON.parse` itself, and reason strings are
 * only built when something is wrong.
 *
 * Stateful checks (duplicates, stale versions, merge cycles, retired identities) belong to the
 * engine.
 */
import { DEFAULT_DOMAIN_NAME, domainNameProblem } from './domains.ts';
import type { RejectCode } from './engine-api.ts';
import type {
  EpochSeconds, IdentityEvent, Observation, SessionWindow, TtpEntry,
} from './identity-events.ts';
import { isPhase, phaseOfTactic, type Phase } from './phases.ts';
import { formatIso, parseIso } from './time.ts';

export type ValidationResult =
  | { readonly ok: true; readonly event: IdentityEvent; readonly unmappedTactics: number }
  | {
    readonly ok: false; readonly code: RejectCode; readonly reason: string; readonly event_id: string | null;
    /** The event's domain when it named a valid one other than the default: its refusal belongs to that domain. */
    readonly domain?: string;
  };

export type Rejected = Extract<ValidationResult, { ok: false }>;

/** Contract limits (docs/SCHEMAS.md). */
export const LIMITS = {
  /** Longest accepted NDJSON line, in UTF-8 bytes (1 MiB). */
  maxLineBytes: 1_048_576,
  /** Most entries in any one list of an observation. */
  maxListEntries: 10_000,
  /** Longest session: 30 days. */
  maxSessionSeconds: 30 * 86_400,
  /** Earliest accepted time: 1990-01-01T00:00:00Z. */
  minTime: 631_152_000,
  /** First refused time: 2101-01-01T00:00:00Z (years 1990–2100 inclusive are accepted). */
  maxTimeExclusive: 4_133_980_800,
} as const;

// ---------------------------------------------------------------------------------------------
// Failure plumbing: helpers return either their value or a `Failure`; nothing throws.

class Failure {
  constructor(readonly code: RejectCode, readonly reason: string) {}
}

const fail = (code: RejectCode, reason: string): Failure => new Failure(code, reason);

const show = (v: unknown): string => {
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint') return `${v}n`;
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
};

const typeName = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;

const mistyped = (path: string, expected: string, v: unknown): Failure =>
  v === undefined
    ? fail('schema', `${path} is required`)
    : fail('schema', `${path} must be ${expected}, got ${typeName(v)} ${show(v)}`);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A lone UTF-16 surrogate (`"\ud800"` in JSON) is not Unicode: stores and UTF-8 encoders turn
 * it into U+FFFD, so two different ids would become one identity. Rejected like invalid UTF-8.
 */
const SURROGATE = /[\uD800-\uDFFF]/;
function loneSurrogate(s: string): boolean {
  if (!SURROGATE.test(s)) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { i++; continue; }
      return true;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

/** A required, non-empty string (ids, decky names). */
function reqId(v: unknown, path: string): string | Failure {
  if (typeof v !== 'string') return mistyped(path, 'a string', v);
  if (v.length === 0) return fail('bad_value', `${path} must not be empty`);
  if (loneSurrogate(v)) return fail('bad_encoding', `${path} holds a lone UTF-16 surrogate, which is not Unicode`);
  return v;
}

/** An optional, non-empty string: missing or null → null. */
function optId(v: unknown, path: string): string | null | Failure {
  if (v === undefined || v === null) return null;
  return reqId(v, path);
}

function timeValue(v: unknown, path: string): EpochSeconds | Failure {
  if (typeof v !== 'string') return mistyped(path, 'an ISO-8601 time string', v);
  const t = parseIso(v);
  if (t === null) {
    return fail('bad_time', `${path} must be an ISO-8601 time with a timezone (Z or ±HH:MM), got ${show(v)}`);
  }
  if (t < LIMITS.minTime || t >= LIMITS.maxTimeExclusive) {
    return fail('bad_time', `${path} is outside 1990-2100, got ${show(v)}`);
  }
  return t;
}

/** An optional list: missing or null → empty; checks the length limit. */
function optList(v: unknown, path: string): readonly unknown[] | Failure {
  if (v === undefined || v === null) return EMPTY;
  if (!Array.isArray(v)) return mistyped(path, 'an array', v);
  if (v.length > LIMITS.maxListEntries) {
    return fail('too_many_entries', `${path} has ${v.length} entries, more than ${LIMITS.maxListEntries}`);
  }
  return v;
}

const EMPTY: readonly never[] = Object.freeze([]);

function stringList(v: unknown, path: string): readonly string[] | Failure {
  const list = optList(v, path);
  if (list instanceof Failure) return list;
  const n = list.length;
  if (n === 0) return EMPTY;
  for (let i = 0; i < n; i++) {
    const s = list[i];
    if (typeof s !== 'string') return mistyped(`${path}[${i}]`, 'a string', s);
    if (s.length === 0) return fail('bad_value', `${path}[${i}] must not be empty`);
    if (loneSurrogate(s)) return fail('bad_encoding', `${path}[${i}] holds a lone UTF-16 surrogate, which is not Unicode`);
  }
  // A copy, so the domain event never aliases (or is mutated through) the caller's object.
  return list.slice() as string[];
}

const HEX: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[65 + i] = 10 + i;
    t[97 + i] = 10 + i;
  }
  return t;
})();

function simhash(v: unknown, path: string): bigint | null | Failure {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') return mistyped(path, 'a 16-hex-digit string', v);
  let ok = v.length === 16;
  let hi = 0;
  let lo = 0;
  for (let i = 0; ok && i < 16; i++) {
    const c = v.charCodeAt(i);
    const d = c < 128 ? HEX[c] : -1;
    if (d < 0) ok = false;
    else if (i < 8) hi = hi * 16 + d;
    else lo = lo * 16 + d;
  }
  if (!ok) return fail('bad_value', `${path} must be 16 hex digits, got ${show(v)}`);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function asnValue(v: unknown, path: string): number | null | Failure {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number') return mistyped(path, 'an integer', v);
  if (!Number.isInteger(v) || v < 0 || v > 4_294_967_295) {
    return fail('bad_value', `${path} must be an integer in 0..4294967295, got ${show(v)}`);
  }
  return v;
}

function sessions(v: unknown, path: string): readonly SessionWindow[] | Failure {
  const list = optList(v, path);
  if (list instanceof Failure) return list;
  const n = list.length;
  if (n === 0) return EMPTY;
  const out: SessionWindow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const e = list[i];
    if (!isObject(e)) return mistyped(`${path}[${i}]`, 'an object', e);
    const start = timeValue(e.start, `${path}[${i}].start`);
    if (start instanceof Failure) return start;
    const end = timeValue(e.end, `${path}[${i}].end`);
    if (end instanceof Failure) return end;
    if (end < start) return fail('bad_time', `${path}[${i}].end is before start`);
    if (end - start > LIMITS.maxSessionSeconds) {
      return fail('bad_time', `${path}[${i}] lasts more than 30 days`);
    }
    const decky = reqId(e.decky, `${path}[${i}].decky`);
    if (decky instanceof Failure) return decky;
    out[i] = { start, end, decky };
  }
  return out;
}

/** Parsed ttp entries and how many were dropped for an unmapped tactic. */
interface TtpResult {
  readonly entries: readonly TtpEntry[];
  readonly unmapped: number;
}

function ttpEntries(v: unknown, path: string): TtpResult | Failure {
  const list = optList(v, path);
  if (list instanceof Failure) return list;
  const n = list.length;
  if (n === 0) return NO_TTP;
  const out: TtpEntry[] = [];
  let unmapped = 0;
  for (let i = 0; i < n; i++) {
    const e = list[i];
    if (!isObject(e)) return mistyped(`${path}[${i}]`, 'an object', e);
    const decky = reqId(e.decky, `${path}[${i}].decky`);
    if (decky instanceof Failure) return decky;
    const start = timeValue(e.start, `${path}[${i}].start`);
    if (start instanceof Failure) return start;
    let end = start;
    if (e.end !== undefined && e.end !== null) {
      const t = timeValue(e.end, `${path}[${i}].end`);
      if (t instanceof Failure) return t;
      if (t < start) return fail('bad_time', `${path}[${i}].end is before start`);
      end = t;
    }
    const rawPhase = e.phase;
    const rawTactic = e.tactic;
    let phase: Phase | undefined;
    if (rawPhase !== undefined && rawPhase !== null) {
      if (typeof rawPhase !== 'string') return mistyped(`${path}[${i}].phase`, 'a string', rawPhase);
      if (!isPhase(rawPhase)) {
        return fail('bad_value', `${path}[${i}].phase is not a UKC phase, got ${show(rawPhase)}`);
      }
      phase = rawPhase;
    }
    if (rawTactic !== undefined && rawTactic !== null) {
      if (typeof rawTactic !== 'string') return mistyped(`${path}[${i}].tactic`, 'a string', rawTactic);
      const mapped = phaseOfTactic(rawTactic);
      if (phase === undefined) {
        if (mapped === undefined) {
          unmapped++; // dropped and counted (REFERENCE §1.5: "no phase", the row is dropped)
          continue;
        }
        phase = mapped;
      } else if (mapped !== undefined && mapped !== phase) {
        return fail(
          'bad_value',
          `${path}[${i}].phase ${show(phase)} disagrees with tactic ${show(rawTactic)} (maps to ${show(mapped)})`,
        );
      }
      // An explicit phase with an unmapped tactic: the phase stands, nothing is dropped.
    }
    if (phase === undefined) return fail('schema', `${path}[${i}] needs a phase or a tactic`);
    out.push({ decky, phase, start, end });
  }
  return { entries: out, unmapped };
}

const NO_TTP: TtpResult = { entries: EMPTY, unmapped: 0 };

interface ObservationResult {
  readonly observation: Observation;
  readonly unmapped: number;
}

function observation(v: unknown): ObservationResult | Failure {
  const path = 'observation';
  if (!isObject(v)) return mistyped(path, 'an object', v);
  const s = sessions(v.sessions, 'observation.sessions');
  if (s instanceof Failure) return s;
  const t = ttpEntries(v.ttp, 'observation.ttp');
  if (t instanceof Failure) return t;
  const payload_hashes = stringList(v.payload_hashes, 'observation.payload_hashes');
  if (payload_hashes instanceof Failure) return payload_hashes;
  const c2_endpoints = stringList(v.c2_endpoints, 'observation.c2_endpoints');
  if (c2_endpoints instanceof Failure) return c2_endpoints;
  const asn = asnValue(v.asn, 'observation.asn');
  if (asn instanceof Failure) return asn;
  const tools = stringList(v.tools, 'observation.tools');
  if (tools instanceof Failure) return tools;
  const ja3 = optId(v.ja3, 'observation.ja3');
  if (ja3 instanceof Failure) return ja3;
  const hassh = optId(v.hassh, 'observation.hassh');
  if (hassh instanceof Failure) return hassh;
  const kd_simhash = simhash(v.kd_simhash, 'observation.kd_simhash');
  if (kd_simhash instanceof Failure) return kd_simhash;
  return {
    observation: {
      sessions: s, ttp: t.entries, payload_hashes, c2_endpoints, asn, tools, ja3, hassh, kd_simhash,
    },
    unmapped: t.unmapped,
  };
}

function versionValue(v: unknown): number | Failure {
  if (typeof v !== 'number') return mistyped('version', 'an integer', v);
  if (!Number.isSafeInteger(v) || v < 1) {
    return fail('bad_value', `version must be an integer >= 1, got ${show(v)}`);
  }
  return v;
}

const reject = (f: Failure, event_id: string | null): Rejected =>
  ({ ok: false, code: f.code, reason: f.reason, event_id });

const KNOWN_TYPES = '"identity.observed", "identity.merged", "identity.unmerged", "identity.retired", ' +
  '"analyst.must_link", "analyst.cannot_link", "analyst.pin", "analyst.label", "analyst.revoke"';

/** `identity_uuids` of a must-link or cannot-link: exactly two distinct identities. */
function identityPair(v: unknown): readonly [string, string] | Failure {
  if (!Array.isArray(v)) return mistyped('identity_uuids', 'an array of two identity uuids', v);
  if (v.length !== 2) return fail('bad_value', `identity_uuids must hold exactly 2 identities, got ${v.length}`);
  const a = reqId(v[0], 'identity_uuids[0]');
  if (a instanceof Failure) return a;
  const b = reqId(v[1], 'identity_uuids[1]');
  if (b instanceof Failure) return b;
  // An override of an identity with itself says nothing (must-link) or the impossible (cannot-link).
  if (a === b) return fail('bad_value', `identity_uuids must be two distinct identities, got ${show(a)} twice`);
  return [a, b];
}

/** An optional free-text string (label notes): missing or null → null; may be empty. */
function optText(v: unknown, path: string): string | null | Failure {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') return mistyped(path, 'a string', v);
  if (loneSurrogate(v)) return fail('bad_encoding', `${path} holds a lone UTF-16 surrogate, which is not Unicode`);
  return v;
}

const ANALYST_TYPES: ReadonlySet<string> = new Set([
  'analyst.must_link', 'analyst.cannot_link', 'analyst.pin', 'analyst.label', 'analyst.revoke',
]);

/** The body of an analyst override after type, event_id and time. */
function analystBody(type: string, raw: Record<string, unknown>, event_id: string, time: EpochSeconds): ValidationResult {
  // Who said it and why: an override without them cannot be reviewed or challenged later.
  const author = reqId(raw.author, 'author');
  if (author instanceof Failure) return reject(author, event_id);
  const reason = reqId(raw.reason, 'reason');
  if (reason instanceof Failure) return reject(reason, event_id);
  const base = { event_id, time, author, reason };
  switch (type) {
    case 'analyst.must_link':
    case 'analyst.cannot_link': {
      const identity_uuids = identityPair(raw.identity_uuids);
      if (identity_uuids instanceof Failure) return reject(identity_uuids, event_id);
      return { ok: true, event: { type, ...base, identity_uuids }, unmappedTactics: 0 };
    }
    case 'analyst.pin': {
      const identity_uuid = reqId(raw.identity_uuid, 'identity_uuid');
      if (identity_uuid instanceof Failure) return reject(identity_uuid, event_id);
      const anchor_uuid = reqId(raw.anchor_uuid, 'anchor_uuid');
      if (anchor_uuid instanceof Failure) return reject(anchor_uuid, event_id);
      if (identity_uuid === anchor_uuid) {
        return reject(fail('bad_value', `identity_uuid and anchor_uuid are the same: ${show(identity_uuid)}`), event_id);
      }
      return { ok: true, event: { type, ...base, identity_uuid, anchor_uuid }, unmappedTactics: 0 };
    }
    case 'analyst.label': {
      const campaign_uuid = reqId(raw.campaign_uuid, 'campaign_uuid');
      if (campaign_uuid instanceof Failure) return reject(campaign_uuid, event_id);
      const name = reqId(raw.name, 'name');
      if (name instanceof Failure) return reject(name, event_id);
      const tags = stringList(raw.tags, 'tags');
      if (tags instanceof Failure) return reject(tags, event_id);
      const notes = optText(raw.notes, 'notes');
      if (notes instanceof Failure) return reject(notes, event_id);
      return { ok: true, event: { type, ...base, campaign_uuid, name, tags, notes }, unmappedTactics: 0 };
    }
    default: { // analyst.revoke
      const override_event_id = reqId(raw.override_event_id, 'override_event_id');
      if (override_event_id instanceof Failure) return reject(override_event_id, event_id);
      if (override_event_id === event_id) return reject(fail('bad_value', `an override cannot revoke itself (${show(event_id)})`), event_id);
      return { ok: true, event: { type: 'analyst.revoke', ...base, override_event_id }, unmappedTactics: 0 };
    }
  }
}

/**
 * The optional top-level `domain`: missing, null or `"default"` → the default domain (null);
 * otherwise a domain name (domains.ts).
 */
function domainValue(v: unknown): string | null | Failure {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') return mistyped('domain', 'a string', v);
  if (v === DEFAULT_DOMAIN_NAME) return null;
  const problem = domainNameProblem(v);
  return problem === null ? v : fail('bad_value', `domain ${problem}, got ${show(v)}`);
}

/**
 * Validate one decoded wire object (parsed NDJSON, or a decoded Avro record). Never throws.
 * Unknown extra fields are ignored; the returned event shares no mutable state with `raw`.
 * An event of a domain other than the default carries `domain`, and so does its refusal.
 */
export function validateIdentityEvent(raw: unknown): ValidationResult {
  if (!isObject(raw)) {
    return reject(fail('schema', `event must be a JSON object, got ${typeName(raw)}`), null);
  }
  const domain = domainValue(raw.domain);
  if (domain instanceof Failure) {
    const rawId = raw.event_id;
    return reject(domain, typeof rawId === 'string' && rawId.length > 0 ? rawId : null);
  }
  const r = validateBody(raw);
  if (domain === null) return r;
  // Only events that name a domain pay for the copy: the default domain's stay as they were.
  return r.ok ? { ...r, event: { ...r.event, domain } } : { ...r, domain };
}

function validateBody(raw: Record<string, unknown>): ValidationResult {
  const rawId = raw.event_id;
  const idForReport = typeof rawId === 'string' && rawId.length > 0 ? rawId : null;

  const type = raw.type;
  if (typeof type !== 'string') return reject(mistyped('type', 'a string', type), idForReport);
  const analyst = ANALYST_TYPES.has(type);
  if (
    type !== 'identity.observed' && type !== 'identity.merged' &&
    type !== 'identity.unmerged' && type !== 'identity.retired' && !analyst
  ) {
    return reject(fail('unknown_type', `type ${show(type)} is not one of ${KNOWN_TYPES}`), idForReport);
  }
  const event_id = reqId(rawId, 'event_id');
  if (event_id instanceof Failure) return reject(event_id, null);
  const time = timeValue(raw.time, 'time');
  if (time instanceof Failure) return reject(time, event_id);
  if (analyst) return analystBody(type, raw, event_id, time);

  switch (type) {
    case 'identity.observed': {
      const identity_uuid = reqId(raw.identity_uuid, 'identity_uuid');
      if (identity_uuid instanceof Failure) return reject(identity_uuid, event_id);
      const version = versionValue(raw.version);
      if (version instanceof Failure) return reject(version, event_id);
      const o = observation(raw.observation);
      if (o instanceof Failure) return reject(o, event_id);
      return {
        ok: true,
        event: { type, event_id, time, identity_uuid, version, observation: o.observation },
        unmappedTactics: o.unmapped,
      };
    }
    case 'identity.merged': {
      const winner_uuid = reqId(raw.winner_uuid, 'winner_uuid');
      if (winner_uuid instanceof Failure) return reject(winner_uuid, event_id);
      const loser_uuid = reqId(raw.loser_uuid, 'loser_uuid');
      if (loser_uuid instanceof Failure) return reject(loser_uuid, event_id);
      if (winner_uuid === loser_uuid) {
        // The one merge cycle that is visible without state: an identity merged into itself.
        return reject(fail('merge_cycle', `winner_uuid and loser_uuid are the same: ${show(winner_uuid)}`), event_id);
      }
      return { ok: true, event: { type, event_id, time, winner_uuid, loser_uuid }, unmappedTactics: 0 };
    }
    case 'identity.unmerged': {
      const resurrected_uuid = reqId(raw.resurrected_uuid, 'resurrected_uuid');
      if (resurrected_uuid instanceof Failure) return reject(resurrected_uuid, event_id);
      const former_winner_uuid = reqId(raw.former_winner_uuid, 'former_winner_uuid');
      if (former_winner_uuid instanceof Failure) return reject(former_winner_uuid, event_id);
      if (resurrected_uuid === former_winner_uuid) {
        return reject(
          fail('bad_value', `resurrected_uuid and former_winner_uuid are the same: ${show(resurrected_uuid)}`),
          event_id,
        );
      }
      return {
        ok: true,
        event: { type, event_id, time, resurrected_uuid, former_winner_uuid },
        unmappedTactics: 0,
      };
    }
    case 'identity.retired': {
      const identity_uuid = reqId(raw.identity_uuid, 'identity_uuid');
      if (identity_uuid instanceof Failure) return reject(identity_uuid, event_id);
      return { ok: true, event: { type, event_id, time, identity_uuid }, unmappedTactics: 0 };
    }
  }
  return reject(fail('unknown_type', `type ${show(type)} is not one of ${KNOWN_TYPES}`), event_id); // unreachable: checked above
}

/**
 * UTF-8 byte length of `s`, stopping early once it exceeds `limit` (lone surrogates count as
 * the 3 bytes of U+FFFD, as an encoder would write them).
 */
function utf8LengthExceeds(s: string, limit: number): boolean {
  let bytes = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const c2 = s.charCodeAt(i + 1);
      if (c2 >= 0xdc00 && c2 <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}

/**
 * Parse and validate one NDJSON line (without its line terminator; surrounding whitespace,
 * including a trailing `\r`, is tolerated by JSON). Never throws.
 */
export function parseNdjsonLine(line: string, maxBytes: number = LIMITS.maxLineBytes): ValidationResult {
  // A UTF-16 code unit is 1–3 UTF-8 bytes (a surrogate pair, 2 units, is 4 bytes), so only
  // lines between maxBytes/3 and maxBytes code units need counting.
  if (line.length > maxBytes || (line.length * 3 > maxBytes && utf8LengthExceeds(line, maxBytes))) {
    return { ok: false, code: 'line_too_long', reason: `line is longer than ${maxBytes} bytes`, event_id: null };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, code: 'invalid_json', reason: `invalid JSON: ${msg}`, event_id: null };
  }
  return validateIdentityEvent(raw);
}

// ---------------------------------------------------------------------------------------------
// The inverse: domain event → wire object (for producers, emulators and round-trip tests).

/** The wire (NDJSON / Avro) shape of an identity event, as produced by `identityEventToWire`. */
export type IdentityEventWire = (
  | {
    type: 'identity.observed'; event_id: string; time: string; identity_uuid: string; version: number;
    observation: ObservationWire;
  }
  | { type: 'identity.merged'; event_id: string; time: string; winner_uuid: string; loser_uuid: string }
  | {
    type: 'identity.unmerged'; event_id: string; time: string; resurrected_uuid: string;
    former_winner_uuid: string;
  }
  | { type: 'identity.retired'; event_id: string; time: string; identity_uuid: string }
  | (AnalystWire & { type: 'analyst.must_link' | 'analyst.cannot_link'; identity_uuids: [string, string] })
  | (AnalystWire & { type: 'analyst.pin'; identity_uuid: string; anchor_uuid: string })
  | (AnalystWire & { type: 'analyst.label'; campaign_uuid: string; name: string; tags: string[]; notes: string | null })
  | (AnalystWire & { type: 'analyst.revoke'; override_event_id: string })
) & { domain?: string };

interface AnalystWire {
  event_id: string;
  time: string;
  author: string;
  reason: string;
}

export interface ObservationWire {
  sessions: { start: string; end: string; decky: string }[];
  ttp: { decky: string; phase: string | null; tactic: string | null; start: string; end: string | null }[];
  payload_hashes: string[];
  c2_endpoints: string[];
  asn: number | null;
  tools: string[];
  ja3: string | null;
  hassh: string | null;
  kd_simhash: string | null;
}

/** 64-bit SimHash → 16 lowercase hex digits. */
export const simhashToHex = (v: bigint): string => BigInt.asUintN(64, v).toString(16).padStart(16, '0');

/**
 * Domain event → the current wire shape (every field present; ttp by `phase`; times with
 * millisecond precision). `validateIdentityEvent(identityEventToWire(e))` gives back `e`
 * whenever `e`'s times are whole milliseconds.
 */
export function identityEventToWire(e: IdentityEvent): IdentityEventWire {
  const wire = eventToWire(e);
  // The domain only when there is one: a default-domain event's wire is that of before domains.
  return e.domain === undefined ? wire : { ...wire, domain: e.domain };
}

function eventToWire(e: IdentityEvent): IdentityEventWire {
  const time = formatIso(e.time);
  switch (e.type) {
    case 'identity.observed': {
      const o = e.observation;
      return {
        type: e.type, event_id: e.event_id, time, identity_uuid: e.identity_uuid, version: e.version,
        observation: {
          sessions: o.sessions.map((s) => ({ start: formatIso(s.start), end: formatIso(s.end), decky: s.decky })),
          ttp: o.ttp.map((t) => ({
            decky: t.decky, phase: t.phase, tactic: null, start: formatIso(t.start), end: formatIso(t.end),
          })),
          payload_hashes: [...o.payload_hashes],
          c2_endpoints: [...o.c2_endpoints],
          asn: o.asn,
          tools: [...o.tools],
          ja3: o.ja3,
          hassh: o.hassh,
          kd_simhash: o.kd_simhash === null ? null : simhashToHex(o.kd_simhash),
        },
      };
    }
    case 'identity.merged':
      return { type: e.type, event_id: e.event_id, time, winner_uuid: e.winner_uuid, loser_uuid: e.loser_uuid };
    case 'identity.unmerged':
      return {
        type: e.type, event_id: e.event_id, time, resurrected_uuid: e.resurrected_uuid,
        former_winner_uuid: e.former_winner_uuid,
      };
    case 'identity.retired':
      return { type: e.type, event_id: e.event_id, time, identity_uuid: e.identity_uuid };
    case 'analyst.must_link':
    case 'analyst.cannot_link':
      return {
        type: e.type, event_id: e.event_id, time, identity_uuids: [e.identity_uuids[0], e.identity_uuids[1]], author: e.author, reason: e.reason,
      };
    case 'analyst.pin':
      return { type: e.type, event_id: e.event_id, time, identity_uuid: e.identity_uuid, anchor_uuid: e.anchor_uuid, author: e.author, reason: e.reason };
    case 'analyst.label':
      return {
        type: e.type, event_id: e.event_id, time, campaign_uuid: e.campaign_uuid, name: e.name, tags: [...e.tags], notes: e.notes,
        author: e.author, reason: e.reason,
      };
    case 'analyst.revoke':
      return { type: e.type, event_id: e.event_id, time, override_event_id: e.override_event_id, author: e.author, reason: e.reason };
  }
}
