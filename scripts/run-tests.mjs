#!/usr/bin/env node
// `npm test`: type-check, then every test file under test/ with Node's built-in runner (via tsx).
// Services started for integration tests are stopped at the end unless they were already
// running when the run began (a developer's own services are left alone).
// Usage: node scripts/run-tests.mjs [--unit] [path-substring...]
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}

/**
 * Suites against a service no script here can start: part of a run only when their variable
 * names one (otherwise they would be a skip on every run, and nothing may skip).
 */
const NEEDS_ENV = { [path.join('test', 'stores', 'kurrentdb-event-log.int.test.ts')]: 'KURRENTDB_URL' };

let files = walk(path.join(root, 'test')).map((f) => path.relative(root, f)).sort();
files = files.filter((f) => NEEDS_ENV[f] === undefined || (process.env[NEEDS_ENV[f]] ?? '').trim() !== '');
if (unitOnly) files = files.filter((f) => f.endsWith('.unit.test.ts'));
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const services = path.join(root, 'scripts', 'services');
/** Names of the services `scripts/services status` reports as running. */
const running = () => {
  let out;
  try {
    out = execFileSync('bash', [services, 'status'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (e) {
    out = String(e.stdout ?? '');
  }
  return new Set(out.split('\n').map((l) => /^(\w+)\s+running/.exec(l)?.[1]).filter(Boolean));
};
const before = unitOnly ? new Set() : running();

console.error('type-checking…');
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root, '--noEmit'], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

/**
 * A test, hook or file that hangs fails after five minutes instead of holding the whole run until
 * CI's limit (a Kafka suite's before() hook once waited 7 minutes for nothing in a clean CI
 * clone, and the run never ended): the longest suite takes ~25 s here. Force-exit ends a file
 * whose tests are done even if something still holds the event loop. Both flags need Node
 * 20.14+ (they are left out, with a warning, on an older 20).
 */
const [major, minor] = process.versions.node.split('.').map(Number);
const guards = major > 20 || (major === 20 && minor >= 14) ? ['--test-timeout=300000', '--test-force-exit'] : [];
if (guards.length === 0) console.error(`node ${process.versions.node}: no --test-timeout/--test-force-exit, a hanging test holds the run`);

const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...guards, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=4096`.trim() },
});

if (!unitOnly && !process.env.KEEP_SERVICES) {
  for (const name of running()) {
    if (!before.has(name)) spawnSync('bash', [services, 'stop', name], { cwd: root, stdio: 'ignore' });
  }
}
process.exit(res.status ?? 1);
