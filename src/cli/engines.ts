/** The engine the CLI runs: the domain's CampaignEngine with a named scoring profile. */
import { createEngine, restoreEngine } from '../domain/engine.ts';
import { DEFAULT_PROFILE, profileByName, PROFILES } from '../domain/profile.ts';
import type { EngineFactory } from '../pipeline/engine-factory.ts';
import { UsageError } from './args.ts';

export function enginesFor(name: string): EngineFactory {
  if (!Object.hasOwn(PROFILES, name)) {
    throw new UsageError(`unknown scoring profile '${name}' (known: ${Object.keys(PROFILES).join(', ')})`);
  }
  const profile = profileByName(name);
  return {
    profile: profile.name,
    create: () => createEngine({ profile }),
    restore: (snapshot) => restoreEngine(snapshot, { profile }),
  };
}

export const campaignEngines: EngineFactory = enginesFor(DEFAULT_PROFILE.name);

/** The `--profile` option, shared by the commands that cluster into a store. */
export const profileOption = {
  type: 'string',
  placeholder: 'name',
  description: `scoring profile: ${Object.keys(PROFILES).join(' or ')} (default ${DEFAULT_PROFILE.name}); a store keeps the one it started with`,
} as const;
