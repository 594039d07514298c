// Entry of a worker thread whose module is TypeScript (a development checkout run through tsx).
// On Node 20 tsx installs its module hooks on the thread that registered them only: neither
// `register()` in bin/campaigns.mjs nor `--import tsx` reaches a worker, whose import of a .ts
// file then fails with "Unknown file extension". So this entry registers tsx itself, then
// imports the module it was started for. Compiled JavaScript (the npm package) starts its
// worker modules directly and never comes here (start-worker.ts).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__entry);
