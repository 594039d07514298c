#!/usr/bin/env node
// The `campaigns` executable: runs the TypeScript sources through tsx, so `npx campaigns`
// works right after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');

// Output piped into a reader that stops early (`campaigns events | head`) is not a failure.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));
