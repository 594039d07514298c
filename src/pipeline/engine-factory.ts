/** How the runtime gets an engine: new, or restored from a snapshot (`createEngine`/`restoreEngine`). */
import type { Engine } from '../domain/engine-api.ts';

export interface EngineFactory {
  /**
   * The scoring profile its engines run. A store's log is clustered with one profile for its
   * whole life: the store records it, and a run with another one is refused (settings.ts).
   */
  readonly profile: string;
  create(): Engine;
  restore(snapshot: unknown): Engine;
}
