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
  // `from 'fs'`, `from 'node:fs/promises'`, `import 'fs'` and `import('fs')` alike (node:crypto stays allowed: hashing is pure)
  [/(?:\bfrom|\bimport)\s*\(?\s*['"](?:node:)?(?:fs|fs\/promises|net|http|https|http2|dgram|child_process|worker_threads|cluster|os|dns|tls|readline|timers|timers\/promises|perf_hooks)['"]/, 'I/O'],
  [/\brequire\s*\(/, 'require'],
  [/\bimport\s*\(/, 'a dynamic import()'],
  [/from ['"](better-sqlite3|pg|kafkajs|@kafkajs\/[^'"]+|@kurrent\/[^'"]+)['"]/, 'an adapter library'],
  [/from ['"]\.\.\/(adapters|pipeline|cli|ports)\//, 'an outer layer'],
];

describe('the purity patterns catch what they name', () => {
  for (const [sample, what] of [
    ["import { readFileSync } from 'fs';", 'I/O'], ["import { readFile } from 'node:fs/promises';", 'I/O'],
    ["import 'node:net';", 'I/O'], ["const fs = require('fs');", 'require'], ["const m = await import('./x.ts');", 'a dynamic import()'],
    ['const t = Date.now();', 'the wall clock'], ['Math.random()', 'randomness'],
  ] as const) {
    it(`flags ${sample}`, () => assert.ok(FORBIDDEN.some(([re, w]) => w === what && re.test(sample))));
  }
  it("lets node:crypto through (hashing is pure)", () => {
    assert.ok(!FORBIDDEN.some(([re]) => re.test("import { createHash } from 'node:crypto';")));
  });
});

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
