#!/usr/bin/env node
// `npm run screenshot`: regenerates docs/explorer.png, the picture of the explorer in
// docs/API.md, from a realistic store: the fleet_2k scenario (≈2,000 identities over 60 days:
// commodity bots, scanners and the crews of the reference fixtures) simulated and run by the
// real CLI in 1,000-event batches, then an analyst's label on its largest campaign run in as an
// override, as the pipeline would. `campaigns serve` serves it, and headless Chromium captures
// that campaign's page (label, counts, graph, timeline). Everything is made in a temporary
// folder, removed afterwards. Needs Debian's chromium (or $CHROMIUM_PATH).
//
// Usage: node scripts/screenshot.mjs [--out file.png] [--keep]   (--keep leaves the store)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const out = args.includes('--out') ? path.resolve(args[args.indexOf('--out') + 1]) : path.join(root, 'docs', 'explorer.png');
const keep = args.includes('--keep');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  console.error(`no Chromium at ${chromiumPath} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  process.exit(1);
}

const SCENARIO = path.join(root, 'scenarios', 'fleet_2k.yaml');
const work = mkdtempSync(path.join(tmpdir(), 'cs-screenshot-'));
const store = path.join(work, 'store');
const events = path.join(work, 'fleet_2k.ndjson');
const overrides = path.join(work, 'overrides.ndjson');

/** Runs the campaigns CLI; its stdout. */
function campaigns(...argv) {
  const res = spawnSync(process.execPath, [path.join(root, 'bin', 'campaigns.mjs'), ...argv], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`campaigns ${argv.join(' ')} failed (${res.status}):\n${res.stderr}`);
  return res.stdout;
}

/** `campaigns serve` on a free port; resolves with its URL and a stop function. */
function serve() {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'campaigns.mjs'), 'serve', '--store', store, '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk) => {
      text += chunk;
      const m = /on (http:\/\/[^\s]+?)\/?\s/.exec(text);
      if (m) resolve({ url: m[1], stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) });
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`campaigns serve exited (${code}):\n${text}`)));
  });
}

let server = null;
let browser = null;
try {
  console.error('simulating fleet_2k…');
  campaigns('simulate', SCENARIO, '--out', events);
  console.error('running it into a store…');
  campaigns('run', '--input', events, '--store', store, '--batch-size', '1000', '--json');

  // The campaign the picture shows: the largest, named by an analyst.
  const rows = JSON.parse(campaigns('tables', '--store', store, '--json'));
  const largest = rows.filter((r) => r.status === 'active').sort((a, b) => b.identity_count - a.identity_count || (a.uuid < b.uuid ? -1 : 1))[0];
  writeFileSync(overrides, JSON.stringify({
    type: 'analyst.label', event_id: 'ov-screenshot-label', time: largest.updated_at, campaign_uuid: largest.uuid,
    name: 'Foothold resellers', tags: ['initial-access', 'shared-c2', 'reviewed'],
    notes: 'Sells access on the deckies it breaks into; the buyers arrive within a day.', author: 'kim', reason: 'reviewed the handoffs',
  }) + '\n');
  campaigns('run', '--input', events, overrides, '--store', store, '--batch-size', '1000', '--json');

  server = await serve();
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 1500 } });
  await page.goto(`${server.url}/#/campaigns/${largest.uuid}`);
  await page.waitForFunction((uuid) => document.body.dataset.loaded === uuid && document.querySelector('#graph') !== null
    && document.querySelector('#campaign-label .label-name') !== null && document.querySelector('#as-of-range') !== null, largest.uuid);
  await page.waitForFunction(() => document.querySelector('#live')?.getAttribute('data-state') === 'live');
  await page.screenshot({ path: out });
  console.error(`wrote ${path.relative(process.cwd(), out)}: campaign ${largest.uuid} (${largest.identity_count} identities)`);
} finally {
  await browser?.close();
  await server?.stop();
  if (keep) console.error(`store kept in ${store}`);
  else rmSync(work, { recursive: true, force: true });
}
