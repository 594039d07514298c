/**
 * Writes `benchCorpus(n)` (or `denseCorpus(n)`) packed (see `PackedCorpus`) to a file, so a benchmark process can load
 * the stream without ever holding it as objects (and without the garbage of generating it).
 * Usage: tsx bench/pack-corpus.ts <identities> <file> [bench|dense]
 */
import { writeFileSync } from 'node:fs';
import { benchCorpus, PackedCorpus } from './corpus.ts';
import { denseCorpus } from './dense-corpus.ts';

const n = Number(process.argv[2]);
const file = process.argv[3];
const events = process.argv[4] === 'dense' ? denseCorpus(n).events : benchCorpus(n);
writeFileSync(file, PackedCorpus.of(events).toBuffer());
