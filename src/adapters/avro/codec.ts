/**
 * Avro binary codec of the wire contract (docs/SCHEMAS.md) on top of avsc.
 *
 * Union representation, chosen deliberately: `wrapUnions: 'auto'`. Nullable unions
 * (`["null", T]`) are unambiguous, so avsc reads and writes them as plain `null | value`; the
 * record unions (the identity-event union and the campaign-event payload) are wrapped by avsc
 * as `{ "campaign_stream.<Record>": {...} }`. Those wrappers never leave this module: the
 * branch is chosen from the event's `type` through a fixed table when encoding, and checked
 * against `type` and stripped when decoding. Decoded records are copied into plain objects
 * (avsc returns instances of generated record classes).
 *
 * Encoded values are raw Avro binary (no container header, no Confluent magic byte / schema
 * id framing: the Kafka adapter adds that).
 */
import avro from 'avsc';
import type { Type } from 'avsc';
import { CodedError } from '../../ports/errors.ts';
import type {
  CampaignEvent, CampaignEventType, EdgeEvidence,
} from '../../domain/campaign-events.ts';
import type { IdentityEvent, IdentityEventType } from '../../domain/identity-events.ts';
import {
  identityEventToWire, validateIdentityEvent, type IdentityEventWire, type ValidationResult,
} from '../../domain/validate.ts';
import { scanValue } from './bounded-scan.ts';
import {
  IDENTITY_SCHEMA_VERSION, NAMESPACE, SCHEMA_JSON, type IdentitySchemaVersion,
} from './schemas.ts';

export type AvroCodecErrorCode =
  /** Malformed bytes, a count or length the data cannot hold, an unusable writer schema. */
  | 'undecodable'
  /** A string whose bytes are not UTF-8. */
  | 'bad_encoding'
  /** A value the schema cannot hold, or an unknown event type. */
  | 'unencodable';

/** Encoding or decoding failed. Never retriable: the same bytes fail the same way. */
export class AvroCodecError extends CodedError<AvroCodecErrorCode> {
  override readonly name = 'AvroCodecError';
}

/** Writer schema of encoded data: its JSON (string or parsed), or an avsc Type. */
export type WriterSchema = string | object | Type;

const FOR_SCHEMA_OPTS = { wrapUnions: 'auto' } as const;

/** Every schema gets its own registry: v1 and v2 define the same names. */
const typeOf = (schema: string | object): Type =>
  avro.Type.forSchema((typeof schema === 'string' ? JSON.parse(schema) : schema) as avro.Schema, {
    ...FOR_SCHEMA_OPTS,
    registry: {},
  });

/**
 * avsc Types of every schema: identity events by version, the campaign event at its current
 * version (v4), at v3 (before `campaign.labelled` and the evidence's `override`) and at v2 (before
 * `domain`), the row at v3 and v2: what older readers hold.
 */
export const AVRO_TYPES: {
  readonly identityEvent: Readonly<Record<IdentitySchemaVersion, Type>>;
  readonly campaignEvent: Type;
  readonly campaignEventV2: Type;
  readonly campaignEventV3: Type;
  readonly campaignRow: Type;
  readonly campaignRowV2: Type;
} = {
  identityEvent: {
    1: typeOf(SCHEMA_JSON.identityEvent[1]), 2: typeOf(SCHEMA_JSON.identityEvent[2]), 3: typeOf(SCHEMA_JSON.identityEvent[3]),
    4: typeOf(SCHEMA_JSON.identityEvent[4]),
  },
  campaignEvent: typeOf(SCHEMA_JSON.campaignEvent),
  campaignEventV2: typeOf(SCHEMA_JSON.campaignEventV2),
  campaignEventV3: typeOf(SCHEMA_JSON.campaignEventV3),
  campaignRow: typeOf(SCHEMA_JSON.campaignRow),
  campaignRowV2: typeOf(SCHEMA_JSON.campaignRowV2),
};

const IDENTITY_READER: Type = AVRO_TYPES.identityEvent[IDENTITY_SCHEMA_VERSION];

// ---------------------------------------------------------------------------------------------
// Branch tables: event type ↔ union branch (the qualified record name).

const IDENTITY_BRANCH: Readonly<Record<IdentityEventType, string>> = {
  'identity.observed': `${NAMESPACE}.IdentityObserved`,
  'identity.merged': `${NAMESPACE}.IdentityMerged`,
  'identity.unmerged': `${NAMESPACE}.IdentityUnmerged`,
  'identity.retired': `${NAMESPACE}.IdentityRetired`,
  'analyst.must_link': `${NAMESPACE}.AnalystMustLink`,
  'analyst.cannot_link': `${NAMESPACE}.AnalystCannotLink`,
  'analyst.pin': `${NAMESPACE}.AnalystPin`,
  'analyst.label': `${NAMESPACE}.AnalystLabel`,
  'analyst.revoke': `${NAMESPACE}.AnalystRevoke`,
};

const PAYLOAD_BRANCH: Readonly<Record<CampaignEventType, string>> = {
  'campaign.formed': `${NAMESPACE}.CampaignFormed`,
  'campaign.identity.assigned': `${NAMESPACE}.CampaignIdentityAssigned`,
  'identity.campaign.assigned': `${NAMESPACE}.IdentityCampaignAssigned`,
  'campaign.merged': `${NAMESPACE}.CampaignMerged`,
  'campaign.unmerged': `${NAMESPACE}.CampaignUnmerged`,
  'campaign.identity.removed': `${NAMESPACE}.CampaignIdentityRemoved`,
  'campaign.profile.updated': `${NAMESPACE}.CampaignProfileUpdated`,
  'campaign.labelled': `${NAMESPACE}.CampaignLabelled`,
};

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

const branchFor = <K extends string>(table: Readonly<Record<K, string>>, type: unknown, what: string): string => {
  if (typeof type !== 'string' || !hasOwn(table, type)) {
    throw new AvroCodecError('unencodable', `cannot encode ${what}: unknown type ${JSON.stringify(type)}`);
  }
  return table[type as K];
};

/** The single `[branch, value]` of a wrapped union value. */
function unwrap(v: unknown, what: string): [string, Record<string, unknown>] {
  if (typeof v !== 'object' || v === null) throw new AvroCodecError('undecodable', `${what}: not a wrapped union value`);
  const keys = Object.keys(v);
  if (keys.length !== 1) throw new AvroCodecError('undecodable', `${what}: not a wrapped union value`);
  return [keys[0], (v as Record<string, unknown>)[keys[0]] as Record<string, unknown>];
}

/** Deep copy of decoded avsc values (record instances, arrays, primitives) into plain data. */
function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = plain(v[i]);
    return out;
  }
  if (Buffer.isBuffer(v)) return Buffer.from(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = plain((v as Record<string, unknown>)[k]);
  return out;
}

/** Encode with a readable error (the value's path) when the value does not fit the schema. */
function encode(type: Type, value: unknown, what: string): Buffer {
  try {
    return type.toBuffer(value);
  } catch (e) {
    const problems: string[] = [];
    type.isValid(value, {
      errorHook: (path: string[], val: unknown, t: Type) => {
        problems.push(`${path.join('.') || '(root)'}: ${JSON.stringify(val) ?? 'undefined'} is not a valid ${t.branchName ?? t.typeName}`);
      },
    });
    const detail = problems.length > 0 ? problems.join('; ') : (e instanceof Error ? e.message : String(e));
    throw new AvroCodecError('unencodable', `cannot encode ${what}: ${detail}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Writer schemas and resolvers (cached: a handful of registered versions at most).

type Resolver = ReturnType<Type['createResolver']>;

/** How to read bytes of one writer schema: its Type (for the bounded scan) and the resolver. */
export interface WriterReading {
  readonly writer: Type;
  /** `null`: the writer is the reader itself, no resolution needed. */
  readonly resolver: Resolver | null;
}

const MAX_CACHED_WRITERS = 64;
/** Per reader: writer schema JSON → how to read it. */
const readingsByJson = new Map<Type, Map<string, WriterReading>>();
/** Per reader: writer Type → how to read it. */
const readingsByType = new Map<Type, WeakMap<Type, WriterReading>>();

function readingOf(reader: Type, t: Type): WriterReading {
  try {
    return { writer: t, resolver: t.equals(reader) ? null : reader.createResolver(t) };
  } catch (e) {
    throw new AvroCodecError('undecodable', `writer schema is not readable by the current schema: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The writer Type and resolver of `writer` for `reader` (cached). Throws AvroCodecError. */
export function writerReading(reader: Type, writer: WriterSchema | undefined): WriterReading {
  if (writer === undefined) return { writer: reader, resolver: null };
  if (avro.Type.isType(writer)) {
    const t = writer as Type;
    let cache = readingsByType.get(reader);
    if (cache === undefined) readingsByType.set(reader, (cache = new WeakMap()));
    let r = cache.get(t);
    if (r === undefined) cache.set(t, (r = readingOf(reader, t)));
    return r;
  }
  const json = typeof writer === 'string' ? writer : JSON.stringify(writer);
  let byJson = readingsByJson.get(reader);
  if (byJson === undefined) readingsByJson.set(reader, (byJson = new Map()));
  let r = byJson.get(json);
  if (r === undefined) {
    let t: Type;
    try {
      t = typeOf(json);
    } catch (e) {
      throw new AvroCodecError('undecodable', `invalid writer schema: ${e instanceof Error ? e.message : String(e)}`);
    }
    r = readingOf(reader, t);
    if (byJson.size >= MAX_CACHED_WRITERS) byJson.clear();
    byJson.set(json, r);
  }
  return r;
}

/**
 * One value of `reading.writer` at `pos` of `buf`, read as `reader`. The bytes are walked
 * first (bounded-scan.ts): avsc is only handed data whose counts and lengths fit the buffer
 * and whose strings are UTF-8. Returns the value and where it ends. Throws AvroCodecError.
 */
export function decodeAt(reader: Type, reading: WriterReading, buf: Buffer, pos: number, what: string): { value: unknown; end: number } {
  const scan = scanValue(reading.writer, buf, pos);
  if (!scan.ok) throw new AvroCodecError(scan.code, `cannot decode ${what}: ${scan.reason}`);
  let decoded: { value: unknown; offset: number };
  try {
    decoded = reading.resolver === null ? reader.decode(buf, pos) : reader.decode(buf, pos, reading.resolver);
  } catch (e) {
    throw new AvroCodecError('undecodable', `cannot decode ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (decoded.offset !== scan.end) throw new AvroCodecError('undecodable', `cannot decode ${what}: truncated or malformed data`);
  return { value: decoded.value, end: decoded.offset };
}

function decodeWith(reader: Type, buf: Buffer, writer: WriterSchema | undefined, what: string): unknown {
  const { value, end } = decodeAt(reader, writerReading(reader, writer), buf, 0, what);
  if (end !== buf.length) throw new AvroCodecError('undecodable', `cannot decode ${what}: ${buf.length - end} bytes after the value`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Identity events.

const list = (v: unknown): unknown => (v === undefined || v === null ? [] : v);
const opt = (v: unknown): unknown => (v === undefined ? null : v);

/**
 * Normalise a wire object into the exact current (v4) record (lists default to [], scalars to
 * null). `domain` is the last field of every record: a v2 Type, which has no such field, writes
 * the same record without it.
 */
function identityRecord(wire: Record<string, unknown>): Record<string, unknown> {
  return { ...identityBody(wire), domain: opt(wire.domain) };
}

function identityBody(wire: Record<string, unknown>): Record<string, unknown> {
  const base = { type: wire.type, event_id: wire.event_id, time: wire.time };
  switch (wire.type) {
    case 'identity.observed': {
      const o = (wire.observation ?? {}) as Record<string, unknown>;
      const ttp = list(o.ttp);
      return {
        ...base,
        identity_uuid: wire.identity_uuid,
        version: wire.version,
        observation: {
          sessions: list(o.sessions),
          ttp: Array.isArray(ttp)
            ? ttp.map((t: Record<string, unknown>) => ({
              decky: t?.decky, phase: opt(t?.phase), tactic: opt(t?.tactic), start: t?.start, end: opt(t?.end),
            }))
            : ttp,
          payload_hashes: list(o.payload_hashes),
          c2_endpoints: list(o.c2_endpoints),
          asn: opt(o.asn),
          tools: list(o.tools),
          ja3: opt(o.ja3),
          hassh: opt(o.hassh),
          kd_simhash: opt(o.kd_simhash),
        },
      };
    }
    case 'identity.merged':
      return { ...base, winner_uuid: wire.winner_uuid, loser_uuid: wire.loser_uuid };
    case 'identity.unmerged':
      return { ...base, resurrected_uuid: wire.resurrected_uuid, former_winner_uuid: wire.former_winner_uuid };
    case 'identity.retired':
      return { ...base, identity_uuid: wire.identity_uuid };
    default: // the analyst overrides (branchFor has rejected anything else): author and reason after the body
      return { ...base, ...analystBody(wire), author: wire.author, reason: wire.reason };
  }
}

function analystBody(wire: Record<string, unknown>): Record<string, unknown> {
  switch (wire.type) {
    case 'analyst.must_link':
    case 'analyst.cannot_link':
      return { identity_uuids: wire.identity_uuids };
    case 'analyst.pin':
      return { identity_uuid: wire.identity_uuid, anchor_uuid: wire.anchor_uuid };
    case 'analyst.label':
      return { campaign_uuid: wire.campaign_uuid, name: wire.name, tags: list(wire.tags), notes: opt(wire.notes) };
    default: // analyst.revoke
      return { override_event_id: wire.override_event_id };
  }
}

/**
 * Wire object (the NDJSON shape; optional observation fields may be missing) → the value to
 * hand to an avsc Type of the current identity schema (wrapped union branch).
 */
export function identityWireToAvro(wire: IdentityEventWire | Record<string, unknown>): Record<string, unknown> {
  const w = wire as Record<string, unknown>;
  const branch = branchFor(IDENTITY_BRANCH, w.type, 'identity event');
  return { [branch]: identityRecord(w) };
}

/**
 * A value decoded by an identity-event Type (wrapped union) → the plain wire object. A null
 * `domain` (the default domain, and what v1/v2 data resolves to) is left out, so the object is
 * exactly what the NDJSON line of the same event parses to.
 */
export function identityAvroToWire(value: unknown): Record<string, unknown> {
  const [branch, rec] = unwrap(value, 'identity event');
  const type = rec?.type;
  if (typeof type !== 'string' || !hasOwn(IDENTITY_BRANCH, type) || IDENTITY_BRANCH[type as IdentityEventType] !== branch) {
    throw new AvroCodecError('undecodable', `identity event: record ${branch} carries type ${JSON.stringify(type)}`);
  }
  const wire = plain(rec) as Record<string, unknown>;
  if (wire.domain === null) delete wire.domain;
  return wire;
}

/** Encode a wire object with the current identity schema (v4). Throws AvroCodecError. */
export function encodeIdentityEvent(wire: IdentityEventWire | Record<string, unknown>): Buffer {
  return encode(IDENTITY_READER, identityWireToAvro(wire), 'identity event');
}

/** Encode a domain identity event (through `identityEventToWire`). */
export const encodeDomainIdentityEvent = (event: IdentityEvent): Buffer =>
  encodeIdentityEvent(identityEventToWire(event));

/**
 * Decode one identity event into the plain wire object the validator takes. `writerSchema` is
 * the schema the bytes were written with (from the registry); omitted, the current schema.
 * An older writer is resolved against the current reader (fields it lacks get their
 * defaults). Throws AvroCodecError.
 */
export function decodeIdentityEvent(buf: Buffer, writerSchema?: WriterSchema): Record<string, unknown> {
  return identityAvroToWire(decodeWith(IDENTITY_READER, buf, writerSchema, 'identity event'));
}

/**
 * Decode and validate; never throws (undecodable bytes give the `undecodable` code, strings that
 * are not UTF-8 `bad_encoding`).
 */
export function decodeAndValidateIdentityEvent(buf: Buffer, writerSchema?: WriterSchema): ValidationResult {
  let wire: Record<string, unknown>;
  try {
    wire = decodeIdentityEvent(buf, writerSchema);
  } catch (e) {
    return {
      ok: false, code: e instanceof AvroCodecError && e.code === 'bad_encoding' ? 'bad_encoding' : 'undecodable',
      reason: e instanceof Error ? e.message : String(e), event_id: null,
    };
  }
  return validateIdentityEvent(wire);
}

// ---------------------------------------------------------------------------------------------
// Campaign events.

/**
 * Domain campaign event → the value to hand to the campaign-event Type. `domain` (v3) is the
 * last field, null in the default domain, and `override` (v4) the last field of an evidence
 * entry, null without an override: a v2 or v3 Type, which lacks them, writes the same record
 * without them. A default-domain event's v3 bytes are its v2 bytes plus the null branch.
 */
export function campaignEventToAvro(event: CampaignEvent): Record<string, unknown> {
  const branch = branchFor(PAYLOAD_BRANCH, event.type, 'campaign event');
  return {
    event_id: event.event_id,
    sequence: event.sequence,
    type: event.type,
    time: event.time,
    batch: { from: event.batch.from, to: event.batch.to },
    payload: { [branch]: event.payload },
    // v2 fields: null for evidence scored by a profile that adjusts nothing
    evidence: event.evidence.map((e) => ({
      ...e, raw_weight: e.raw_weight ?? null, adjusted: e.adjusted ?? null, override: e.override ?? null, cut: e.cut === true,
    })),
    domain: event.domain ?? null,
  };
}

/**
 * Evidence as the log's JSON holds it: `raw_weight` and `adjusted` only when a density-aware
 * profile scored the edge, `override` (and `cut`, when true) only when an analyst override is
 * behind it, so a log without them reads back to the same bytes.
 */
function evidenceFromAvro(items: unknown): EdgeEvidence[] {
  return (plain(items) as Array<Record<string, unknown>>).map((e) => {
    const { raw_weight, adjusted, override, cut, ...rest } = e;
    const scored = (raw_weight === null || raw_weight === undefined) && (adjusted === null || adjusted === undefined)
      ? rest : { ...rest, raw_weight, adjusted };
    if (override === null || override === undefined) return scored as unknown as EdgeEvidence;
    return (cut === true ? { ...scored, override, cut } : { ...scored, override }) as unknown as EdgeEvidence;
  });
}

/**
 * A value decoded by the campaign-event Type → the domain campaign event (plain objects). A null
 * `domain` (the default domain, and what v1/v2 data resolves to) is left out, so the event is
 * exactly the one the log's JSON holds.
 */
export function campaignEventFromAvro(value: unknown): CampaignEvent {
  const v = value as Record<string, unknown>;
  const type = v.type;
  if (typeof type !== 'string' || !hasOwn(PAYLOAD_BRANCH, type)) {
    throw new AvroCodecError('undecodable', `campaign event: unknown type ${JSON.stringify(type)}`);
  }
  const [branch, payload] = unwrap(v.payload, 'campaign event payload');
  if (PAYLOAD_BRANCH[type as CampaignEventType] !== branch) {
    throw new AvroCodecError('undecodable', `campaign event: type ${type} carries a ${branch} payload`);
  }
  const batch = v.batch as Record<string, unknown>;
  return {
    event_id: v.event_id,
    sequence: v.sequence,
    type,
    time: v.time,
    batch: { from: batch.from, to: batch.to },
    payload: plain(payload),
    evidence: evidenceFromAvro(v.evidence),
    ...(v.domain === null || v.domain === undefined ? {} : { domain: v.domain }),
  } as CampaignEvent;
}

/** Encode a campaign event (payload branch chosen from `type`). Throws AvroCodecError. */
export function encodeCampaignEvent(event: CampaignEvent): Buffer {
  return encode(AVRO_TYPES.campaignEvent, campaignEventToAvro(event), `campaign event ${event.type}`);
}

/** Decode a campaign event, optionally written with another (compatible) schema. */
export function decodeCampaignEvent(buf: Buffer, writerSchema?: WriterSchema): CampaignEvent {
  return campaignEventFromAvro(decodeWith(AVRO_TYPES.campaignEvent, buf, writerSchema, 'campaign event'));
}

// ---------------------------------------------------------------------------------------------
// Campaign table rows.

export type CampaignStatus = 'active' | 'merged' | 'empty';

/** A campaign table row as carried by `campaign-row.avsc` (times ISO-8601 UTC). */
export interface CampaignRowWire {
  readonly uuid: string;
  readonly status: CampaignStatus;
  readonly merged_into: string | null;
  readonly formed_at: string;
  readonly first_activity: string | null;
  readonly last_activity: string | null;
  readonly identity_count: number;
  readonly members: readonly string[];
  readonly merged_members: readonly string[];
  readonly payload_hashes: readonly string[];
  readonly c2_endpoints: readonly string[];
  readonly deckies: readonly string[];
  readonly asns: readonly number[];
  readonly confidence: number | null;
  /** v2: the member lists were cut to their first entries (see campaign-messages.ts). */
  readonly members_truncated: boolean;
  /** v3: the campaign's clustering domain; absent in the default domain (as on campaign events). */
  readonly domain?: string;
}

/** The row as the campaign-row Type takes it: `domain` null in the default domain (v2 Types skip it). */
export const campaignRowToAvro = (row: CampaignRowWire): Record<string, unknown> => ({ ...row, domain: row.domain ?? null });

export const encodeCampaignRow = (row: CampaignRowWire): Buffer =>
  encode(AVRO_TYPES.campaignRow, campaignRowToAvro(row), 'campaign row');

/** Decode a row; a null `domain` (the default domain, and v1/v2 data) is left out, as on events. */
export function decodeCampaignRow(buf: Buffer, writerSchema?: WriterSchema): CampaignRowWire {
  const { domain, ...row } = plain(decodeWith(AVRO_TYPES.campaignRow, buf, writerSchema, 'campaign row')) as Record<string, unknown>;
  return (domain === null || domain === undefined ? row : { ...row, domain }) as unknown as CampaignRowWire;
}
