/**
 * Avro object container files written with avsc's own container encoder, as producers write
 * them, and written byte by byte, as a hostile producer would.
 */
import avro from 'avsc';
import type { Type } from 'avsc';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { deflateRawSync } from 'node:zlib';
import { AVRO_TYPES, identityWireToAvro } from '../../../src/adapters/avro/codec.ts';

export interface ContainerOptions {
  /** Writer type; default: the current identity-event schema. */
  readonly type?: Type;
  readonly codec?: 'null' | 'deflate';
  /** Small blocks put several records per block and many blocks per file. */
  readonly blockSize?: number;
}

export async function writeContainer(file: string, values: readonly unknown[], o: ContainerOptions = {}): Promise<string> {
  const encoder = new avro.streams.BlockEncoder(o.type ?? AVRO_TYPES.identityEvent[3], {
    codec: o.codec ?? 'null',
    blockSize: o.blockSize ?? 512,
  });
  const out = createWriteStream(file);
  encoder.pipe(out);
  for (const v of values) encoder.write(v);
  encoder.end();
  await finished(out);
  return file;
}

/** NDJSON wire lines → values of the current schema. */
export const currentValues = (lines: readonly string[]): unknown[] =>
  lines.map((l) => identityWireToAvro(JSON.parse(l) as Record<string, unknown>));

/**
 * NDJSON wire lines → values of identity-event schema v1: ttp by tactic only, no tools, ja3 or
 * hassh (lines whose ttp carries a phase instead of a tactic are not representable in v1).
 */
export function v1Values(lines: readonly string[]): unknown[] {
  return lines.map((l) => {
    const w = JSON.parse(l) as Record<string, unknown>;
    const branch = ({
      'identity.observed': 'IdentityObserved', 'identity.merged': 'IdentityMerged',
      'identity.unmerged': 'IdentityUnmerged', 'identity.retired': 'IdentityRetired',
    } as Record<string, string>)[w.type as string];
    if (w.type !== 'identity.observed') return { [`campaign_stream.${branch}`]: w };
    const o = w.observation as Record<string, unknown>;
    return {
      [`campaign_stream.${branch}`]: {
        type: w.type, event_id: w.event_id, time: w.time, identity_uuid: w.identity_uuid, version: w.version,
        observation: {
          sessions: o.sessions ?? [],
          ttp: ((o.ttp ?? []) as Array<Record<string, unknown>>).map((t) => ({ decky: t.decky, tactic: t.tactic, start: t.start, end: t.end ?? null })),
          payload_hashes: o.payload_hashes ?? [],
          c2_endpoints: o.c2_endpoints ?? [],
          asn: o.asn ?? null,
          kd_simhash: o.kd_simhash ?? null,
        },
      },
    };
  });
}

const HEADER = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});
const LONG = avro.Type.forSchema('long');
const STRING = avro.Type.forSchema('string');

/** The sync marker of every file `containerBytes` writes (fixed: the same input, the same bytes). */
export const SYNC = Buffer.from('cs-test-syncmark');

export interface RawBlock {
  /** Records, already Avro-encoded; concatenated (and deflated with that codec) as the block data. */
  readonly records: readonly Buffer[];
  /** The record count written in the block header; default: `records.length`. */
  readonly count?: number;
  /** The block data as written, instead of the records (a deflate bomb, say). */
  readonly data?: Buffer;
}

/** An object container file, byte by byte: the header, then each block with its sync marker. */
export function containerBytes(schemaJson: string, blocks: readonly RawBlock[], codec: 'null' | 'deflate' = 'null'): Buffer {
  const parts: Buffer[] = [HEADER.toBuffer({
    magic: Buffer.from('Obj\x01', 'latin1'),
    meta: { 'avro.schema': Buffer.from(schemaJson), 'avro.codec': Buffer.from(codec) },
    sync: SYNC,
  })];
  for (const b of blocks) {
    const raw = Buffer.concat(b.records);
    const data = b.data ?? (codec === 'deflate' ? deflateRawSync(raw) : raw);
    parts.push(LONG.toBuffer(b.count ?? b.records.length), LONG.toBuffer(data.length), data, SYNC);
  }
  return Buffer.concat(parts);
}

/** Zig-zag varint, as Avro writes a `long` (exact for any bigint). */
export function varint(n: bigint): Buffer {
  let z = n >= 0n ? n << 1n : ((-n) << 1n) - 1n;
  const out: number[] = [];
  do {
    let b = Number(z & 0x7fn);
    z >>= 7n;
    if (z > 0n) b |= 0x80;
    out.push(b);
  } while (z > 0n);
  return Buffer.from(out);
}

/**
 * An encoded `identity.observed` record (current schema) whose `observation.sessions` block
 * count is replaced by `count`, the rest unchanged: what the 3,220-byte file and the 55-byte
 * Kafka value of issue #13 carried (count 4,294,967,294, one session's bytes).
 */
export function withSessionsCount(wire: Record<string, unknown>, count: bigint): Buffer {
  const encoded = AVRO_TYPES.identityEvent[2].toBuffer(identityWireToAvro(wire));
  // Union branch, then type, event_id, time, identity_uuid (strings) and version (a long).
  const w = wire as { type: string; event_id: string; time: string; identity_uuid: string; version: number };
  const at = 1 + [w.type, w.event_id, w.time, w.identity_uuid].reduce((n, s) => n + STRING.toBuffer(s).length, 0) + LONG.toBuffer(w.version).length;
  const sessions = (wire.observation as { sessions: unknown[] }).sessions.length;
  const old = LONG.toBuffer(sessions);
  if (!encoded.subarray(at, at + old.length).equals(old)) throw new Error('withSessionsCount: sessions count not where expected');
  return Buffer.concat([encoded.subarray(0, at), varint(count), encoded.subarray(at + old.length)]);
}
