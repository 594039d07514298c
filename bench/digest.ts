/**
 * Log digest: sha256 over JSON.stringify(event) + '\n' for every campaign event the engine emits
 * on a corpus in 1,000-event batches. Guards byte-identity of the log across engine changes.
 * Usage: tsx bench/digest.ts [identities=20000] [--profile=default|reference] [--corpus=bench|dense]
 *        [--snapshot-at=<batch>]
 */
import { createHash } from 'node:crypto';
import { createEngine, restoreEngine, type CampaignEngine } from '../src/domain/engine.ts';
import { profileByName } from '../src/domain/profile.ts';
import { benchCorpus } from './corpus.ts';
import { denseCorpus } from './dense-corpus.ts';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const n = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 20_000);
const snapAt = Number(flag('snapshot-at') ?? -1);
const profile = profileByName(flag('profile') ?? 'default');
const corpus = flag('corpus') ?? 'bench';
const events = corpus === 'dense' ? denseCorpus(n).events : benchCorpus(n);
let engine: CampaignEngine = createEngine({ profile });
const h = createHash('sha256');
let count = 0;
for (let i = 0, b = 0; i < events.length; i += 1000, b++) {
  if (b === snapAt) engine = restoreEngine(JSON.parse(JSON.stringify(engine.snapshot())), { profile });
  const slice = events.slice(i, i + 1000).map((event, j) => ({ position: `b:${i + j}`, event }));
  const out = engine.applyBatch(slice, { from: 'b:' + i, to: 'b:' + (i + 1000) });
  for (const e of out.events) { h.update(JSON.stringify(e) + '\n'); count++; }
}
console.log(h.digest('hex'), count, `largest=${engine.status().largest_campaign}`);
