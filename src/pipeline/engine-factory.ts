/** How the runtime gets an engine: new, or restored from a snapshot (`createEngine`/`restoreEngine`). */
import type { Engine } from '../domain/engine-api.ts';

export interface EngineFactory {
  create(): Engine;
  restore(snapshot: unknown): Engine;
}
