/** Avro object container files written with avsc's own container encoder, as producers write them. */
import avro from 'avsc';
import type { Type } from 'avsc';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { AVRO_TYPES, identityWireToAvro } from '../../../src/adapters/avro/codec.ts';

export interface ContainerOptions {
  /** Writer type; default: the current identity-event schema. */
  readonly type?: Type;
  readonly codec?: 'null' | 'deflate';
  /** Small blocks put several records per block and many blocks per file. */
  readonly blockSize?: number;
}

export async function writeContainer(file: string, values: readonly unknown[], o: ContainerOptions = {}): Promise<string> {
  const encoder = new avro.streams.BlockEncoder(o.type ?? AVRO_TYPES.identityEvent[2], {
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
