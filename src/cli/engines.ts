/** The engine the CLI runs: the domain's CampaignEngine with a named scoring profile. */
import type { Domain } from '../domain/domains.ts';
import { createEngine, restoreEngine } from '../domain/engine.ts';
import { isProfileName, LATEST_DEFAULT_PROFILE, PROFILE_NAMES, profileByName } from '../domain/profile.ts';
import type { EngineFactory } from '../pipeline/engine-factory.ts';
import { UsageError } from './args.ts';

/**
 * Engines for the profile a user named (`default` = the newest default), or, with no name, for
 * the newest default unless the store says otherwise (`requested: false`).
 */
export function enginesFor(name: string | undefined, domain: Domain = null): EngineFactory {
  if (name !== undefined && !isProfileName(name)) {
    throw new UsageError(`unknown scoring profile '${name}' (known: ${PROFILE_NAMES.join(', ')})`);
  }
  return factory(name === undefined ? LATEST_DEFAULT_PROFILE.name : profileByName(name).name, name !== undefined, domain);
}

/** Engines of one clustering domain (null: the default domain's, which are the engines of before domains). */
function factory(profileName: string, requested: boolean, domain: Domain): EngineFactory {
  const profile = profileByName(profileName);
  return {
    profile: profile.name,
    requested,
    withProfile: (other) => factory(other, requested, domain),
    create: () => createEngine({ profile, domain }),
    restore: (snapshot) => restoreEngine(snapshot, { profile, domain }),
  };
}

/** The `--profile` option, shared by the commands that cluster into a store. */
export const profileOption = {
  type: 'string',
  placeholder: 'name',
  description: `scoring profile: ${PROFILE_NAMES.join(', ')} ('default' is ${LATEST_DEFAULT_PROFILE.name}); ` +
    'without it a new store takes the newest default and an existing store keeps the one it recorded',
} as const;

/** Engines when no profile is named: the newest default for a new store, else the store's. */
export const campaignEngines: EngineFactory = enginesFor(undefined);
