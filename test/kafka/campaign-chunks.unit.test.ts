/**
 * A published run in acknowledgeable chunks (campaign-messages.ts): every message once, in
 * sequence order per topic; each chunk within the byte budget (an event alone may exceed it);
 * a row in the chunk of its last change, so that once a chunk is acknowledged everything up to
 * its `through` sequence is out and the outbox cursor may move there.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { campaignChunks } from '../../src/adapters/kafka/campaign-messages.ts';
import { messageBytes } from '../../src/adapters/kafka/producer.ts';
import { campaignRun } from './support/campaign-runs.ts';

const o = { topics: { events: 'ev', assignments: 'as', table: 'tb' }, source: 'test' };
const header = (h: Record<string, string | Buffer>, k: string): string => String(h[k]);

describe('campaign chunks', () => {
  const run = campaignRun(300);

  it('hold every message once, in sequence order, each chunk within the budget', () => {
    for (const budget of [4_000, 20_000, 1 << 20]) {
      const chunks = campaignChunks(o, null, run.events, run.rows, budget);
      const seqs = chunks.flatMap((c) => c.batches[0].messages.map((m) => Number(header(m.headers, 'ce_sequence'))));
      assert.deepEqual(seqs, run.events.map((e) => e.sequence));
      const rows = chunks.flatMap((c) => c.batches[2].messages.map((m) => String(m.key)));
      assert.deepEqual([...rows].sort(), run.rows.map((r) => r.row.uuid).sort());
      for (const c of chunks) {
        const bytes = c.batches.reduce((n, b) => n + b.messages.reduce((k, m) => k + messageBytes(m), 0), 0);
        assert.ok(bytes <= budget || c.batches[0].messages.length === 1, `chunk through ${c.through}: ${bytes} bytes`);
      }
      assert.equal(chunks[chunks.length - 1].through, run.events[run.events.length - 1].sequence);
      if (budget === 4_000) assert.ok(chunks.length > 5);
    }
  });

  it('put a row in the chunk that holds its last change: acknowledged through a sequence, every row up to it is out', () => {
    const chunks = campaignChunks(o, null, run.events, run.rows, 4_000);
    let previous = 0;
    for (const c of chunks) {
      for (const m of c.batches[2].messages) {
        const changed = Number(header(m.headers, 'ce_sequence'));
        assert.ok(changed > previous && changed <= c.through, `row changed at ${changed} in the chunk (${previous}, ${c.through}]`);
      }
      previous = c.through;
    }
  });
});
