/**
 * What a store keeps about how its log was made, for the life of the log. Today that is the
 * scoring profile: the log is one profile's clustering, and continuing it with another would
 * append events no replay of the recorded batches can reproduce.
 */
export type StoreSettingKey = 'scoring_profile';

export interface StoreSettings {
  /** The stored value, or null when none was ever written. */
  get(key: StoreSettingKey): Promise<string | null>;
  set(key: StoreSettingKey, value: string): Promise<void>;
}
