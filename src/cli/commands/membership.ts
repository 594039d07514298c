/** `campaigns membership`: every active identity with its canonical live campaign. */
import type { Membership } from '../../domain/engine-api.ts';
import { membershipOf, tablesFromRows } from '../../domain/tables.ts';
import { tablesAsOf } from '../../pipeline/tables-as-of.ts';
import { asOfOption } from '../as-of-option.ts';
import { defineCommand } from '../command.ts';
import { emit } from '../io.ts';
import { readStoreOption, storesToRead } from '../read-store.ts';
import { domainOption } from '../store-dir.ts';

export const membershipCommand = defineCommand({
  name: 'membership',
  summary: 'print each active identity and its campaign as NDJSON',
  usage: '--store <dir|postgres://…> [--domain NAME] [--as-of SEQ|TIME]',
  description:
    'Prints {"identity_uuid", "campaign_uuid"} for every active identity, sorted by identity uuid, where the\n' +
    'campaign is the canonical live one (merges followed). Derived from the tables alone, without the engine.\n' +
    "Without --domain, every domain's identities: the default domain's first, then each other domain's in\n" +
    'name order, whose lines add "domain" (an identity is a domain and a uuid).\n\n' +
    'With --as-of, the membership as it was at that position of the log (see `campaigns tables --help`).',
  options: {
    store: readStoreOption,
    domain: domainOption,
    'as-of': asOfOption,
  },
  async run(opts, { io }) {
    const asOf = opts['as-of'] === undefined ? undefined : asOfOption.parse(opts['as-of']);
    for await (const { domain, store } of storesToRead(opts.store, opts.domain)) {
      const line = (m: Membership): string => JSON.stringify(
        domain === null
          ? { identity_uuid: m.identity_uuid, campaign_uuid: m.campaign_uuid }
          : { identity_uuid: m.identity_uuid, campaign_uuid: m.campaign_uuid, domain },
      ) + '\n';
      if (asOf === undefined && store.tables.membership !== undefined) {
        // Streamed from the store a page at a time: a million identities never sit in memory.
        for await (const page of store.tables.membership()) await emit(io.stdout, page.map(line).join(''));
        continue;
      }
      const tables = asOf === undefined
        ? tablesFromRows(await store.tables.rows(), await store.tables.sequence())
        : (await tablesAsOf(store.log, asOf, store.tableCheckpoints)).tables;
      const lines = membershipOf(tables).map(line);
      for (let k = 0; k < lines.length; k += 5_000) await emit(io.stdout, lines.slice(k, k + 5_000).join(''));
    }
    return 0;
  },
});
