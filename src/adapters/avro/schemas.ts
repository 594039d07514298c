/**
 * The Avro schema files of `schemas/` (the public wire contract, docs/SCHEMAS.md), loaded once
 * at import and exposed as compact JSON strings for schema-registry registration.
 */
import { readFileSync } from 'node:fs';

/** Avro namespace of every named type. */
export const NAMESPACE = 'campaign_stream';

/** The directory holding the `.avsc` files. */
export const SCHEMA_DIR = new URL('../../../schemas/', import.meta.url);

/** Version of the current identity-event schema (`identity-event.avsc`). */
export const IDENTITY_SCHEMA_VERSION = 4;
/** Version of the current campaign-event schema (`campaign-event.avsc`). */
export const CAMPAIGN_EVENT_SCHEMA_VERSION = 4;
/** Version of the current campaign-row schema (`campaign-row.avsc`). */
export const CAMPAIGN_ROW_SCHEMA_VERSION = 3;

export type IdentitySchemaVersion = 1 | 2 | 3 | 4;

/**
 * Files of every identity-event schema version; the highest is the current one. The frozen
 * `identity-event.v2.avsc` and `.v3.avsc` are those files byte for byte (their docs still say
 * "current"): the JSON their producers registered must stay the JSON this module hands out.
 * v4 appended the analyst override records to the union, so a v3 event's v4 bytes are its v3 bytes.
 */
const IDENTITY_FILES: Readonly<Record<IdentitySchemaVersion, string>> = {
  1: 'identity-event.v1.avsc',
  2: 'identity-event.v2.avsc',
  3: 'identity-event.v3.avsc',
  4: 'identity-event.avsc',
};

/** Read and parse one schema file of `schemas/`. */
export function loadSchemaFile(file: string): unknown {
  return JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8'));
}

const compact = (file: string): string => JSON.stringify(loadSchemaFile(file));

/**
 * Schema JSON strings, compact (whitespace-free) and self-contained (every named type is
 * defined inline on first use), ready for `POST /subjects/<topic>-value/versions`.
 */
export const SCHEMA_JSON: {
  readonly identityEvent: Readonly<Record<IdentitySchemaVersion, string>>;
  readonly campaignEvent: string;
  /** v1 (before the evidence's raw_weight and adjusted): what older logs and readers hold */
  readonly campaignEventV1: string;
  /**
   * v2 (before `domain`): what pipelines before domains registered. The frozen file is the v2
   * file byte for byte, so this is the very JSON they registered (the registry finds its id).
   */
  readonly campaignEventV2: string;
  /** v3 (before `campaign.labelled` and the evidence's `override`), frozen like campaignEventV2. */
  readonly campaignEventV3: string;
  readonly campaignRow: string;
  /** v2 (before `domain`), frozen like campaignEventV2. */
  readonly campaignRowV2: string;
} = {
  identityEvent: {
    1: compact(IDENTITY_FILES[1]), 2: compact(IDENTITY_FILES[2]), 3: compact(IDENTITY_FILES[3]), 4: compact(IDENTITY_FILES[4]),
  },
  campaignEvent: compact('campaign-event.avsc'),
  campaignEventV1: compact('campaign-event.v1.avsc'),
  campaignEventV2: compact('campaign-event.v2.avsc'),
  campaignEventV3: compact('campaign-event.v3.avsc'),
  campaignRow: compact('campaign-row.avsc'),
  campaignRowV2: compact('campaign-row.v2.avsc'),
};

/** Confluent TopicNameStrategy: the value subject of a topic. */
export const valueSubject = (topic: string): string => `${topic}-value`;
