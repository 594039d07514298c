/**
 * Finding poison: input events on which the engine itself fails (throws), as opposed to events
 * it refuses with a reason. Such an event would fail its batch on every redelivery and stop the
 * pipeline forever. It is found by bisection over the batch, each try on a fresh engine
 * restored from the state before the batch, then quarantined and dead-lettered; the rest of
 * the batch goes on.
 *
 * Pure apart from the engine factory: deterministic for a deterministic engine, so the same
 * batch yields the same poison on every member.
 */
import type { BatchRange } from '../../domain/campaign-events.ts';
import type { PositionedEvent } from '../../domain/identity-events.ts';
import type { EngineFactory } from '../engine-factory.ts';

export interface PoisonEvent {
  readonly position: string;
  readonly event_id: string;
  readonly error: string;
}

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * `state` is the JSON of `engine.snapshot()` taken before the batch. Returns the events to
 * hold back (in input order); empty when the batch applies cleanly (the failure was not the
 * input's).
 */
export function findPoison(
  engines: EngineFactory, state: string, events: readonly PositionedEvent[], range: BatchRange,
): PoisonEvent[] {
  const fails = (subset: readonly PositionedEvent[]): string | null => {
    try {
      engines.restore(JSON.parse(state)).applyBatch(subset, range);
      return null;
    } catch (e) {
      return describe(e);
    }
  };
  const poison: PoisonEvent[] = [];
  let remaining = [...events];
  for (let guard = 0; guard <= events.length; guard++) {
    if (remaining.length === 0 || fails(remaining) === null) break;
    // Smallest prefix that fails: its last event is (one of) the culprit(s).
    let lo = 1;
    let hi = remaining.length;
    let error = '';
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const f = fails(remaining.slice(0, mid));
      if (f !== null) hi = mid;
      else lo = mid + 1;
    }
    error = fails(remaining.slice(0, lo)) ?? 'the engine failed on this event within its batch';
    const culprit = remaining[lo - 1];
    poison.push({ position: culprit.position, event_id: culprit.event.event_id, error });
    remaining = remaining.filter((_, i) => i !== lo - 1);
  }
  return poison;
}
