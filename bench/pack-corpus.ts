/**
 * Writes `benchCorpus(n)` packed (see `PackedCorpus`) to a file, so a benchmark process can load
 * the stream without ever holding it as objects (and without the garbage of generating it).
 * Usage: tsx bench/pack-corpus.ts <identities> <file>
 */
import { writeFileSync } from 'node:fs';
import { benchCorpus, PackedCorpus } from './corpus.ts';

const n = Number(process.argv[2]);
const file = process.argv[3];
writeFileSync(file, PackedCorpus.of(benchCorpus(n)).toBuffer());
