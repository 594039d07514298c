/** The rules stores and replay share for table checkpoints (src/domain/table-checkpoints.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkpointDue, checkpointUsable, latestTime, MAX_TIME_SCAN_EVENTS, NO_TIME, readsTimes,
} from '../../src/domain/table-checkpoints.ts';

describe('table checkpoint rules', () => {
  it('are due once the events since the last reach max(minimum, rows)', () => {
    assert.equal(checkpointDue(249_999, 10, 250_000), false);
    assert.equal(checkpointDue(250_000, 10, 250_000), true);
    assert.equal(checkpointDue(400_000, 500_000, 250_000), false, 'more rows than events since: copying would cost more than one row per event');
    assert.equal(checkpointDue(500_000, 500_000, 250_000), true);
  });

  it('read the times back after a checkpoint and for a short first prefix, not for the whole of a large log laid out before them', () => {
    assert.equal(readsTimes(true, 5_000_000, 10, 250_000), true, 'after a checkpoint: one interval, whatever it is');
    assert.equal(readsTimes(false, 300_000, 10, 250_000), true, "a new store's first one");
    assert.equal(readsTimes(false, MAX_TIME_SCAN_EVENTS, 10, 250_000), true);
    assert.equal(readsTimes(false, MAX_TIME_SCAN_EVENTS + 1, 10, 250_000), false, 'a migrated 1M+ log: no scan inside one commit');
    assert.equal(readsTimes(false, 3_000_000, 1_600_000, 250_000), true, 'within twice an interval set by the rows');
  });

  it("keep the prefix's latest time, null for good once a time does not parse", () => {
    assert.equal(latestTime(NO_TIME, ['2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z']), Date.UTC(2026, 0, 2) / 1000);
    assert.equal(latestTime(null, ['2026-01-02T00:00:00Z']), null);
    assert.equal(latestTime(NO_TIME, ['2026-01-02T00:00:00Z', 'yesterday']), null);
  });

  it('serve a sequence at or past them, and a time only when they know every event was at or before it', () => {
    const cp = { sequence: 100, maxTime: 1_000 };
    assert.equal(checkpointUsable({ kind: 'sequence', sequence: 100 }, cp), true);
    assert.equal(checkpointUsable({ kind: 'sequence', sequence: 99 }, cp), false);
    assert.equal(checkpointUsable({ kind: 'time', time: 't', epoch: 1_000 }, cp), true);
    assert.equal(checkpointUsable({ kind: 'time', time: 't', epoch: 999 }, cp), false);
    assert.equal(checkpointUsable({ kind: 'time', time: 't', epoch: 1e12 }, { sequence: 100, maxTime: null }), false);
  });
});
