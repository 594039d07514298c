/** The file sources: NDJSON and Avro container records, positions, resume, damage. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import avro from 'avsc';
import { AVRO_TYPES } from '../../src/adapters/avro/codec.ts';
import { AvroContainerSource } from '../../src/adapters/file/avro-container-source.ts';
import { NdjsonFileSource } from '../../src/adapters/file/ndjson-source.ts';
import { openFileSource } from '../../src/adapters/file/open-source.ts';
import { START, type IdentitySource, type SourceRecord } from '../../src/ports/identity-source.ts';
import { isInputError } from '../../src/ports/errors.ts';
import { decodeRecord } from '../../src/pipeline/decode.ts';
import { currentValues, v1Values, writeContainer } from './support/avro-files.ts';
import { identityLines } from './support/identity-stream.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-sources-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string): string => path.join(dir, name);

async function all(source: IdentitySource, from = START): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of source.records(from)) out.push(r);
  return out;
}
const ids = (recs: readonly SourceRecord[]): Array<string | null> =>
  recs.map((r) => {
    const d = decodeRecord(r);
    return d.ok ? d.event.event.event_id : `reject:${d.reject.code}`;
  });

const lines = identityLines({ seed: 7, events: 60 });

describe('NDJSON source', () => {
  it('yields one record per line with exact byte offsets and line numbers', async () => {
    const text = 'A\n\n  \nBB\r\n{"c":3}';
    writeFileSync(file('plain.ndjson'), text);
    const recs = await all(new NdjsonFileSource('plain.ndjson', file('plain.ndjson'), text.length));
    assert.deepEqual(recs.map((r) => [r.start.offset, r.end.offset, r.start.ordinal + 1, r.payload]), [
      [0, 2, 1, { kind: 'text', text: 'A' }],
      [6, 10, 4, { kind: 'text', text: 'BB\r' }],
      [10, 17, 5, { kind: 'text', text: '{"c":3}' }],
    ]);
  });

  it('resuming at any record end yields exactly the records after it', async () => {
    writeFileSync(file('resume.ndjson'), lines.join('\n') + '\n');
    const s = new NdjsonFileSource('resume.ndjson', file('resume.ndjson'), null);
    const whole = await all(s);
    for (const k of [0, 1, 17, whole.length - 1]) {
      assert.deepEqual(ids(await all(s, whole[k].end)), ids(whole.slice(k + 1)));
    }
  });

  it('a line over the limit becomes one line_too_long record and reading goes on', async () => {
    writeFileSync(file('long.ndjson'), `${lines[0]}\n${'x'.repeat(300_000)}\n${lines[1]}\n`);
    const recs = await all(new NdjsonFileSource('long.ndjson', file('long.ndjson'), null, 100_000));
    assert.deepEqual(recs.map((r) => r.payload.kind), ['text', 'invalid', 'text']);
    assert.equal(recs[1].payload.kind === 'invalid' && recs[1].payload.code, 'line_too_long');
    assert.equal(recs[2].start.ordinal, 2);
  });

  it('a file that does not exist is input_missing', async () => {
    await assert.rejects(openFileSource(file('nope.ndjson')), (e: unknown) => isInputError(e) && e.code === 'input_missing');
  });
});

describe('fingerprint', () => {
  it('is stable, changes when a consumed byte changes, ignores bytes after the position', async () => {
    const f = file('fp.ndjson');
    writeFileSync(f, lines.join('\n') + '\n');
    const s = new NdjsonFileSource('fp.ndjson', f, null);
    const at = (await all(s))[30].end;
    const before = await s.fingerprint(at);
    appendFileSync(f, lines[0] + '\n');
    assert.equal(await s.fingerprint(at), before);
    const bytes = readFileSync(f);
    bytes[at.offset - 5] ^= 1;
    writeFileSync(f, bytes);
    assert.notEqual(await s.fingerprint(at), before);
  });

  it('a file shorter than the position is input_changed', async () => {
    writeFileSync(file('short.ndjson'), 'abc\n');
    const s = new NdjsonFileSource('short.ndjson', file('short.ndjson'), null);
    await assert.rejects(s.fingerprint({ offset: 100, index: 0, ordinal: 0 }), (e: unknown) => isInputError(e) && e.code === 'input_changed');
  });
});

describe('Avro container source', () => {
  it('reads every record of a multi-block file in order; positions inside a block carry the record index', async () => {
    const f = await writeContainer(file('v2.avro'), currentValues(lines), { blockSize: 1024 });
    const s = await openFileSource(f);
    assert.ok(s instanceof AvroContainerSource);
    const recs = await all(s);
    assert.deepEqual(ids(recs), lines.map((l) => JSON.parse(l).event_id));
    assert.ok(recs.some((r) => r.start.index > 0), 'expected several records per block');
    assert.ok(new Set(recs.map((r) => r.start.offset)).size > 3, 'expected several blocks');
    assert.deepEqual(recs.map((r) => r.start.ordinal), recs.map((_, k) => k));
  });

  it('resuming at any record end, inside a block or at a block boundary, yields exactly the rest', async () => {
    const s = await openFileSource(await writeContainer(file('resume.avro'), currentValues(lines), { blockSize: 700 }));
    const whole = await all(s);
    for (let k = 0; k < whole.length; k += 7) {
      assert.deepEqual(ids(await all(s, whole[k].end)), ids(whole.slice(k + 1)), `resume after record ${k}`);
    }
  });

  it('a file written with the older v1 schema (deflate) is resolved against the current schema', async () => {
    const f = await writeContainer(file('v1.avro'), v1Values(lines), { type: AVRO_TYPES.identityEvent[1], codec: 'deflate' });
    const recs = await all(await openFileSource(f));
    const decoded = recs.map(decodeRecord);
    assert.ok(decoded.every((d) => d.ok), JSON.stringify(decoded.find((d) => !d.ok)));
    assert.deepEqual(ids(recs), lines.map((l) => JSON.parse(l).event_id));
    const withTtp = decoded.find((d) => d.ok && d.event.event.type === 'identity.observed' && d.event.event.observation.ttp.length > 0);
    assert.ok(withTtp?.ok && withTtp.event.event.type === 'identity.observed');
    assert.ok(['command_and_control', 'discovery'].includes(withTtp.event.event.observation.ttp[0].phase));
  });

  it('a damaged block becomes one undecodable record and the blocks after it are still read', async () => {
    const f = await writeContainer(file('damaged.avro'), currentValues(lines), { blockSize: 1024 });
    const clean = await all(await openFileSource(f));
    const blockStarts = [...new Set(clean.map((r) => r.start.offset))];
    const bytes = readFileSync(f);
    // Break the sync marker at the end of the second block.
    bytes[blockStarts[2] - 3] ^= 0xff;
    writeFileSync(f, bytes);
    const recs = await all(await openFileSource(f));
    const bad = recs.filter((r) => r.payload.kind === 'invalid');
    assert.equal(bad.length, 1);
    assert.equal(bad[0].payload.kind === 'invalid' && bad[0].payload.code, 'undecodable');
    assert.equal(bad[0].start.offset, blockStarts[1]);
    // With its sync marker broken, the block's end cannot be trusted: reading resumes after the
    // next intact marker, so at most the damaged block and the one after it are lost.
    const resumed = recs.indexOf(bad[0]) + 1;
    assert.ok([blockStarts[2], blockStarts[3]].includes(recs[resumed].start.offset));
    assert.deepEqual(ids(recs.slice(resumed)), ids(clean.filter((r) => r.start.offset >= recs[resumed].start.offset)));
    assert.deepEqual(ids(recs.slice(0, resumed - 1)), ids(clean.filter((r) => r.start.offset < blockStarts[1])));
  });

  it('a writer schema the current schema cannot read is one schema-rejected record for the file', async () => {
    const other = avro.Type.forSchema({ type: 'record', name: 'Unrelated', fields: [{ name: 'x', type: 'int' }] });
    const f = await writeContainer(file('other.avro'), [{ x: 1 }, { x: 2 }], { type: other });
    const recs = await all(await openFileSource(f));
    assert.equal(recs.length, 1);
    assert.equal(recs[0].payload.kind === 'invalid' && recs[0].payload.code, 'schema');
  });
});
