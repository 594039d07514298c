/**
 * Log digest: sha256 over JSON.stringify(event) + '\n' for every campaign event emitted on
 * benchCorpus(n) in 1,000-event batches. Guards byte-identity of the log across engine changes.
 * Usage: tsx bench/digest.ts [identities=20000] [--snapshot-at=<batch>]
 */
import { createHash } from 'node:crypto';
import { createEngine, restoreEngine, type CampaignEngine } from '../src/domain/engine.ts';
import { benchCorpus } from './corpus.ts';

const n = Number(process.argv[2] ?? 20_000);
const snapArg = process.argv.find((a) => a.startsWith('--snapshot-at='));
const snapAt = snapArg ? Number(snapArg.split('=')[1]) : -1;
const events = benchCorpus(n);
let engine: CampaignEngine = createEngine();
const h = createHash('sha256');
let count = 0;
for (let i = 0, b = 0; i < events.length; i += 1000, b++) {
  if (b === snapAt) engine = restoreEngine(JSON.parse(JSON.stringify(engine.snapshot())));
  const slice = events.slice(i, i + 1000).map((event, j) => ({ position: `b:${i + j}`, event }));
  const out = engine.applyBatch(slice, { from: 'b:' + i, to: 'b:' + (i + 1000) });
  for (const e of out.events) { h.update(JSON.stringify(e) + '\n'); count++; }
}
console.log(h.digest('hex'), count);
