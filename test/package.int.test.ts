/**
 * The npm package as a user installs it: `npm pack` (whose prepack builds dist/), unpacked into
 * a node_modules of its own with no src/ beside it, so nothing can fall back to the TypeScript
 * sources or to tsx. Its dependencies resolve from the repository's node_modules (the scratch
 * directory lies below it), which is what an install would have put there.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORK = path.join(ROOT, '.scratch', `package-test-${process.pid}`);
const PKG = path.join(WORK, 'node_modules', 'campaign-stream');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs node in WORK without the test runner's loaders: a user's plain `node`, no tsx. */
const node = (args: readonly string[]) =>
  spawnSync(process.execPath, args, { cwd: WORK, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });

describe('the npm package', () => {
  let files: string[] = [];

  before(() => {
    mkdirSync(PKG, { recursive: true });
    // A package scope of its own: inside the repository, `campaign-stream/domain` would otherwise
    // resolve to the repository itself (Node and TypeScript resolve a package's own name first).
    writeFileSync(path.join(WORK, 'package.json'), JSON.stringify({ name: 'package-test', private: true, type: 'module' }));
    const out = execFileSync(npm, ['pack', '--json', '--pack-destination', WORK], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const [packed] = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed.files.map((f) => f.path);
    execFileSync('tar', ['xzf', path.join(WORK, packed.filename), '-C', PKG, '--strip-components=1']);
  });
  after(() => rmSync(WORK, { recursive: true, force: true }));

  it('ships compiled JavaScript with .d.ts types and no TypeScript sources, tsx only for development', () => {
    assert.ok(files.includes('dist/domain/index.js') && files.includes('dist/domain/index.d.ts'));
    assert.ok(files.includes('dist/adapters/sqlite/writer-worker.js'), 'the worker modules are compiled too');
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')), 'no sources or tests in the package');
    const manifest = JSON.parse(readFileSync(path.join(PKG, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    assert.equal(manifest.dependencies.tsx, undefined);
    // kafkajs' read-committed fix is applied where the application's kafkajs is (docs/KAFKA.md).
    assert.equal(manifest.scripts.postinstall, 'node scripts/kafkajs-fix.mjs');
    assert.ok(files.includes('scripts/kafkajs-fix.mjs'));
    assert.ok(manifest.devDependencies.tsx !== undefined);
  });

  it('runs `campaigns --help` from dist/', () => {
    const r = node([path.join(PKG, 'bin', 'campaigns.mjs'), '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\s+run\s/m);
  });

  it('runs the main job from dist/, its writer thread included, with the same log as the checkout', () => {
    const input = path.join(PKG, 'demo', 'identity-events.ndjson');
    const packaged = path.join(WORK, 'store-packaged');
    const checkout = path.join(WORK, 'store-checkout');
    const r = node([path.join(PKG, 'bin', 'campaigns.mjs'), 'run', '--input', input, '--store', packaged, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as { events_appended: number }).events_appended > 0);
    const c = node([path.join(ROOT, 'bin', 'campaigns.mjs'), 'run', '--input', input, '--store', checkout, '--json']);
    assert.equal(c.status, 0, c.stderr);
    const events = (bin: string, store: string) => node([bin, 'events', '--store', store]).stdout;
    assert.equal(events(path.join(PKG, 'bin', 'campaigns.mjs'), packaged), events(path.join(ROOT, 'bin', 'campaigns.mjs'), checkout));
  });

  it('exposes the pure engine as campaign-stream/domain, typed', () => {
    const consumer = path.join(WORK, 'consumer.mts');
    writeFileSync(consumer, [
      "import { createEngine, parseNdjsonLine, profileByName, type CampaignEvent } from 'campaign-stream/domain';",
      "import { readFileSync } from 'node:fs';",
      "const engine = createEngine({ profile: profileByName('default') });",
      "const lines = readFileSync(process.argv[2], 'utf8').split('\\n').filter((l) => l !== '');",
      'const events = lines.flatMap((line, k) => { const v = parseNdjsonLine(line); return v.ok ? [{ position: `demo:${k}`, event: v.event }] : []; });',
      "const out: readonly CampaignEvent[] = engine.applyBatch(events, { from: 'demo:0', to: `demo:${lines.length}` }).events;",
      'console.log(out.length);',
    ].join('\n'));
    writeFileSync(path.join(WORK, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, outDir: 'out', skipLibCheck: false, types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')] },
      files: ['consumer.mts'],
    }));
    const tsc = node([path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', WORK]);
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    assert.ok(existsSync(path.join(WORK, 'out', 'consumer.mjs')));
    const r = node([path.join(WORK, 'out', 'consumer.mjs'), path.join(PKG, 'demo', 'identity-events.ndjson')]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(Number(r.stdout.trim()) > 0, `the engine emitted ${r.stdout.trim()} events`);
  });
});
