/**
 * Avro object container files (as avsc's container encoder writes them) of identity events.
 *
 * avsc's own file decoder is a stream that hides block boundaries, and a batch must end at a
 * position it can resume from. So blocks are read here: a position is the offset of a block
 * plus the records already consumed from it. Records are decoded with the file's writer
 * schema resolved against the current reader schema, so files written with an older schema
 * version still read (read-side schema evolution).
 *
 * Nothing here allocates more than the input justifies: a block is at most 64 MiB on disk and
 * inflates to at most its record count × the record limit (a 522 KB deflate bomb once inflated
 * to 1.2 GB before any limit was checked); every record is walked against the bytes left before
 * avsc decodes it (../avro/bounded-scan.ts), and the header too.
 *
 * Damage is contained: a block that fails its sync marker, inflation or decoding becomes one
 * `undecodable` record and reading goes on at the next block (found again by its sync marker
 * when the framing itself is broken). A record whose strings are not UTF-8 is one `bad_encoding`
 * record. A file whose header or schema cannot be used at all is one invalid record spanning
 * the whole file.
 *
 * A file may still be growing: a block is only consumed once it is complete, with its sync
 * marker. What follows the last complete block (a block still being written, a header cut
 * short) is held back, reported through `onHeldBack`, and read whole by a later run. The same
 * holds for a damaged last block: without a sync marker after it, it cannot be told from one
 * still being written.
 */
import avro from 'avsc';
import type { Type } from 'avsc';
import { open, type FileHandle } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { scanValue } from '../avro/bounded-scan.ts';
import { AVRO_TYPES, identityAvroToWire } from '../avro/codec.ts';
import { IDENTITY_SCHEMA_VERSION } from '../avro/schemas.ts';
import { LIMITS } from '../../domain/validate.ts';
import type {
  IdentitySource, InputPosition, RawPayload, ReadOptions, SourceRecord,
} from '../../ports/identity-source.ts';
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
export const MAX_BLOCK_BYTES = 64 * 1024 * 1024;
/** A header (schema and metadata) this large is damage, not data. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
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

/** Why a whole file cannot be read, or (`tail`) why it cannot be read yet. */
interface Unusable {
  readonly code: 'undecodable' | 'schema' | 'tail';
  readonly reason: string;
}

type Block =
  | { kind: 'ok'; count: number; records: RawPayload[]; next: number }
  | { kind: 'bad'; count: number; reason: string; next: number }
  /** Not complete yet (or damaged with no sync marker after it): held back. */
  | { kind: 'tail'; reason: string }
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

  async *records(from: InputPosition, options: ReadOptions = {}): AsyncGenerator<SourceRecord> {
    const fh = await open(this.locator, 'r');
    try {
      const { size } = await fh.stat();
      const header = await this.readHeader(fh, size);
      if ('code' in header) {
        if (from.offset === 0 && from.index === 0 && size > 0) {
          if (header.code === 'tail') {
            options.onHeldBack?.({ at: from, bytes: size, reason: header.reason });
            return;
          }
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
        if (block.kind === 'tail') {
          options.onHeldBack?.({ at: { offset, index: skip, ordinal }, bytes: size - offset, reason: block.reason });
          return;
        }
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

  /** The header, or why the file cannot be read (at all, or yet). */
  private async readHeader(fh: FileHandle, size: number): Promise<Header | Unusable> {
    const bad = (reason: string): Unusable => ({ code: 'undecodable', reason });
    const schema = (reason: string): Unusable => ({ code: 'schema', reason });
    let length = 4096;
    for (;;) {
      const buf = await readAt(fh, 0, length);
      if (buf.length < 4) return { code: 'tail', reason: 'the Avro header is not complete yet' };
      if (!buf.subarray(0, 4).equals(AVRO_MAGIC)) return bad('not an Avro object container file (bad magic)');
      const scan = scanValue(HEADER_TYPE, buf);
      if (!scan.ok && scan.code === 'undecodable') {
        if (!scan.short) return bad(`unreadable Avro header: ${scan.reason}`);
        if (buf.length >= size) return { code: 'tail', reason: `the Avro header is not complete yet (${scan.reason})` };
        if (length >= MAX_HEADER_BYTES) return bad(`the Avro header is larger than ${MAX_HEADER_BYTES} bytes`);
        length = Math.min(length * 4, MAX_HEADER_BYTES);
        continue;
      }
      const h = HEADER_TYPE.decode(buf, 0) as { value: { meta: Record<string, Buffer>; sync: Buffer }; offset: number };
      const codec = h.value.meta['avro.codec']?.toString('utf8') ?? 'null';
      if (codec !== 'null' && codec !== 'deflate') return bad(`unsupported Avro codec ${JSON.stringify(codec)} (null and deflate are read)`);
      const schemaText = h.value.meta['avro.schema']?.toString('utf8');
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
      return { end: h.offset, sync: Buffer.from(h.value.sync), codec, writer, resolver };
    }
  }

  private async readBlock(fh: FileHandle, h: Header, offset: number, size: number): Promise<Block> {
    if (offset >= size) return { kind: 'eof' };
    const head = await readAt(fh, offset, BLOCK_HEADER_MAX);
    const count = LONG.decode(head, 0) as { value: number; offset: number };
    const bytes = count.offset === -1 ? count : LONG.decode(head, count.offset) as { value: number; offset: number };
    if (count.offset === -1 || bytes.offset === -1) {
      return head.length < BLOCK_HEADER_MAX
        ? { kind: 'tail', reason: 'the last block is not complete yet (its header is cut short)' }
        : this.damaged(fh, h, offset, size, `damaged block header at offset ${offset}`);
    }
    const n = count.value;
    const len = bytes.value;
    const dataStart = offset + bytes.offset;
    const next = dataStart + len + SYNC_SIZE;
    if (n < 0 || len < 0 || len > MAX_BLOCK_BYTES) {
      return this.damaged(fh, h, offset, size, `damaged block at offset ${offset} (count ${n}, size ${len})`);
    }
    if (next > size) {
      return this.damaged(fh, h, offset, size, `block at offset ${offset} (count ${n}, size ${len}) runs past the end of the file`);
    }
    const raw = await readAt(fh, dataStart, len + SYNC_SIZE);
    if (!raw.subarray(len).equals(h.sync)) {
      return this.damaged(fh, h, offset, size, `block at offset ${offset} does not end with the file's sync marker`);
    }
    let data: Buffer;
    // A block of n records cannot legitimately inflate past n records of the largest size.
    const cap = Math.max(1, Math.min(MAX_BLOCK_BYTES, n * this.maxRecordBytes));
    try {
      data = h.codec === 'deflate' ? inflateRawSync(raw.subarray(0, len), { maxOutputLength: cap }) : raw.subarray(0, len);
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
        ? `inflates to more than ${cap} bytes (${n} records of at most ${this.maxRecordBytes} bytes, blocks of at most ${MAX_BLOCK_BYTES})`
        : `does not inflate: ${(e as Error).message}`;
      return { kind: 'bad', count: n, reason: `block at offset ${offset} ${reason}`, next };
    }
    return { kind: 'ok', count: n, records: this.decodeRecords(h, data, n, offset), next };
  }

  private decodeRecords(h: Header, data: Buffer, n: number, offset: number): RawPayload[] {
    const records: RawPayload[] = [];
    let pos = 0;
    for (let k = 0; k < n; k++) {
      const scan = scanValue(h.writer, data, pos);
      if (!scan.ok && scan.code === 'undecodable') {
        // The rest of the block cannot be framed: one record stands for all of it.
        records.push({ kind: 'invalid', code: 'undecodable', reason: `block at offset ${offset}: records ${k}..${n - 1} of ${n} do not decode (${scan.reason})` });
        break;
      }
      const start = pos;
      pos = scan.end;
      if (scan.end - start > this.maxRecordBytes) {
        records.push({ kind: 'invalid', code: 'line_too_long', reason: `record is ${scan.end - start} bytes, longer than ${this.maxRecordBytes}` });
        continue;
      }
      if (!scan.ok) {
        records.push({ kind: 'invalid', code: 'bad_encoding', reason: scan.reason });
        continue;
      }
      try {
        const decoded = h.resolver === null ? reader().decode(data, start) : reader().decode(data, start, h.resolver);
        if (decoded.offset !== scan.end) throw new Error('the record does not decode to the length it is framed with');
        records.push({ kind: 'object', value: identityAvroToWire(decoded.value) });
      } catch (e) {
        records.push({ kind: 'invalid', code: 'undecodable', reason: `block at offset ${offset}, record ${k}: ${(e as Error).message}` });
      }
    }
    return records;
  }

  /**
   * A block whose end no sync marker confirms: damaged when an intact marker follows it (one
   * undecodable record up to that marker), else held back, since a block still being written
   * looks the same.
   */
  private async damaged(fh: FileHandle, h: Header, offset: number, size: number, reason: string): Promise<Block> {
    const next = await this.resync(fh, h, offset + 1, size);
    return next === null
      ? { kind: 'tail', reason: `${reason}: no sync marker follows, so the block may still be being written` }
      : { kind: 'bad', count: 0, reason, next };
  }

  /** Offset just after the next sync marker at or after `from`, or null when there is none. */
  private async resync(fh: FileHandle, h: Header, from: number, size: number): Promise<number | null> {
    const CHUNK = 64 * 1024;
    for (let at = from; at < size; at += CHUNK - SYNC_SIZE) {
      const buf = await readAt(fh, at, CHUNK);
      const k = buf.indexOf(h.sync);
      if (k !== -1) return at + k + SYNC_SIZE;
      if (buf.length < CHUNK) break;
    }
    return null;
  }
}
