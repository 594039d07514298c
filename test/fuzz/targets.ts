/**
 * The fuzz targets: each is an input arbitrary and a check that must hold for every input.
 * "Holds" means the decoder answers with a result or a reject (a code the rejects file knows),
 * never with an exception of another kind, a crash or an allocation its input does not justify
 * (the worker's heap limit turns that into a failure).
 */
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeAndValidateIdentityEvent } from '../../src/adapters/avro/codec.ts';
import { SCHEMA_JSON } from '../../src/adapters/avro/schemas.ts';
import { AvroContainerSource } from '../../src/adapters/file/avro-container-source.ts';
import { NdjsonFileSource } from '../../src/adapters/file/ndjson-source.ts';
import { HttpError } from '../../src/adapters/http/errors.ts';
import { Query } from '../../src/adapters/http/params.ts';
import { KafkaAdapterError } from '../../src/adapters/kafka/errors.ts';
import { IdentityPayloadDecoder } from '../../src/adapters/kafka/identity-payloads.ts';
import type { SchemaRegistryClient } from '../../src/adapters/kafka/schema-registry.ts';
import { START, type IdentitySource, type SourceRecord } from '../../src/ports/identity-source.ts';
import { decodeRecord } from '../../src/pipeline/decode.ts';
import { mutated } from './mutations.ts';
import { AVRO_V1, AVRO_V2, AVRO_V3, AVRO_V4, CONTAINERS, KAFKA_VALUES, NDJSON_FILES, QUERIES } from './seeds.ts';

/** The schema registry's answers for the identity-event schema versions (id = version). */
const SCHEMAS: SchemaRegistryClient = {
  register: () => Promise.reject(new Error('not used')),
  schemaById: (id) => (id === 1 || id === 2 || id === 3
    ? Promise.resolve(SCHEMA_JSON.identityEvent[id])
    : Promise.reject(new KafkaAdapterError('schema_not_found', `no schema ${id}`))),
};

export interface Target {
  readonly arbitrary: fc.Arbitrary<Uint8Array>;
  check(input: Uint8Array): void | Promise<void>;
}

const REJECT_CODES = new Set([
  'invalid_json', 'line_too_long', 'schema', 'unknown_type', 'bad_time', 'bad_value', 'too_many_entries', 'undecodable', 'bad_encoding',
]);

function assertVerdict(v: { ok: boolean; code?: string }): void {
  if (!v.ok) assert.ok(REJECT_CODES.has(v.code!), `unknown reject code ${v.code}`);
}

let scratch: string | null = null;
let fileNo = 0;
/** A fresh file holding `bytes` (the file sources read files, not buffers). */
function fileOf(bytes: Uint8Array): string {
  scratch ??= mkdtempSync(path.join(tmpdir(), 'cs-fuzz-'));
  const f = path.join(scratch, `case-${fileNo++ % 4}`);
  writeFileSync(f, bytes);
  return f;
}
process.once('exit', () => {
  if (scratch !== null) rmSync(scratch, { recursive: true, force: true });
});

/** Every record of a source, each decoded; positions must move forward. */
async function readAll(source: IdentitySource): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  let last = START;
  for await (const r of source.records(START)) {
    assert.ok(r.end.offset > last.offset || (r.end.offset === last.offset && r.end.index > last.index), 'positions move forward');
    last = r.end;
    const d = decodeRecord(r);
    assertVerdict(d.ok ? { ok: true } : { ok: false, code: d.reject.code });
    out.push(r);
  }
  return out;
}

const avroRecord = (writer: string | undefined, seeds: readonly Uint8Array[]): Target => ({
  arbitrary: mutated(seeds),
  check(input) {
    assertVerdict(decodeAndValidateIdentityEvent(Buffer.from(input), writer));
  },
});

export const TARGETS = {
  /** One Avro record of the current schema (v4, overrides included; what a framed Kafka value carries). */
  'avro-record-v4': avroRecord(undefined, AVRO_V4),
  /** One Avro record written with schema v3 (the same bytes under v4: v4 appended to the union). */
  'avro-record-v3': avroRecord(SCHEMA_JSON.identityEvent[3], AVRO_V3),
  /** One Avro record written with schema v2, resolved against the current reader. */
  'avro-record-v2': avroRecord(SCHEMA_JSON.identityEvent[2], AVRO_V2),
  /** One Avro record written with schema v1, resolved against the current reader. */
  'avro-record-v1': avroRecord(SCHEMA_JSON.identityEvent[1], AVRO_V1),

  /** A whole Avro object container file. */
  'avro-container': {
    arbitrary: mutated(CONTAINERS, 4, 2048),
    async check(input) {
      const f = fileOf(input);
      await readAll(new AvroContainerSource('case.avro', f, input.length));
    },
  },

  /** A whole NDJSON file; every line that decodes must be the exact UTF-8 of its bytes. */
  'ndjson-file': {
    arbitrary: mutated(NDJSON_FILES, 4, 2048),
    async check(input) {
      const f = fileOf(input);
      for (const r of await readAll(new NdjsonFileSource('case.ndjson', f, input.length))) {
        if (r.payload.kind !== 'text') continue;
        const bytes = Buffer.from(input).subarray(r.start.offset, r.end.offset);
        const line = bytes.subarray(0, bytes.at(-1) === 0x0a ? -1 : undefined);
        assert.ok(Buffer.from(r.payload.text, 'utf8').equals(line), `line at ${r.start.offset} is not the UTF-8 of its bytes`);
      }
    },
  },

  /**
   * A message value of the identity topic: Confluent framing, then Avro, or NDJSON text. The
   * registry is a fixed table of the two schema versions (ids 1 and 2): lookups are not what
   * is fuzzed here.
   */
  'kafka-value': {
    arbitrary: mutated(KAFKA_VALUES),
    async check(input) {
      const decoder = new IdentityPayloadDecoder(SCHEMAS);
      const value = Buffer.from(input);
      await decoder.prepare([value]);
      const { payload } = decoder.decode(value);
      const d = decodeRecord({ source: 'identity/0', start: START, end: START, payload });
      assertVerdict(d.ok ? { ok: true } : { ok: false, code: d.reject.code });
    },
  },

  /** The query string of an API request, as the list route reads it. */
  'http-query': {
    arbitrary: mutated(QUERIES, 4, 128),
    check(input) {
      const raw = Buffer.from(input).toString('latin1').replace(/[#\s]/g, '');
      const search = raw.startsWith('?') ? raw : `?${raw}`;
      let url: URL;
      try {
        url = new URL(`http://localhost/api/v1/campaigns${search}`);
      } catch {
        return;
      }
      try {
        const q = new Query(url, ['limit', 'offset', 'sort', 'order', 'q', 'types']);
        q.int('limit', { min: 1, max: 1000, default: 50 });
        q.int('offset', { min: 0, max: 2 ** 31 - 1, default: 0 });
        q.oneOf('order', ['asc', 'desc'], 'desc');
        q.text('q', 256);
      } catch (e) {
        assert.ok(e instanceof HttpError && e.status === 400, `not a 400: ${String(e)}`);
        return;
      }
      // Accepted: then it was well-formed percent-encoding of UTF-8.
      assert.ok(!/%(?![0-9a-fA-F]{2})/.test(url.search), `accepted malformed percent-encoding: ${url.search}`);
    },
  },
} satisfies Record<string, Target>;

export type TargetName = keyof typeof TARGETS;
