#!/usr/bin/env node
// `npm run build` (and `prepack`): dist/ = the compiled sources with .d.ts types
// (tsconfig.build.json), plus the explorer's static files, which the HTTP adapter reads from
// beside its own module (src/web → dist/web).
import { cpSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
cpSync(path.join(root, 'src', 'web'), path.join(root, 'dist', 'web'), {
  recursive: true, filter: (f) => !f.endsWith('tsconfig.json'),
});
