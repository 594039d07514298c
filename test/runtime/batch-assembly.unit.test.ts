/** Cutting the record stream into batches, and the bounded pull that feeds it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lastValueFrom, map, toArray } from 'rxjs';
import type { SourceRecord } from '../../src/ports/identity-source.ts';
import { assembleBatches, BatchAssembler } from '../../src/pipeline/batch-assembly.ts';
import { CommitGate, pulled, throughGate } from '../../src/pipeline/backpressure.ts';
import { decodeRecord } from '../../src/pipeline/decode.ts';

const retired = (k: number) => JSON.stringify({ type: 'identity.retired', event_id: `e${k}`, time: '2026-01-01T00:00:00Z', identity_uuid: `i${k}` });

/** Records of one source, 10 bytes each; `bad` indexes are not JSON. */
function records(source: string, n: number, bad: readonly number[] = [], startAt = 0): SourceRecord[] {
  return Array.from({ length: n }, (_, k) => ({
    source,
    start: { offset: (startAt + k) * 10, index: 0, ordinal: startAt + k },
    end: { offset: (startAt + k + 1) * 10, index: 0, ordinal: startAt + k + 1 },
    payload: { kind: 'text', text: bad.includes(k) ? 'not json' : retired(startAt + k) },
  }) as SourceRecord);
}

const cutAll = (size: number, recs: readonly SourceRecord[]) => {
  const a = new BatchAssembler(size);
  const out = recs.map((r) => a.add(decodeRecord(r))).filter((b) => b !== null);
  const last = a.flush();
  return last === null ? out : [...out, last];
};

describe('batch assembly', () => {
  it('closes a batch at its N-th valid event; rejects ride along in the batch they were read in', () => {
    const batches = cutAll(3, records('a.ndjson', 8, [1, 4]));
    assert.deepEqual(batches.map((b) => [b.events.length, b.rejects.length, b.input_count]), [[3, 1, 4], [3, 1, 4]]);
    assert.deepEqual(batches.map((b) => b.range), [
      { from: 'a.ndjson:0', to: 'a.ndjson:40' },
      { from: 'a.ndjson:40', to: 'a.ndjson:80' },
    ]);
  });

  it('the last batch holds what is left at the end of the input', () => {
    const batches = cutAll(3, records('a.ndjson', 7));
    assert.deepEqual(batches.map((b) => b.events.length), [3, 3, 1]);
    assert.equal(batches[2].range.to, 'a.ndjson:70');
  });

  it('a run of rejects closes a batch at N rejects, so garbage never piles up in one batch', () => {
    const batches = cutAll(2, records('a.ndjson', 5, [0, 1, 2, 3]));
    assert.deepEqual(batches.map((b) => [b.events.length, b.rejects.length]), [[0, 2], [0, 2], [1, 0]]);
  });

  it('a batch spanning two files records one segment per file, in reading order', () => {
    const [b] = cutAll(5, [...records('a.ndjson', 2, [], 3), ...records('b.avro', 3)]);
    assert.deepEqual(b.segments.map((s) => [s.source, s.start.offset, s.end.offset]), [['a.ndjson', 30, 50], ['b.avro', 0, 30]]);
    assert.deepEqual(b.range, { from: 'a.ndjson:30', to: 'b.avro:30' });
  });

  it('rejects carry position, 1-based line, code and event id', () => {
    const [b] = cutAll(5, records('a.ndjson', 3, [1]));
    assert.deepEqual(b.rejects.map((r) => [r.position, r.line, r.code, r.event_id]), [['a.ndjson:10', 2, 'invalid_json', null]]);
    assert.deepEqual(b.recordsAt.get('a.ndjson:20'), { order: 2, line: 3 });
  });

  it('the same input and size give the same cuts whatever the restart point', () => {
    const all = records('a.ndjson', 40, [5, 6, 7, 19]);
    const whole = cutAll(4, all);
    // Resume after the 3rd batch: the rest of the input cut alone gives the same later batches.
    const consumed = whole.slice(0, 3).reduce((n, b) => n + b.input_count, 0);
    const rest = cutAll(4, all.slice(consumed));
    assert.deepEqual(rest.map((b) => b.range), whole.slice(3).map((b) => b.range));
  });

  it('refuses a batch size below 1', () => {
    assert.throws(() => new BatchAssembler(0), RangeError);
  });
});

describe('bounded pull', () => {
  it('never reads more than one batch ahead of the commit in progress', async () => {
    const size = 5;
    let read = 0;
    let committed = 0;
    let maxAhead = 0;
    async function* source() {
      for (const r of records('a.ndjson', 200)) {
        read++;
        maxAhead = Math.max(maxAhead, read - committed);
        yield r;
      }
    }
    const gate = new CommitGate();
    const sizes = await lastValueFrom(pulled(source(), gate).pipe(
      map(decodeRecord),
      assembleBatches(size),
      throughGate(gate, async (b) => {
        await new Promise((r) => setTimeout(r, 1));
        committed += b.input_count;
        return b.input_count;
      }),
      toArray(),
    ));
    assert.equal(sizes.reduce((a, b) => a + b, 0), 200);
    assert.ok(maxAhead <= size, `read ${maxAhead} records ahead of the committed ones`);
  });

  it('an error in the commit stops reading and closes the source', async () => {
    let closed = false;
    let read = 0;
    async function* source() {
      try {
        for (const r of records('a.ndjson', 100)) {
          read++;
          yield r;
        }
      } finally {
        closed = true;
      }
    }
    const gate = new CommitGate();
    await assert.rejects(lastValueFrom(pulled(source(), gate).pipe(
      map(decodeRecord),
      assembleBatches(4),
      throughGate(gate, async () => {
        throw new Error('disk full');
      }),
    )), /disk full/);
    await new Promise((r) => setTimeout(r, 5));
    assert.ok(closed, 'the source iterator was not closed');
    assert.ok(read <= 5, `read ${read} records after the failure`);
  });
});
