/** `campaigns events`: the campaign event log as NDJSON. */
import { eventPages, PAGE_SIZE } from '../../pipeline/log-reader.ts';
import { defineCommand } from '../command.ts';
import { emit } from '../io.ts';
import { readStoreOption, storesToRead } from '../read-store.ts';
import { domainOption } from '../store-dir.ts';
import type { EventLog } from '../../ports/event-log.ts';
import type { OutStream } from '../io.ts';

export const eventsCommand = defineCommand({
  name: 'events',
  summary: 'print the campaign event log as NDJSON',
  usage: '--store <dir|postgres://…> [--from SEQ] [--domain NAME]',
  description:
    'Prints one campaign event envelope per line, in sequence order, from sequence SEQ inclusive. Every domain\n' +
    "has its own log and sequences: without --domain, the default domain's log comes first, then each other\n" +
    "domain's in name order (their events carry \"domain\"); --from applies to each.",
  options: {
    store: readStoreOption,
    from: { type: 'integer', min: 1, default: 1, placeholder: 'SEQ', description: 'first sequence to print' },
    domain: domainOption,
  },
  async run(opts, { io }) {
    for await (const { store } of storesToRead(opts.store, opts.domain)) await printLog(store.log, opts.from, io.stdout);
    return 0;
  },
});

async function printLog(log: EventLog, from: number, out: OutStream): Promise<void> {
  const serialized = log.readSerialized?.bind(log);
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
  for await (const page of eventPages(log, from)) {
    await emit(out, page.map((e) => JSON.stringify(e) + '\n').join(''));
  }
}
