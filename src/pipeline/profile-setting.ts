/**
 * One scoring profile per log. The profile decides which edges exist and so which events the
 * log holds; a run that continued a log with another profile would append events no replay of
 * the recorded batches reproduces, and the next restart would stop at `replay_divergence` far
 * from the cause. So the store records the profile with its first batch and every later run
 * must name the same one; re-clustering with another profile is a rebuild into a new store.
 */
import { recordedProfileName } from '../domain/profile.ts';
import { StoreError } from '../ports/errors.ts';
import type { StoreSettings } from '../ports/store-settings.ts';

/**
 * The profile a run clusters with: for an empty log, the one asked for (or, when nobody asked,
 * `fallback`, the newest default), recorded; for a log, the one it was clustered with (stores
 * from before versions say `default` or nothing: `default@1`), which an explicit request must
 * match. Throws `profile_mismatch` (not retriable: only another `--profile` or another store
 * helps).
 */
export async function settleProfile(
  settings: StoreSettings, logIsEmpty: boolean, requested: string | null, fallback: string, where: string,
): Promise<string> {
  const stored = await settings.get('scoring_profile');
  if (logIsEmpty) {
    // Nothing was clustered yet: whatever a previous, empty run recorded may change.
    const profile = requested ?? fallback;
    if (stored !== profile) await settings.set('scoring_profile', profile);
    return profile;
  }
  const clustered = recordedProfileName(stored);
  if (requested !== null && clustered !== requested) {
    throw new StoreError('profile_mismatch',
      `${where} holds a log clustered with scoring profile '${clustered}'; this run asks for '${requested}'. ` +
      `Run with --profile ${clustered} (or without --profile), or rebuild into a new store to re-cluster with '${requested}'.`);
  }
  if (stored !== clustered) await settings.set('scoring_profile', clustered);
  return clustered;
}
