/** `campaigns tables`: the campaign tables, as JSON or as a readable table. */
import type { CampaignRow } from '../../domain/tables.ts';
import { defineCommand } from '../command.ts';
import { emit } from '../io.ts';
import { openStoreForReading } from '../store-dir.ts';

const COLUMNS: ReadonlyArray<[string, (r: CampaignRow) => string]> = [
  ['campaign', (r) => r.uuid],
  ['status', (r) => r.status],
  ['identities', (r) => String(r.identity_count)],
  ['merged_into', (r) => r.merged_into ?? '-'],
  ['first_activity', (r) => r.first_activity ?? '-'],
  ['last_activity', (r) => r.last_activity ?? '-'],
  ['confidence', (r) => r.confidence.toFixed(2)],
  ['payloads', (r) => String(r.payload_hashes.length)],
  ['c2', (r) => String(r.c2_endpoints.length)],
  ['deckies', (r) => String(r.deckies.length)],
];

function readable(rows: readonly CampaignRow[]): string {
  if (rows.length === 0) return 'no campaigns\n';
  const cells = rows.map((r) => COLUMNS.map(([, cell]) => cell(r)));
  const widths = COLUMNS.map(([h], k) => Math.max(h.length, ...cells.map((c) => c[k].length)));
  const line = (values: readonly string[]) => values.map((v, k) => v.padEnd(widths[k])).join('  ').trimEnd() + '\n';
  return line(COLUMNS.map(([h]) => h)) + cells.map(line).join('');
}

export const tablesCommand = defineCommand({
  name: 'tables',
  summary: 'print the campaign tables',
  usage: '--store <dir> [--json]',
  description: 'Prints every campaign row, sorted by uuid: a readable table, or with --json one JSON array of rows.',
  options: {
    store: { type: 'string', required: true, placeholder: 'dir', description: 'store directory' },
    json: { type: 'boolean', description: 'print a JSON array of campaign rows' },
  },
  async run(opts, { io }) {
    const store = openStoreForReading(opts.store);
    try {
      const rows = await store.tables.rows();
      await emit(io.stdout, opts.json ? JSON.stringify(rows) + '\n' : readable(rows));
      return 0;
    } finally {
      store.close();
    }
  },
});
