/**
 * The Confluent wire format of a value: magic byte 0, the schema id as a 4-byte big-endian
 * integer, then the Avro binary body. Framing is done here rather than by the registry client's
 * `encode`/`decode`, whose own avsc parsing represents unions differently from our codec
 * (src/adapters/avro/codec.ts): bodies go through the codec, with the registry's writer schema.
 */

export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;

export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out[0] = MAGIC_BYTE;
  out.writeInt32BE(schemaId, 1);
  body.copy(out, HEADER_BYTES);
  return out;
}

/** True when the value claims the Confluent framing (a JSON text never starts with a NUL byte). */
export const isFramed = (value: Buffer): boolean => value.length > 0 && value[0] === MAGIC_BYTE;

export type Unframed =
  | { readonly ok: true; readonly schemaId: number; readonly body: Buffer }
  | { readonly ok: false; readonly reason: string };

export function unframe(value: Buffer): Unframed {
  if (value.length < HEADER_BYTES) {
    return { ok: false, reason: `a Confluent-framed value needs ${HEADER_BYTES} header bytes, got ${value.length}` };
  }
  return { ok: true, schemaId: value.readInt32BE(1), body: value.subarray(HEADER_BYTES) };
}
