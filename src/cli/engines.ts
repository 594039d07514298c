/** The engine the CLI runs: the domain's CampaignEngine with its default scoring profile. */
import { createEngine, restoreEngine } from '../domain/engine.ts';
import type { EngineFactory } from '../pipeline/engine-factory.ts';

export const campaignEngines: EngineFactory = {
  create: () => createEngine(),
  restore: (snapshot) => restoreEngine(snapshot),
};
