/**
 * Avro object container files (as avsc's container encoder writes them) of identity events.
 *
 * avsc's own file decoder is a stream that hides block boundaries, and a batch must end at a
 * position it can resume from. So blocks are read here: a position is the offset of a block
 * plus the records already consumed from it. Records are decoded with the file's writer
 * schema resolved against the current reader schema, so files written with an older schema
 * version still read (read-side schema evolution).
 *
 * Damage is contained: a block that fails its sync marker, inflation or decoding becomes one
 * `undecodable` record and reading goes on at the next block (found again by its sync marker
 * when the framing itself is broken). A file whose header or schema cannot be used at all is
 * one invalid record spanning the whole file.
 */
import avro from 'avsc';
import type { Type } from 'avsc';
import { open, type FileHandle } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { AVRO_TYPES, identityAvroToWire } from '../avro/codec.ts';
import { IDENTITY_SCHEMA_VERSION } from '../avro/schemas.ts';
import { LIMITS } from '../../domain/validate.ts';
import type { IdentitySource, InputPosition, RawPayload, SourceRecord } from '../../ports/identity-source.ts';
import { fileFingerprint } from './fingerprint.ts';

export const AVRO_MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1

const HEADER_TYPE = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});
const LONG = avro.Type.forSchema('long');

/** A block this large is damage, not data (avsc writes 64 KiB blocks by default). */
const MAX_BLOCK_BYTES = 64 * 1024 * 1024;
/** count and size: two zig-zag longs, at most 10 bytes each. */
const BLOCK_HEADER_MAX = 20;
const SYNC_SIZE = 16;

type Resolver = ReturnType<Type['createResolver']>;

interface Header {
  readonly end: number;
  readonly sync: Buffer;
  readonly codec: string;
  readonly writer: Type;
  readonly resolver: Resolver | null;
}

/** Why a whole file cannot be read. */
interface Unusable {
  readonly code: 'undecodable' | 'schema';
  readonly reason: string;
}

type Block =
  | { kind: 'ok'; count: number; records: RawPayload[]; next: number }
  | { kind: 'bad'; count: number; reason: string; next: number }
  | { kind: 'eof' };

const reader = (): Type => AVRO_TYPES.identityEvent[IDENTITY_SCHEMA_VERSION];

async function readAt(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, offset);
  return buf.subarray(0, bytesRead);
}

export class AvroContainerSource implements IdentitySource {
  constructor(
    readonly name: string,
    readonly locator: string,
    readonly size: number | null,
    private readonly maxRecordBytes: number = LIMITS.maxLineBytes,
  ) {}

  fingerprint(at: InputPosition): Promise<string> {
    return fileFingerprint(this.locator, at.offset);
  }

  async *records(from: InputPosition): AsyncGenerator<SourceRecord> {
    const fh = await open(this.locator, 'r');
    try {
      const { size } = await fh.stat();
      const header = await this.readHeader(fh);
      if ('code' in header) {
        if (from.offset === 0 && from.index === 0 && size > 0) {
          yield {
            source: this.name,
            start: from,
            end: { offset: size, index: 0, ordinal: from.ordinal + 1 },
            payload: { kind: 'invalid', code: header.code, reason: header.reason },
          };
        }
        return;
      }
      let offset = Math.max(from.offset, header.end);
      let skip = from.offset >= header.end ? from.index : 0;
      let ordinal = from.ordinal;
      for (;;) {
        const block = await this.readBlock(fh, header, offset, size);
        if (block.kind === 'eof') return;
        if (block.kind === 'bad') {
          yield {
            source: this.name,
            start: { offset, index: skip, ordinal },
            end: { offset: block.next, index: 0, ordinal: ordinal - skip + block.count },
            payload: { kind: 'invalid', code: 'undecodable', reason: block.reason },
          };
        } else {
          const base = ordinal - skip;
          for (let k = skip; k < block.records.length; k++) {
            // The last record may stand for the undecodable rest of the block.
            const last = k === block.records.length - 1;
            yield {
              source: this.name,
              start: { offset, index: k, ordinal: base + k },
              end: last ? { offset: block.next, index: 0, ordinal: base + block.count } : { offset, index: k + 1, ordinal: base + k + 1 },
              payload: block.records[k],
            };
          }
        }
        ordinal = ordinal - skip + block.count;
        skip = 0;
        offset = block.next;
      }
    } finally {
      await fh.close();
    }
  }

  /** The header, or why the file cannot be read at all. */
  private async readHeader(fh: FileHandle): Promise<Header | Unusable> {
    const bad = (reason: string): Unusable => ({ code: 'undecodable', reason });
    const schema = (reason: string): Unusable => ({ code: 'schema', reason });
    let length = 4096;
    for (;;) {
      const buf = await readAt(fh, 0, length);
      if (buf.length >= 4 && !buf.subarray(0, 4).equals(AVRO_MAGIC)) return bad('not an Avro object container file (bad magic)');
      let decoded: { value: unknown; offset: number };
      try {
        decoded = HEADER_TYPE.decode(buf, 0);
      } catch (e) {
        return bad(`unreadable Avro header: ${(e as Error).message}`);
      }
      if (decoded.offset === -1) {
        if (buf.length < length) return bad('truncated Avro header');
        length *= 4;
        if (length > MAX_BLOCK_BYTES) return bad('Avro header larger than the limit');
        continue;
      }
      const h = decoded.value as { meta: Record<string, Buffer>; sync: Buffer };
      const codec = h.meta['avro.codec']?.toString('utf8') ?? 'null';
      if (codec !== 'null' && codec !== 'deflate') return bad(`unsupported Avro codec ${JSON.stringify(codec)} (null and deflate are read)`);
      const schemaText = h.meta['avro.schema']?.toString('utf8');
      if (schemaText === undefined) return schema('the file header carries no avro.schema');
      let writer: Type;
      let resolver: Resolver | null;
      try {
        writer = avro.Type.forSchema(JSON.parse(schemaText) as avro.Schema, { wrapUnions: 'auto', registry: {} });
      } catch (e) {
        return schema(`the file's writer schema is invalid: ${(e as Error).message}`);
      }
      try {
        resolver = writer.equals(reader()) ? null : reader().createResolver(writer);
      } catch (e) {
        return schema(`the file's writer schema cannot be read with the current identity-event schema: ${(e as Error).message}`);
      }
      return { end: decoded.offset, sync: Buffer.from(h.sync), codec, writer, resolver };
    }
  }

  private async readBlock(fh: FileHandle, h: Header, offset: number, size: number): Promise<Block> {
    if (offset >= size) return { kind: 'eof' };
    const head = await readAt(fh, offset, BLOCK_HEADER_MAX);
    const count = LONG.decode(head, 0) as { value: number; offset: number };
    const bytes = count.offset === -1 ? count : LONG.decode(head, count.offset) as { value: number; offset: number };
    if (count.offset === -1 || bytes.offset === -1) {
      return { kind: 'bad', count: 0, reason: `truncated block header at offset ${offset}`, next: size };
    }
    const n = count.value;
    const len = bytes.value;
    const dataStart = offset + bytes.offset;
    const next = dataStart + len + SYNC_SIZE;
    if (n < 0 || len < 0 || len > MAX_BLOCK_BYTES || next > size) {
      return { kind: 'bad', count: 0, reason: `damaged block at offset ${offset} (count ${n}, size ${len})`, next: await this.resync(fh, h, offset + 1, size) };
    }
    const raw = await readAt(fh, dataStart, len + SYNC_SIZE);
    if (!raw.subarray(len).equals(h.sync)) {
      return { kind: 'bad', count: 0, reason: `block at offset ${offset} does not end with the file's sync marker`, next: await this.resync(fh, h, offset + 1, size) };
    }
    let data: Buffer;
    try {
      data = h.codec === 'deflate' ? inflateRawSync(raw.subarray(0, len)) : raw.subarray(0, len);
    } catch (e) {
      return { kind: 'bad', count: n, reason: `block at offset ${offset} does not inflate: ${(e as Error).message}`, next };
    }
    const records: RawPayload[] = [];
    let pos = 0;
    for (let k = 0; k < n; k++) {
      let decoded: { value: unknown; offset: number };
      try {
        decoded = h.resolver === null ? reader().decode(data, pos) : reader().decode(data, pos, h.resolver);
      } catch (e) {
        decoded = { value: undefined, offset: -1 };
        void e;
      }
      if (decoded.offset === -1) {
        // The rest of the block cannot be framed: one record stands for all of it.
        records.push({ kind: 'invalid', code: 'undecodable', reason: `block at offset ${offset}: records ${k}..${n - 1} of ${n} do not decode` });
        break;
      }
      const recordBytes = decoded.offset - pos;
      pos = decoded.offset;
      if (recordBytes > this.maxRecordBytes) {
        records.push({ kind: 'invalid', code: 'line_too_long', reason: `record is ${recordBytes} bytes, longer than ${this.maxRecordBytes}` });
        continue;
      }
      try {
        records.push({ kind: 'object', value: identityAvroToWire(decoded.value) });
      } catch (e) {
        records.push({ kind: 'invalid', code: 'undecodable', reason: (e as Error).message });
      }
    }
    return { kind: 'ok', count: n, records, next };
  }

  /** Offset just after the next sync marker at or after `from`, or the end of the file. */
  private async resync(fh: FileHandle, h: Header, from: number, size: number): Promise<number> {
    const CHUNK = 64 * 1024;
    for (let at = from; at < size; at += CHUNK - SYNC_SIZE) {
      const buf = await readAt(fh, at, CHUNK);
      const k = buf.indexOf(h.sync);
      if (k !== -1) return at + k + SYNC_SIZE;
      if (buf.length < CHUNK) break;
    }
    return size;
  }
}
