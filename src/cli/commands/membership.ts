/** `campaigns membership`: every active identity with its canonical live campaign. */
import { membershipOf, tablesFromRows } from '../../domain/tables.ts';
import { defineCommand } from '../command.ts';
import { emit } from '../io.ts';
import { openStoreForReading } from '../store-dir.ts';

export const membershipCommand = defineCommand({
  name: 'membership',
  summary: 'print each active identity and its campaign as NDJSON',
  usage: '--store <dir>',
  description:
    'Prints {"identity_uuid", "campaign_uuid"} for every active identity, sorted by identity uuid, where the\n' +
    'campaign is the canonical live one (merges followed). Derived from the tables alone, without the engine.',
  options: {
    store: { type: 'string', required: true, placeholder: 'dir', description: 'store directory' },
  },
  async run(opts, { io }) {
    const store = openStoreForReading(opts.store);
    try {
      const tables = tablesFromRows(await store.tables.rows(), await store.tables.sequence());
      const lines = membershipOf(tables).map((m) => JSON.stringify({ identity_uuid: m.identity_uuid, campaign_uuid: m.campaign_uuid }) + '\n');
      for (let k = 0; k < lines.length; k += 5_000) await emit(io.stdout, lines.slice(k, k + 5_000).join(''));
      return 0;
    } finally {
      store.close();
    }
  },
});
