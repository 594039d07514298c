import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, restoreEngine, type CampaignEngine } from '../../src/domain/engine.ts';
import type { Engine } from '../../src/domain/engine-api.ts';
import type { PositionedEvent } from '../../src/domain/identity-events.ts';
import type { EngineFactory } from '../../src/pipeline/engine-factory.ts';
import { findPoison } from '../../src/pipeline/kafka/poison.ts';
import { simulateFixture } from '../../src/sim/scenario.ts';
import { NOISE_FLOOR } from './support/kafka-test-kit.ts';

/** The real engine, made to fail on chosen event ids (what an engine bug looks like from outside). */
function failingOn(ids: ReadonlySet<string>): EngineFactory {
  const wrap = (e: CampaignEngine): Engine => ({
    applyBatch(events, range) {
      for (const x of events) if (ids.has(x.event.event_id)) throw new RangeError(`boom on ${x.event.event_id}`);
      return e.applyBatch(events, range);
    },
    membership: () => e.membership(),
    status: () => e.status(),
    snapshot: () => e.snapshot(),
  });
  const engines: EngineFactory = { profile: 'default@1', requested: true, withProfile: () => engines, create: () => wrap(createEngine()), restore: (s) => wrap(restoreEngine(s)) };
  return engines;
}

const events: PositionedEvent[] = simulateFixture(NOISE_FLOOR, 1).emitted.events.map((event, i) => ({ position: `t/0:${i}`, event }));
const range = { from: 't/0:0', to: `t/0:${events.length}` };
const state = JSON.stringify(createEngine().snapshot());

describe('finding poison in a batch', () => {
  it('names the one event the engine fails on, with the error', () => {
    const id = events[37].event.event_id;
    const found = findPoison(failingOn(new Set([id])), state, events, range);
    assert.deepEqual(found, [{ position: 't/0:37', event_id: id, error: `RangeError: boom on ${id}` }]);
  });

  it('finds several, in input order', () => {
    const ids = [events[3], events[50], events[51]].map((e) => e.event.event_id);
    const found = findPoison(failingOn(new Set(ids)), state, events, range);
    assert.deepEqual(found.map((p) => p.position), ['t/0:3', 't/0:50', 't/0:51']);
  });

  it('finds none when the batch applies cleanly (the failure was not the input\'s)', () => {
    assert.deepEqual(findPoison(failingOn(new Set()), state, events, range), []);
  });
});
