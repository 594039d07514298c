/**
 * The core stays pure: no I/O, no clock, no randomness in src/domain (ARCHITECTURE.md). Same
 * input, same batching must give a byte-identical log, so any of these creeping in is a bug.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const DOMAIN = path.resolve(import.meta.dirname, '../../src/domain');
const FORBIDDEN: ReadonlyArray<[RegExp, string]> = [
  [/\bDate\.now\s*\(/, 'the wall clock'],
  [/\bnew Date\s*\(\s*\)/, 'the wall clock'],
  [/\bperformance\.now\s*\(/, 'a timer'],
  [/\bMath\.random\s*\(/, 'randomness'],
  [/\brandomUUID\b|\brandomBytes\b|\bgetRandomValues\b/, 'randomness'],
  [/\bsetTimeout\b|\bsetInterval\b|\bsetImmediate\b/, 'timers'],
  [/\bprocess\./, 'the process environment'],
  [/from ['"]node:(fs|net|http|https|dgram|child_process|worker_threads|os|dns|tls)['"]/, 'I/O'],
  [/from ['"](better-sqlite3|pg|kafkajs|@kafkajs\/[^'"]+|@kurrent\/[^'"]+)['"]/, 'an adapter library'],
  [/from ['"]\.\.\/(adapters|pipeline|cli|ports)\//, 'an outer layer'],
];

describe('src/domain is pure', () => {
  for (const file of readdirSync(DOMAIN).filter((f) => f.endsWith('.ts'))) {
    it(`${file} uses no clock, randomness, I/O or outer layer`, () => {
      const text = readFileSync(path.join(DOMAIN, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|[^:])\/\/.*$/gm, '$1');
      for (const [re, what] of FORBIDDEN) assert.doesNotMatch(text, re, `${file} reaches for ${what}`);
    });
  }
});
