#!/usr/bin/env node
// The `campaigns` executable. In the npm package it runs the compiled JavaScript of dist/; in a
// checkout of the repository (where src/ is), the TypeScript sources through tsx, so `npx
// campaigns` and `npm run demo` work right after `npm ci`, with no build step and never a stale
// build. (The package ships dist/ and no src/; tsx is a development dependency only.)
import { existsSync } from 'node:fs';

const checkout = existsSync(new URL('../src/cli/main.ts', import.meta.url));
let main;
if (checkout) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}

// Output piped into a reader that stops early (`campaigns events | head`) is not a failure.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));
