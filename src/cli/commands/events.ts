/** `campaigns events`: the campaign event log as NDJSON. */
import { eventPages, PAGE_SIZE } from '../../pipeline/log-reader.ts';
import { defineCommand } from '../command.ts';
import { emit } from '../io.ts';
import { domainOption, domainsToRead, openDomainForReading } from '../store-dir.ts';
import type { SqliteStore } from '../../adapters/sqlite/store.ts';
import type { OutStream } from '../io.ts';

export const eventsCommand = defineCommand({
  name: 'events',
  summary: 'print the campaign event log as NDJSON',
  usage: '--store <dir> [--from SEQ] [--domain NAME]',
  description:
    'Prints one campaign event envelope per line, in sequence order, from sequence SEQ inclusive. Every domain\n' +
    "has its own log and sequences: without --domain, the default domain's log comes first, then each other\n" +
    "domain's in name order (their events carry \"domain\"); --from applies to each.",
  options: {
    store: { type: 'string', required: true, placeholder: 'dir', description: 'store directory' },
    from: { type: 'integer', min: 1, default: 1, placeholder: 'SEQ', description: 'first sequence to print' },
    domain: domainOption,
  },
  async run(opts, { io }) {
    for (const domain of domainsToRead(opts.store, opts.domain)) {
      const store = openDomainForReading(opts.store, domain);
      if (store === null) continue;
      try {
        await printLog(store, opts.from, io.stdout);
      } finally {
        store.close();
      }
    }
    return 0;
  },
});

async function printLog(store: SqliteStore, from: number, out: OutStream): Promise<void> {
  const serialized = store.log.readSerialized?.bind(store.log);
  if (serialized !== undefined) {
    // The bytes as stored: what JSON.stringify of each event gives, without building it.
    for (let next = from; ;) {
      const page = await serialized(next, PAGE_SIZE);
      if (page.length === 0) break;
      await emit(out, page.join('\n') + '\n');
      next += page.length;
    }
    return;
  }
  for await (const page of eventPages(store.log, from)) {
    await emit(out, page.map((e) => JSON.stringify(e) + '\n').join(''));
  }
}
