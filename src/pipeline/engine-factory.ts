/** How the runtime gets an engine: new, or restored from a snapshot (`createEngine`/`restoreEngine`). */
import type { Engine } from '../domain/engine-api.ts';

export interface EngineFactory {
  /**
   * The scoring profile its engines run. A store's log is clustered with one profile for its
   * whole life: the store records it, and a run with another one is refused (settings.ts).
   */
  readonly profile: string;
  /**
   * False when nobody asked for a profile: a store that has a log then keeps the profile it
   * recorded (`withProfile`), and a new store takes `profile` (the newest default).
   */
  readonly requested: boolean;
  /** The same factory for another profile (the one a store recorded). */
  withProfile(name: string): EngineFactory;
  create(): Engine;
  restore(snapshot: unknown): Engine;
}
