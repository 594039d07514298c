/**
 * Input written to hurt (issue #13, cases 1, 2 and 4): counts that claim more than the bytes
 * hold, a deflate bomb, bytes that are not UTF-8. Each must end as a reject in the rejects file
 * and a run that exits 0, never as a crash, a hang or two identities merged into one. The runs
 * are child processes: before the fixes, case 1 aborted the whole process.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { AVRO_TYPES, identityWireToAvro } from '../../src/adapters/avro/codec.ts';
import { SCHEMA_JSON } from '../../src/adapters/avro/schemas.ts';
import { openFileSource } from '../../src/adapters/file/open-source.ts';
import { START, type SourceRecord } from '../../src/ports/identity-source.ts';
import { REJECTS_FILE } from '../../src/cli/store-dir.ts';
import { containerBytes, withSessionsCount } from './support/avro-files.ts';
import { runCli } from './support/spawn-cli.ts';

/** A record of the v2 schema, the writer these containers declare (as withSessionsCount writes it). */
const encodeIdentityEvent = (wire: Record<string, unknown>): Buffer => AVRO_TYPES.identityEvent[2].toBuffer(identityWireToAvro(wire));

const dir = mkdtempSync(path.join(tmpdir(), 'cs-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string): string => path.join(dir, name);
let stores = 0;

const observed = (id: string, n = 1): Record<string, unknown> => ({
  type: 'identity.observed', event_id: `ev-${id}-${n}`, time: '2026-01-01T00:00:00Z', identity_uuid: id, version: n,
  observation: {
    sessions: [{ start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:10:00Z', decky: 'decky-01' }],
    c2_endpoints: ['c2.example'], payload_hashes: ['ab12'],
  },
});

async function records(f: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of (await openFileSource(f)).records(START)) out.push(r);
  return out;
}

interface RunOutcome {
  readonly code: number | null;
  readonly stderr: string;
  readonly summary: Record<string, number>;
  readonly rejects: Array<{ code: string; reason: string; event_id: string | null; position: string }>;
  readonly membership: Array<{ identity_uuid: string }>;
}

/** `campaigns run --input <files> --json` into a fresh store, in a child process. */
async function run(...files: string[]): Promise<RunOutcome> {
  const store = file(`store-${++stores}`);
  const r = await runCli(['run', '--input', ...files, '--store', store, '--json']);
  let rejects: RunOutcome['rejects'] = [];
  try {
    rejects = readFileSync(path.join(store, REJECTS_FILE), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    rejects = [];
  }
  const m = r.code === 0 ? await runCli(['membership', '--store', store]) : { stdout: '' };
  return {
    code: r.code,
    stderr: r.stderr,
    summary: r.code === 0 ? JSON.parse(r.stdout) : {},
    rejects,
    membership: m.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)),
  };
}

describe('case 1: a count larger than the bytes behind it', () => {
  const bomb = withSessionsCount(observed('idp-count'), 4_294_967_294n);

  it('a container record whose array count is 4,294,967,294 is one undecodable reject; the run goes on and exits 0', async () => {
    const f = file('count.avro');
    writeFileSync(f, containerBytes(SCHEMA_JSON.identityEvent[2], [
      { records: [encodeIdentityEvent(observed('idp-before'))] },
      { records: [bomb] },
      { records: [encodeIdentityEvent(observed('idp-after'))] },
    ]));
    const r = await run(f);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.rejects.map((x) => x.code), ['undecodable']);
    assert.match(r.rejects[0].reason, /block of 4294967294 items cannot fit/);
    assert.deepEqual(r.membership.map((m) => m.identity_uuid).sort(), ['idp-after', 'idp-before']);
  });

  it('a Kafka-sized value (the record alone, 55 bytes of the issue) decodes to an undecodable verdict, not a crash', async () => {
    const { decodeAndValidateIdentityEvent } = await import('../../src/adapters/avro/codec.ts');
    const v = decodeAndValidateIdentityEvent(bomb);
    assert.equal(v.ok, false);
    assert.equal(!v.ok && v.code, 'undecodable');
  });
});

describe('case 2: a deflate bomb', () => {
  it('a block that would inflate past its records\' limit is one undecodable reject, refused before it is inflated', async () => {
    const f = file('bomb.avro');
    // 64 MiB of zeros deflate to 64 KB; one record may be at most 1 MiB.
    const data = deflateRawSync(Buffer.alloc(64 * 1024 * 1024));
    writeFileSync(f, containerBytes(SCHEMA_JSON.identityEvent[2], [
      { records: [encodeIdentityEvent(observed('idp-before'))] },
      { records: [], count: 1, data },
      { records: [encodeIdentityEvent(observed('idp-after'))] },
    ], 'deflate'));
    const recs = await records(f);
    const bad = recs.filter((x) => x.payload.kind === 'invalid');
    assert.equal(bad.length, 1);
    assert.equal(bad[0].payload.kind === 'invalid' && bad[0].payload.code, 'undecodable');
    assert.match(bad[0].payload.kind === 'invalid' ? bad[0].payload.reason : '', /inflates to more than 1048576 bytes/);
    const r = await run(f);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.rejects.map((x) => x.code), ['undecodable']);
    assert.deepEqual(r.membership.map((m) => m.identity_uuid).sort(), ['idp-after', 'idp-before']);
  });
});

describe('case 4: bytes that are not UTF-8', () => {
  // `idp-\xff` is not UTF-8; `idp-\xef\xbf\xbd` is the UTF-8 of U+FFFD. Decoded leniently both
  // were `idp-�`: one identity, the second event counted stale and dropped, nothing rejected.
  const ff = Buffer.from('idp-\xff', 'latin1');
  const fffd = Buffer.from('idp-\xef\xbf\xbd', 'latin1');

  // A partner sharing their infrastructure puts whichever identity is read into a campaign.
  const partner = Buffer.from(JSON.stringify(observed('idp-partner')) + '\n');

  it('NDJSON: the line with an invalid byte is a bad_encoding reject; the valid U+FFFD identity is its own identity', async () => {
    const line = (id: Buffer): Buffer => {
      const [pre, post] = JSON.stringify({ ...observed('@@'), event_id: `ev-${id.toString('hex')}` }).split('@@');
      return Buffer.concat([Buffer.from(pre), id, Buffer.from(post + '\n')]);
    };
    const f = file('utf8.ndjson');
    writeFileSync(f, Buffer.concat([line(ff), line(fffd), partner]));
    const r = await run(f);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.rejects.map((x) => [x.code, x.position]), [['bad_encoding', 'utf8.ndjson:0']]);
    assert.match(r.rejects[0].reason, /not valid UTF-8 \(byte \d+: \\xff/);
    assert.equal(r.summary.stale, 0, 'nothing counted stale: no two ids decoded to one');
    assert.equal(r.summary.events_applied, 2);
    assert.deepEqual(r.membership.map((m) => m.identity_uuid), ['idp-partner', 'idp-\ufffd']);
  });

  it('Avro: the record with an invalid byte in a string is a bad_encoding reject; the next record of its block is read', async () => {
    const record = (id: Buffer): Buffer => {
      // Same length as the placeholder, so the string's length prefix stays right.
      const placeholder = 'x'.repeat(id.length);
      const enc = encodeIdentityEvent({ ...observed(placeholder), event_id: `ev-${id.toString('hex')}` });
      const at = enc.indexOf(Buffer.from(placeholder));
      return Buffer.concat([enc.subarray(0, at), id, enc.subarray(at + id.length)]);
    };
    const f = file('utf8.avro');
    writeFileSync(f, containerBytes(SCHEMA_JSON.identityEvent[2], [
      { records: [record(Buffer.concat([ff, Buffer.from('xx')])), record(fffd), encodeIdentityEvent(observed('idp-partner'))] },
    ]));
    const r = await run(f);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.rejects.map((x) => x.code), ['bad_encoding']);
    assert.match(r.rejects[0].position, /^utf8\.avro:\d+$/, 'the first record of its block');
    assert.match(r.rejects[0].reason, /identity_uuid is not valid UTF-8/);
    assert.equal(r.summary.stale, 0);
    assert.deepEqual(r.membership.map((m) => m.identity_uuid), ['idp-partner', 'idp-\ufffd']);
  });
});
