/** As-of positions: what a typed value means, and which batches a position admits. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admitsBatch, parseAsOf, type AsOf } from '../../src/domain/as-of.ts';
import { parseIso } from '../../src/domain/time.ts';

const at = (raw: string): AsOf => {
  const a = parseAsOf(raw);
  assert.ok(a !== null, raw);
  return a;
};

describe('parseAsOf', () => {
  it('reads decimal digits as a log sequence, 0 included', () => {
    assert.deepEqual(parseAsOf('0'), { kind: 'sequence', sequence: 0 });
    assert.deepEqual(parseAsOf('812'), { kind: 'sequence', sequence: 812 });
  });

  it('reads a strict ISO-8601 time with a timezone as an instant', () => {
    assert.deepEqual(parseAsOf('2026-01-03T10:00:00Z'), { kind: 'time', time: '2026-01-03T10:00:00Z', epoch: parseIso('2026-01-03T10:00:00Z') });
    const shifted = at('2026-01-03T12:00:00+02:00');
    assert.equal(shifted.kind === 'time' && shifted.epoch, parseIso('2026-01-03T10:00:00Z'));
  });

  it('refuses signs, exponents, bare dates, times without a timezone and text', () => {
    for (const bad of ['', '-1', '+1', '1e3', '1.5', ' 5', '2026-01-03', '2026-01-03T10:00:00', '2026-01-03 10:00:00Z', 'now', '1234567890123456']) {
      assert.equal(parseAsOf(bad), null, JSON.stringify(bad));
    }
  });
});

describe('admitsBatch', () => {
  it('admits a batch by sequence only when its last event is at or below the position', () => {
    assert.equal(admitsBatch(at('10'), { lastSequence: 10, eventTimes: [] }), true);
    assert.equal(admitsBatch(at('10'), { lastSequence: 11, eventTimes: [] }), false);
  });

  it('admits a batch by time only when every event is at or before the instant, whatever its text', () => {
    const batch = (...eventTimes: string[]) => ({ lastSequence: 1, eventTimes });
    assert.equal(admitsBatch(at('2026-01-03T10:00:00Z'), batch('2026-01-03T10:00:00Z', '2026-01-03T09:00:00Z')), true);
    assert.equal(admitsBatch(at('2026-01-03T10:00:00Z'), batch('2026-01-03T09:00:00Z', '2026-01-03T10:00:00.001Z')), false);
    assert.equal(admitsBatch(at('2026-01-03T11:00:00+01:00'), batch('2026-01-03T10:00:00Z')), true);
    assert.equal(admitsBatch(at('2026-01-03T10:59:59+01:00'), batch('2026-01-03T10:00:00Z')), false);
    assert.equal(admitsBatch(at('2026-01-03T10:00:00Z'), batch()), true, 'an empty batch changes nothing');
  });

  it('ends the prefix at an event time it cannot read', () => {
    assert.equal(admitsBatch(at('2100-01-01T00:00:00Z'), { lastSequence: 1, eventTimes: ['not a time'] }), false);
  });
});
