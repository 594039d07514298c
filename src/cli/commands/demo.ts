/**
 * `campaigns demo` (`npm run demo`): the main job end to end on the bundled demo input — a week
 * on a small honeypot fleet simulated from `scenarios/demo.yaml` — into a local store, then the
 * campaigns it found. Rerunning it resumes the same store: nothing is applied twice.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CampaignRow } from '../../domain/tables.ts';
import { defineCommand, type CommandContext } from '../command.ts';
import { emit } from '../io.ts';
import { openStoreForReading } from '../store-dir.ts';
import { runCommand } from './run.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEMO_FILE = path.join(ROOT, 'demo', 'identity-events.ndjson');

function describe(rows: readonly CampaignRow[]): string {
  const live = rows.filter((r) => r.status === 'active');
  const crews = live.filter((r) => r.identity_count > 1).sort((a, b) => b.identity_count - a.identity_count || a.uuid.localeCompare(b.uuid));
  const out = [`${live.length} live campaigns: ${crews.length} with several identities, ${live.length - crews.length} single identities (scanners, lone operators)\n`];
  for (const r of crews) {
    out.push(`\ncampaign ${r.uuid}  (${r.identity_count} identities, confidence ${r.confidence.toFixed(2)})`);
    out.push(`  active     ${r.first_activity ?? '?'} → ${r.last_activity ?? '?'}`);
    out.push(`  members    ${r.members.join(', ')}`);
    if (r.c2_endpoints.length) out.push(`  c2         ${r.c2_endpoints.join(', ')}`);
    if (r.payload_hashes.length) out.push(`  payloads   ${r.payload_hashes.map((p) => p.slice(0, 12) + '…').join(', ')}`);
    out.push(`  deckies    ${r.deckies.join(', ')}`);
  }
  return out.join('\n') + '\n';
}

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'run the main job on the bundled demo input and show the campaigns',
  usage: '[--store <dir>]',
  description:
    `Clusters ${path.relative(ROOT, DEMO_FILE)} (simulated from scenarios/demo.yaml: a foothold handed from an\n` +
    'access broker to a post-exploitation crew, two operators sharing a dropper and C2, two typists with one\n' +
    'keystroke rhythm, a VPN hopper, forty scanners, and two malformed lines) into the store, then prints\n' +
    'the campaigns with more than one identity. Explore further with `campaigns events|tables|membership`.',
  options: {
    store: { type: 'string', placeholder: 'dir', description: 'store directory (default: ./demo-store)' },
    'batch-size': { type: 'integer', min: 1, default: 25, placeholder: 'N', description: 'valid events per batch' },
  },
  async run(opts, ctx: CommandContext) {
    const store = opts.store ?? 'demo-store';
    await emit(ctx.io.stdout, `demo input: ${path.relative(process.cwd(), DEMO_FILE)}\nstore:      ${store}\n\n`);
    const code = await runCommand.run({ input: [DEMO_FILE], store, 'batch-size': opts['batch-size'], 'snapshot-every': 1000, json: false }, ctx);
    if (code !== 0) return code;
    const reader = openStoreForReading(store);
    try {
      await emit(ctx.io.stdout, describe(await reader.tables.rows()));
    } finally {
      reader.close();
    }
    await emit(ctx.io.stdout, `\nnext: npx campaigns events --store ${store} | head   ·   npx campaigns serve --store ${store}\n`);
    return 0;
  },
});
