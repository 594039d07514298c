import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HealthState } from '../../src/pipeline/kafka/health.ts';

describe('health report', () => {
  it('is ready as a connected standby, and as the owner only once every partition is caught up', () => {
    const h = new HealthState('g', 't', 5);
    assert.equal(h.report().ready, false, 'starting');
    h.connected = true;
    h.role = 'standby';
    assert.equal(h.report().ready, true);
    h.role = 'active';
    h.partitions = [0, 1];
    h.lag.set(0, 3);
    assert.equal(h.report().ready, false, 'partition 1 not measured yet');
    h.lag.set(1, 2);
    assert.deepEqual([h.report().ready, h.report().total_lag], [true, 5]);
    h.lag.set(1, 3);
    assert.deepEqual([h.report().ready, h.report().caught_up], [false, false]);
    h.connected = false;
    h.lag.set(1, 0);
    assert.equal(h.report().ready, false, 'disconnected');
  });

  it('is not live after a failure or once stopped', () => {
    const h = new HealthState('g', 't', 0);
    assert.equal(h.report().live, true);
    h.role = 'failed';
    assert.equal(h.report().live, false);
    h.role = 'stopped';
    assert.equal(h.report().live, false);
  });
});
