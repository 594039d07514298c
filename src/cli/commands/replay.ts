/** `campaigns replay`: rebuild the tables from the event log alone. */
import { replayTables } from '../../pipeline/replay.ts';
import { defineCommand } from '../command.ts';
import { emit } from '../io.ts';
import { progressBar } from '../progress-bar.ts';
import { openStoreForWriting } from '../store-dir.ts';

export const replayCommand = defineCommand({
  name: 'replay',
  summary: 'rebuild the campaign tables from the event log',
  usage: '--store <dir> [--json]',
  description:
    'Folds the whole event log into fresh campaign tables and replaces the stored ones in one transaction\n' +
    '(readers see the old tables or the new, never a mix). The result equals the tables the runs wrote.',
  options: {
    store: { type: 'string', required: true, placeholder: 'dir', description: 'store directory' },
    json: { type: 'boolean', description: 'print the summary as one JSON object' },
  },
  async run(opts, { io, clock }) {
    const { store, close } = openStoreForWriting(opts.store, { mustExist: true });
    const bar = progressBar(io.stderr, clock, 'replay');
    try {
      const s = await replayTables(store.log, store.tables, (p) => bar.update(p.events, p.total, `${p.events}/${p.total} events`));
      bar.finish();
      await emit(io.stdout, opts.json
        ? JSON.stringify(s) + '\n'
        : `rebuilt ${s.rows} campaign rows from ${s.events_folded} events (through sequence ${s.sequence})\n`);
      return 0;
    } finally {
      bar.finish();
      close();
    }
  },
});
