/**
 * Files that are still being written (issue #13, case 3), and `run --follow`. The end of a file
 * that is not complete yet is held back, neither rejected nor checkpointed, and read whole by a
 * later run; before, half a line was rejected and its other half rejected again on the rerun,
 * and an Avro file cut mid-block lost the rest of the block for good.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/adapters/sqlite/store.ts';
import { REJECTS_FILE, STORE_FILE } from '../../src/cli/store-dir.ts';
import { currentValues, writeContainer } from './support/avro-files.ts';
import { BAD_LINES, identityLines } from './support/identity-stream.ts';
import { startCli } from './support/spawn-cli.ts';
import { cli, dump } from './support/store-run.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-growing-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string): string => path.join(dir, `${name}-${++n}`);

const lines = identityLines({ seed: 11, events: 400 });
const text = (ls: readonly string[]): string => ls.map((l) => l + '\n').join('');

async function runJson(store: string, ...inputs: string[]): Promise<{ summary: Record<string, number>; stderr: string }> {
  const r = await cli(['run', '--input', ...inputs, '--store', store, '--batch-size', '50', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return { summary: JSON.parse(r.stdout), stderr: r.stderr };
}

const rejectsOf = (store: string): string => {
  try {
    return readFileSync(path.join(store, REJECTS_FILE), 'utf8');
  } catch {
    return '';
  }
};

/** What the store has committed: input records consumed, and each input's checkpoint offset. */
async function committed(store: string): Promise<{ records: number; checkpoints: Map<string, number> }> {
  const s = openSqliteStore(path.join(store, STORE_FILE), { readonly: true });
  try {
    let records = 0;
    for (let from = 1; ;) {
      const page = await s.log.batches(from, 500);
      if (page.length === 0) break;
      for (const b of page) records += b.input_count;
      from = page[page.length - 1].index + 1;
    }
    return { records, checkpoints: new Map((await s.log.checkpoints()).map((c) => [c.source, c.position.offset])) };
  } finally {
    s.close();
  }
}

async function eventually<T>(what: string, probe: () => Promise<T | null>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a single run over the complete input leaves: what the piecewise runs must equal. */
async function reference(inputs: readonly { name: string; bytes: string | Buffer }[]): Promise<{ membership: string; rejects: string }> {
  const root = fresh('reference');
  mkdirSync(root, { recursive: true });
  const files = inputs.map((i) => {
    const f = path.join(root, i.name);
    writeFileSync(f, i.bytes);
    return f;
  });
  const store = path.join(root, 'store');
  await runJson(store, ...files);
  return { membership: (await dump(store)).membership, rejects: rejectsOf(store) };
}

/** The rejects of the input itself (the engine's: retired identities), which runs share. */
const engineRejects = (rejects: string): number => rejects.split('\n').filter((l) => l.includes('"retired_identity"') || l.includes('"merge_cycle"')).length;

describe('a file still being written (no --follow)', () => {
  it('NDJSON: half a last line is held back with a warning, not rejected; the rerun after the writer finished reads the event once', async () => {
    const root = fresh('ndjson-half');
    mkdirSync(root);
    const f = path.join(root, 'events.ndjson');
    const cut = 200;
    const half = Math.floor(lines[cut].length / 2);
    writeFileSync(f, text(lines.slice(0, cut)) + lines[cut].slice(0, half));
    const store = path.join(root, 'store');

    const first = await runJson(store, f);
    assert.equal(first.summary.rejected, engineRejects(rejectsOf(store)), 'nothing refused but what the engine refuses');
    assert.equal(first.summary.events_read, cut);
    assert.match(first.stderr, /events\.ndjson:\d+: \d+ bytes held back, neither consumed nor rejected \(the last line has no newline and is not a complete JSON object yet\)/);
    assert.equal((await committed(store)).checkpoints.get('events.ndjson'), Buffer.byteLength(text(lines.slice(0, cut))), 'the fragment is not checkpointed');

    appendFileSync(f, lines[cut].slice(half) + '\n' + text(lines.slice(cut + 1)));
    const second = await runJson(store, f);
    assert.equal(second.summary.events_read, lines.length - cut);
    const ref = await reference([{ name: 'events.ndjson', bytes: text(lines) }]);
    assert.equal(rejectsOf(store), ref.rejects);
    assert.equal((await dump(store)).membership, ref.membership);
  });

  it('NDJSON: a complete JSON object on a last line without a newline is consumed; the newline written later is not a line, and the batch still re-derives', async () => {
    const root = fresh('ndjson-object');
    mkdirSync(root);
    const f = path.join(root, 'events.ndjson');
    const cut = 120;
    writeFileSync(f, text(lines.slice(0, cut - 1)) + lines[cut - 1]);
    const store = path.join(root, 'store');
    const first = await runJson(store, f);
    assert.equal(first.summary.events_read, cut);
    assert.doesNotMatch(first.stderr, /held back/);

    // The writer ends the line, then writes a bad line: its line number shows the newline was
    // not counted as a line of its own.
    appendFileSync(f, '\n' + BAD_LINES[0].line(0) + '\n' + text(lines.slice(cut)));
    const second = await runJson(store, f);
    assert.equal(second.summary.events_read, 1 + lines.length - cut);
    const rejects = rejectsOf(store).trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.code === 'invalid_json');
    assert.deepEqual(rejects.map((r) => [r.code, r.line]), [['invalid_json', cut + 1]]);

    // Without a snapshot, the next run re-derives every batch from the file, the one that
    // consumed the line before its newline included.
    const s = openSqliteStore(path.join(store, STORE_FILE));
    await s.snapshots.clear();
    s.close();
    const third = await runJson(store, f);
    assert.equal(third.summary.events_read, 0);
    assert.ok(third.summary.rederived_batches > 0);
  });

  it('NDJSON: a line consumed before its newline and then continued is input_changed, not a new line', async () => {
    const root = fresh('ndjson-continued');
    mkdirSync(root);
    const f = path.join(root, 'events.ndjson');
    writeFileSync(f, text(lines.slice(0, 9)) + lines[9]);
    const store = path.join(root, 'store');
    await runJson(store, f);
    appendFileSync(f, ' {"more": true}\n');
    const r = await cli(['run', '--input', f, '--store', store]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^campaigns run: error \[input_changed\]: .*continued/);
  });

  it('Avro: a file cut mid-block is held back, not rejected; once complete, the rerun reads every identity', async () => {
    const root = fresh('avro-cut');
    mkdirSync(root);
    const complete = path.join(root, 'complete.avro');
    const values = currentValues(lines.slice(0, 200));
    await writeContainer(complete, values, { blockSize: 2048 });
    const bytes = readFileSync(complete);
    const f = path.join(root, 'events.avro');
    writeFileSync(f, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const store = path.join(root, 'store');

    const first = await runJson(store, f);
    assert.equal(first.summary.rejected, engineRejects(rejectsOf(store)), 'nothing refused but what the engine refuses');
    assert.ok(first.summary.events_read > 0 && first.summary.events_read < 200);
    assert.match(first.stderr, /events\.avro:\d+: \d+ bytes held back, neither consumed nor rejected \(block at offset \d+ .*no sync marker follows/);

    writeFileSync(f, bytes);
    const second = await runJson(store, f);
    assert.equal(first.summary.events_read + second.summary.events_read, 200);
    const ref = await reference([{ name: 'events.avro', bytes }]);
    assert.equal(rejectsOf(store), ref.rejects);
    assert.equal((await dump(store)).membership, ref.membership);
  });

  it('Avro: a header cut short is held back, then read from the start once it is complete', async () => {
    const root = fresh('avro-header');
    mkdirSync(root);
    const complete = path.join(root, 'complete.avro');
    await writeContainer(complete, currentValues(lines.slice(0, 30)));
    const bytes = readFileSync(complete);
    const f = path.join(root, 'events.avro');
    writeFileSync(f, bytes.subarray(0, 100));
    const store = path.join(root, 'store');
    const first = await runJson(store, f);
    assert.equal(first.summary.events_read, 0);
    assert.match(first.stderr, /held back.*the Avro header is not complete yet/);
    writeFileSync(f, bytes);
    assert.equal((await runJson(store, f)).summary.events_read, 30);
  });
});

describe('run --follow', () => {
  it('reads a file as it grows, commits a quiet batch after --idle-ms, and on SIGINT commits and exits 0', async () => {
    const root = fresh('follow-file');
    mkdirSync(root);
    const f = path.join(root, 'events.ndjson');
    writeFileSync(f, text(lines.slice(0, 50)));
    const store = path.join(root, 'store');
    const child = startCli(['run', '--input', f, '--store', store, '--follow', '--idle-ms', '100', '--batch-size', '1000', '--json']);
    try {
      // 50 lines never fill a batch of 1000: only the quiet spell commits them.
      await eventually('the first 50 records committed', async () => ((await committed(store)).records === 50 ? true : null));
      appendFileSync(f, text(lines.slice(50, 80)) + lines[80].slice(0, 20));
      await eventually('80 records committed', async () => ((await committed(store)).records === 80 ? true : null));
      // Following, even a complete object without its newline waits for it: the writer may not be done.
      assert.equal((await committed(store)).checkpoints.get('events.ndjson'), Buffer.byteLength(text(lines.slice(0, 80))));
    } finally {
      child.child.kill('SIGINT');
    }
    const r = await child.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).events_read, 80);
    assert.match(r.stderr, /held back.*the last line has no newline yet/);

    appendFileSync(f, lines[80].slice(20) + '\n');
    assert.equal((await runJson(store, f)).summary.events_read, 1, 'a rerun resumes where following stopped');
  });

  it('reads a directory in name order, each file from its checkpoint, and finishes a file once a later one appears', async () => {
    const root = fresh('follow-dir');
    const inbox = path.join(root, 'inbox');
    mkdirSync(inbox, { recursive: true });
    writeFileSync(path.join(inbox, '0001.ndjson'), text(lines.slice(0, 29)) + lines[29]);
    writeFileSync(path.join(inbox, '.0002.ndjson.tmp'), text(lines.slice(100, 110)));
    const store = path.join(root, 'store');
    const child = startCli(['run', '--input', inbox, '--store', store, '--follow', '--idle-ms', '100', '--batch-size', '1000', '--json']);
    try {
      await eventually('the first file but its unterminated last line', async () => ((await committed(store)).records === 29 ? true : null));
      // A later file: the writer has finished the first one, whose last line is then consumed.
      writeFileSync(path.join(inbox, '0002.ndjson'), text(lines.slice(30, 40)));
      const c = await eventually('both files committed', async () => {
        const s = await committed(store);
        return s.records === 40 ? s : null;
      });
      assert.equal(c.checkpoints.get('0001.ndjson'), Buffer.byteLength(text(lines.slice(0, 29)) + lines[29]));
      assert.equal(c.checkpoints.has('.0002.ndjson.tmp'), false, 'hidden files are not read');
    } finally {
      child.child.kill('SIGTERM');
    }
    const r = await child.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).events_read, 40);
  });

  it('without --follow, a directory stands for its files in name order (hidden ones skipped), read once', async () => {
    const root = fresh('dir-once');
    const inbox = path.join(root, 'inbox');
    mkdirSync(inbox, { recursive: true });
    writeFileSync(path.join(inbox, 'b.ndjson'), text(lines.slice(20, 40)));
    writeFileSync(path.join(inbox, 'a.ndjson'), text(lines.slice(0, 20)));
    writeFileSync(path.join(inbox, '.c.ndjson'), text(lines.slice(40, 60)));
    const store = path.join(root, 'store');
    assert.equal((await runJson(store, inbox)).summary.events_read, 40);
    assert.deepEqual([...(await committed(store)).checkpoints.keys()].sort(), ['a.ndjson', 'b.ndjson']);
    const ref = await reference([{ name: 'a.ndjson', bytes: text(lines.slice(0, 20)) }, { name: 'b.ndjson', bytes: text(lines.slice(20, 40)) }]);
    assert.equal((await dump(store)).membership, ref.membership, 'a before b, as if named in that order');
  });

  it('needs exactly one --input', async () => {
    const r = await cli(['run', '--input', 'a', 'b', '--store', fresh('x'), '--follow']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--follow takes exactly one --input/);
  });
});
