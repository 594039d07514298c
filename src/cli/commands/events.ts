/** `campaigns events`: the campaign event log as NDJSON. */
import { eventPages, PAGE_SIZE } from '../../pipeline/log-reader.ts';
import { defineCommand } from '../command.ts';
import { emit } from '../io.ts';
import { openStoreForReading } from '../store-dir.ts';

export const eventsCommand = defineCommand({
  name: 'events',
  summary: 'print the campaign event log as NDJSON',
  usage: '--store <dir> [--from SEQ]',
  description: 'Prints one campaign event envelope per line, in sequence order, from sequence SEQ inclusive.',
  options: {
    store: { type: 'string', required: true, placeholder: 'dir', description: 'store directory' },
    from: { type: 'integer', min: 1, default: 1, placeholder: 'SEQ', description: 'first sequence to print' },
  },
  async run(opts, { io }) {
    const store = openStoreForReading(opts.store);
    try {
      const serialized = store.log.readSerialized?.bind(store.log);
      if (serialized !== undefined) {
        // The bytes as stored: what JSON.stringify of each event gives, without building it.
        for (let next = opts.from; ;) {
          const page = await serialized(next, PAGE_SIZE);
          if (page.length === 0) break;
          await emit(io.stdout, page.join('\n') + '\n');
          next += page.length;
        }
        return 0;
      }
      for await (const page of eventPages(store.log, opts.from)) {
        await emit(io.stdout, page.map((e) => JSON.stringify(e) + '\n').join(''));
      }
      return 0;
    } finally {
      store.close();
    }
  },
});
