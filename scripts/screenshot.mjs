#!/usr/bin/env node
// `npm run screenshot`: regenerates docs/explorer.png, the picture of the explorer in
// docs/API.md, by running the explorer's end-to-end test (headless Chromium) with its
// screenshot pointed there. Any other run of that test writes to a temporary folder.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const res = spawnSync(process.execPath, [path.join(root, 'scripts', 'run-tests.mjs'), 'test/http/explorer.e2e.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, EXPLORER_SCREENSHOT: path.join(root, 'docs', 'explorer.png') },
});
process.exit(res.status ?? 1);
