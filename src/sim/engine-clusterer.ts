/**
 * The campaign engine as a scenario clusterer: the simulated identity events go through the
 * engine in batches of `batchSize` (incrementally, as in production), and each identity's
 * final canonical campaign is its label.
 */
import { createEngine } from '../domain/engine.ts';
import type { IdentityObserved } from '../domain/identity-events.ts';
import type { ScoringProfile } from '../domain/profile.ts';
import type { IdentityClusterer } from './scenario.ts';

export function engineClusterer(profile: ScoringProfile, batchSize = 1000): IdentityClusterer {
  return (events: IdentityObserved[]) => {
    const engine = createEngine({ profile });
    for (let i = 0; i < events.length; i += batchSize) {
      const batch = events.slice(i, i + batchSize).map((event, j) => ({ position: `sim:${i + j}`, event }));
      engine.applyBatch(batch, { from: `sim:${i}`, to: `sim:${i + batch.length}` });
    }
    return new Map(engine.membership().map((m) => [m.identity_uuid, m.campaign_uuid]));
  };
}
