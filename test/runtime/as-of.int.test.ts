/**
 * Time travel on a real SQLite store: `tables --as-of` and `membership --as-of` print exactly
 * the fold of the log prefix the position selects, for any position. The expected prefix is
 * computed here from the printed log and the batch records by the rule itself (first event
 * after T; largest batch end at or below), not by the code under test. A second store of the
 * same input keeps table checkpoints every few hundred events (the default is 250,000): its
 * answers, folded from a checkpoint, must be the same bytes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { openStoreForReading } from '../../src/cli/store-dir.ts';
import type { CampaignEvent } from '../../src/domain/campaign-events.ts';
import { allRows, emptyTables, foldAll, membershipOf } from '../../src/domain/tables.ts';
import { identityLines, writeLines } from './support/identity-stream.ts';
import { cli, ingest } from './support/store-run.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-as-of-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const store = path.join(dir, 'store');
const checkpointed = path.join(dir, 'checkpointed');

/**
 * The second half of the input is dated ten days before the first, so batch times fall back
 * along the log: a time position must stop at the first later event, not filter by time.
 */
function inputLines(): string[] {
  const lines = identityLines({ seed: 11, events: 1200 });
  const half = Math.floor(lines.length / 2);
  return lines.map((line, k) => {
    if (k < half) return line;
    const e = JSON.parse(line) as { time: string };
    e.time = new Date(Date.parse(e.time) - 10 * 86_400_000).toISOString().replace('.000Z', 'Z');
    return JSON.stringify(e);
  });
}

let events: CampaignEvent[] = [];
/** Sequence of the last event of every batch, 0 (the empty prefix) first. */
let batchEnds: number[] = [];

before(async () => {
  const input = writeLines(path.join(dir, 'events.ndjson'), inputLines());
  const r = await ingest(store, [input], { batchSize: 40 });
  assert.ok(r.summary.batches > 20, `only ${r.summary.batches} batches`);
  await ingest(checkpointed, [input], { batchSize: 40, checkpointMinEvents: 20, tablesEvery: 3 });
  const printed = await cli(['events', '--store', store]);
  assert.equal(printed.code, 0, printed.stderr);
  events = printed.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as CampaignEvent);
  const s = openStoreForReading(store);
  try {
    batchEnds = [0, ...(await s.log.batches(1, 100_000)).map((b) => b.first_sequence + b.event_count - 1)];
    assert.deepEqual(await s.tableCheckpoints.list(), []);
  } finally {
    s.close();
  }
  const c = openStoreForReading(checkpointed);
  try {
    const cps = await c.tableCheckpoints.list();
    assert.ok(cps.length >= 5, `${cps.length} checkpoints of ${events.length} events`);
    const latest = Math.max(...events.map((e) => Date.parse(e.time))) / 1000;
    assert.ok(cps.some((cp) => cp.maxTime !== null && cp.maxTime < latest), 'a checkpoint serves time positions');
  } finally {
    c.close();
  }
  const times = events.map((e) => Date.parse(e.time));
  assert.ok(times.some((t, k) => k > 0 && t < times[k - 1]), 'the fixture log has times that fall back');
  assert.ok(batchEnds.some((end, k) => k > 0 && end - batchEnds[k - 1] > 1), 'the fixture has batches of several events');
});

const roundDown = (sequence: number): number => Math.max(...batchEnds.filter((end) => end <= sequence));

function expectedPrefix(asOf: { sequence: number } | { time: string }): number {
  if ('sequence' in asOf) return roundDown(asOf.sequence);
  const t = Date.parse(asOf.time);
  const after = events.find((e) => Date.parse(e.time) > t);
  return roundDown(after === undefined ? events.length : after.sequence - 1);
}

function foldedPrefix(end: number) {
  const tables = emptyTables();
  foldAll(tables, events.slice(0, end));
  return tables;
}

/** What the command prints at `asOf`, the same from the store with checkpoints as from the one without. */
async function printed(command: 'tables' | 'membership', asOf: string): Promise<string> {
  const run = (s: string) => cli(command === 'tables' ? ['tables', '--store', s, '--json', '--as-of', asOf] : ['membership', '--store', s, '--as-of', asOf]);
  const [r, c] = [await run(store), await run(checkpointed)];
  assert.equal(r.code, 0, r.stderr);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(c.stdout, r.stdout, `${command} --as-of ${asOf}: a store with checkpoints prints the same`);
  return r.stdout;
}

const membershipText = (end: number): string =>
  membershipOf(foldedPrefix(end)).map((m) => JSON.stringify({ identity_uuid: m.identity_uuid, campaign_uuid: m.campaign_uuid }) + '\n').join('');

/** A position as typed: a sequence (inside batches, on their ends, past the head), or a time near an event's. */
const positions = (): fc.Arbitrary<{ text: string; asOf: { sequence: number } | { time: string } }> => fc.oneof(
  fc.integer({ min: 0, max: events.length + 5 }).map((sequence) => ({ text: String(sequence), asOf: { sequence } })),
  fc.tuple(fc.integer({ min: 0, max: events.length - 1 }), fc.constantFrom(-1, 0, 1)).map(([k, ms]) => {
    const time = new Date(Date.parse(events[k].time) + ms).toISOString();
    return { text: time, asOf: { time } };
  }),
);

describe('campaigns tables/membership --as-of (SQLite)', () => {
  it('tables --as-of prints the fold of the batch-aligned log prefix the position selects', async () => {
    await fc.assert(fc.asyncProperty(positions(), async ({ text, asOf }) => {
      const end = expectedPrefix(asOf);
      assert.equal(await printed('tables', text), JSON.stringify(allRows(foldedPrefix(end))) + '\n', `--as-of ${text} (prefix ${end})`);
    }), { numRuns: 40, seed: 15 });
  });

  it('membership --as-of prints the membership of that same prefix', async () => {
    await fc.assert(fc.asyncProperty(positions(), async ({ text, asOf }) => {
      const end = expectedPrefix(asOf);
      assert.equal(await printed('membership', text), membershipText(end), `--as-of ${text} (prefix ${end})`);
    }), { numRuns: 40, seed: 16 });
  });

  it('a sequence inside a batch is the end of the batch before it, never half a batch', async () => {
    const k = batchEnds.findIndex((end, i) => i > 0 && end - batchEnds[i - 1] > 1);
    const inside = batchEnds[k] - 1;
    assert.equal(await printed('tables', String(inside)), await printed('tables', String(batchEnds[k - 1])));
    assert.notEqual(await printed('tables', String(batchEnds[k])), await printed('tables', String(batchEnds[k - 1])));
  });

  it('a position past the head, in sequence or time, is the head: the tables the store holds', async () => {
    const now = await cli(['tables', '--store', store, '--json']);
    assert.equal(await printed('tables', String(events.length + 1_000)), now.stdout);
    assert.equal(await printed('tables', '2100-01-01T00:00:00Z'), now.stdout);
    assert.equal(await printed('membership', '2100-01-01T00:00:00+02:00'), (await cli(['membership', '--store', store])).stdout);
  });

  it('sequence 0 and a time before the first event are the empty tables', async () => {
    assert.equal(await printed('tables', '0'), '[]\n');
    assert.equal(await printed('tables', '2000-01-01T00:00:00Z'), '[]\n');
    assert.equal(await printed('membership', '0'), '');
  });

  it('a value that is neither a sequence nor an ISO-8601 time is a usage error naming both forms', async () => {
    for (const bad of ['-1', 'yesterday', '2026-01-01', '2026-01-01T00:00:00', '1e3', '12abc']) {
      for (const command of ['tables', 'membership']) {
        const r = await cli([command, '--store', store, '--as-of', bad]);
        assert.equal(r.code, 2, `${command} --as-of ${bad}`);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, /--as-of .*expected a log sequence \(decimal digits\) or an ISO-8601 time/);
      }
    }
  });
});
