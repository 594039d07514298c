/**
 * One scoring profile per log. The profile decides which edges exist and so which events the
 * log holds; a run that continued a log with another profile would append events no replay of
 * the recorded batches reproduces, and the next restart would stop at `replay_divergence` far
 * from the cause. So the store records the profile with its first batch and every later run
 * must name the same one; re-clustering with another profile is a rebuild into a new store.
 */
import { StoreError } from '../ports/errors.ts';
import type { StoreSettings } from '../ports/store-settings.ts';

/**
 * What a log holds when the store does not say: stores written before the profile was recorded
 * were all clustered by the CLI's engine, which ran the default profile.
 */
export const UNRECORDED_PROFILE = 'default';

/**
 * Records `profile` for an empty log, or checks it against the log's. Throws `profile_mismatch`
 * (not retriable: only another `--profile` or another store helps).
 */
export async function settleProfile(settings: StoreSettings, logIsEmpty: boolean, profile: string, where: string): Promise<void> {
  const stored = await settings.get('scoring_profile');
  if (logIsEmpty) {
    // Nothing was clustered yet: whatever a previous, empty run recorded may change.
    if (stored !== profile) await settings.set('scoring_profile', profile);
    return;
  }
  const clustered = stored ?? UNRECORDED_PROFILE;
  if (clustered !== profile) {
    throw new StoreError('profile_mismatch',
      `${where} holds a log clustered with scoring profile '${clustered}'; this run asks for '${profile}'. ` +
      `Run with --profile ${clustered}, or rebuild into a new store to re-cluster with '${profile}'.`);
  }
  if (stored === null) await settings.set('scoring_profile', clustered);
}
