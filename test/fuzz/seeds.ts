/**
 * Valid inputs the fuzzer mutates: the golden Avro records of every identity-event type and
 * schema version, container files built from them (null and deflate codecs, one and several
 * blocks), NDJSON lines, Confluent-framed values and API query strings.
 */
import { readFileSync } from 'node:fs';
import { encodeIdentityEvent } from '../../src/adapters/avro/codec.ts';
import { SCHEMA_JSON } from '../../src/adapters/avro/schemas.ts';
import { frame } from '../../src/adapters/kafka/wire-format.ts';
import { IDENTITY_EVENT_TYPES } from '../../src/domain/identity-events.ts';
import { goldenName, IDENTITY_V2, LAYER_TYPES } from '../fixtures/avro/samples.ts';
import { containerBytes } from '../runtime/support/avro-files.ts';

const golden = (version: 1 | 2 | 3 | 4): Buffer[] =>
  (version === 4 ? IDENTITY_EVENT_TYPES : LAYER_TYPES)
    .map((t) => readFileSync(new URL(`../fixtures/avro/${goldenName('identity-event', version, t)}`, import.meta.url)));

/** v4 has the analyst overrides too. */
export const AVRO_V4 = golden(4);
export const AVRO_V3 = golden(3);
export const AVRO_V2 = golden(2);
export const AVRO_V1 = golden(1);

export const CONTAINERS: readonly Buffer[] = [
  containerBytes(SCHEMA_JSON.identityEvent[4], [{ records: AVRO_V4 }], 'null'),
  containerBytes(SCHEMA_JSON.identityEvent[3], [{ records: AVRO_V3 }], 'null'),
  containerBytes(SCHEMA_JSON.identityEvent[2], [{ records: AVRO_V2 }], 'null'),
  containerBytes(SCHEMA_JSON.identityEvent[2], [{ records: AVRO_V2.slice(0, 2) }, { records: AVRO_V2.slice(2) }], 'deflate'),
  containerBytes(SCHEMA_JSON.identityEvent[1], [{ records: AVRO_V1.slice(0, 1) }, { records: AVRO_V1.slice(1) }], 'null'),
];

export const NDJSON_LINES: readonly string[] = LAYER_TYPES.map((t) => JSON.stringify(IDENTITY_V2[t]));

export const NDJSON_FILES: readonly Buffer[] = [
  Buffer.from(NDJSON_LINES.join('\n') + '\n'),
  Buffer.from(NDJSON_LINES.slice(0, 2).join('\r\n') + '\r\n\n' + NDJSON_LINES[2]),
];

/** Values as they arrive on the identity topic: framed Avro (schema id = version) or NDJSON text. */
export const KAFKA_VALUES: readonly Buffer[] = [
  ...AVRO_V2.map((b) => frame(2, b)),
  ...AVRO_V1.slice(0, 1).map((b) => frame(1, b)),
  ...AVRO_V3.slice(0, 1).map((b) => frame(3, b)),
  Buffer.from(NDJSON_LINES[0] + '\n'),
  frame(3, encodeIdentityEvent(IDENTITY_V2['identity.retired'])),
];

export const QUERIES: readonly Buffer[] = [
  '?limit=5&offset=10&sort=confidence&order=asc',
  '?q=c2.example',
  '?q=%C3%A9t%C3%A9+x&limit=1000',
  '?types=campaign.formed,campaign.merged&limit=3',
  '',
].map((s) => Buffer.from(s, 'latin1'));
