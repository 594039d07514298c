/**
 * A message value on the identity topic → the raw payload the pipeline's one decoder takes
 * (src/pipeline/decode.ts): NDJSON text, or the plain wire object of an Avro value decoded
 * through our codec with the registry's writer schema, or `invalid` with the reason.
 *
 * Avro values are recognised by the Confluent magic byte (a JSON text never starts with NUL).
 * Lookups happen in `prepare`, once per distinct schema id of a batch, so decoding the batch
 * afterwards is synchronous. An unknown schema id is the message's fault (it goes to the DLQ);
 * an unreachable registry is nobody's: `prepare` throws a retriable error and the batch waits.
 */
import { decodeIdentityEvent, AvroCodecError } from '../avro/codec.ts';
import { badUtf8Reason, strictUtf8 } from '../strict-utf8.ts';
import type { RawPayload } from '../../ports/identity-source.ts';
import { KafkaAdapterError } from './errors.ts';
import type { SchemaRegistryClient } from './schema-registry.ts';
import { isFramed, unframe } from './wire-format.ts';

import type { DeadLetterCode } from '../../ports/topic-input.ts';

export type { DeadLetterCode } from '../../ports/topic-input.ts';

export interface DecodedPayload {
  readonly payload: RawPayload;
  /** Set when the DLQ should name a more precise reason than `payload.code`. */
  readonly deadLetterCode?: DeadLetterCode;
}

export class IdentityPayloadDecoder {
  /** Schema id → writer schema JSON, or the error that says it does not exist. */
  private readonly schemas = new Map<number, string | KafkaAdapterError>();

  constructor(private readonly registry: SchemaRegistryClient | null) {}

  /** Looks up every schema id the values name and does not know yet. */
  async prepare(values: Iterable<Buffer | null>): Promise<void> {
    const ids = new Set<number>();
    for (const v of values) {
      if (v === null || !isFramed(v)) continue;
      const u = unframe(v);
      if (u.ok && !this.schemas.has(u.schemaId)) ids.add(u.schemaId);
    }
    if (ids.size === 0) return;
    const registry = this.registry;
    if (registry === null) {
      // Refusing every Avro message would silently empty the input into the DLQ.
      throw new KafkaAdapterError('kafka_failure', 'an Avro (schema-registry framed) value arrived but no schema registry is configured (--registry / SCHEMA_REGISTRY_URL)');
    }
    await Promise.all([...ids].map(async (id) => {
      try {
        this.schemas.set(id, await registry.schemaById(id));
      } catch (e) {
        if (e instanceof KafkaAdapterError && e.code === 'schema_not_found') this.schemas.set(id, e);
        else throw e;
      }
    }));
  }

  /** Synchronous after `prepare` of the same values. */
  decode(value: Buffer | null): DecodedPayload {
    if (value === null || value.length === 0) {
      return { payload: { kind: 'invalid', code: 'undecodable', reason: 'the message has no value (a tombstone or an empty value)' } };
    }
    if (!isFramed(value)) {
      let end = value.length;
      if (end > 0 && value[end - 1] === 0x0a) end--;
      if (end > 0 && value[end - 1] === 0x0d) end--;
      // Strictly: a lenient decode would turn two ids into one U+FFFD (strict-utf8.ts).
      const text = strictUtf8(value, 0, end);
      return text === null
        ? { payload: { kind: 'invalid', code: 'bad_encoding', reason: badUtf8Reason('the message value', value, 0, end) } }
        : { payload: { kind: 'text', text } };
    }
    const u = unframe(value);
    if (!u.ok) return { payload: { kind: 'invalid', code: 'undecodable', reason: u.reason } };
    const schema = this.schemas.get(u.schemaId);
    if (schema === undefined) throw new Error(`IdentityPayloadDecoder.decode: schema id ${u.schemaId} was not prepared`);
    if (typeof schema !== 'string') {
      return { payload: { kind: 'invalid', code: 'undecodable', reason: schema.message }, deadLetterCode: 'unknown_schema' };
    }
    try {
      return { payload: { kind: 'object', value: decodeIdentityEvent(u.body, schema) } };
    } catch (e) {
      if (!(e instanceof AvroCodecError)) throw e;
      const code = e.code === 'bad_encoding' ? 'bad_encoding' : 'undecodable';
      return { payload: { kind: 'invalid', code, reason: `schema id ${u.schemaId}: ${e.message}` } };
    }
  }
}
