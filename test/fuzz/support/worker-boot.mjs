// Entry of a fuzz worker: worker threads do not inherit the parent's `--import tsx` loader, so
// the loader is registered here before the TypeScript harness is imported.
import { register } from 'tsx/esm/api';

register();
await import('./fuzz-worker.ts');
