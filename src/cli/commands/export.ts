/** `campaigns export stix`: the live campaigns as a STIX 2.1 bundle (adapters/stix/bundle.ts). */
import { buildStixBundle, stixLabel, type StixCampaign, type StixSkip } from '../../adapters/stix/bundle.ts';
import { allRows, type CampaignRow } from '../../domain/tables.ts';
import { labelsUpTo } from '../../pipeline/label-scan.ts';
import { tablesAsOf } from '../../pipeline/tables-as-of.ts';
import { UsageError } from '../args.ts';
import { asOfOption } from '../as-of-option.ts';
import { defineCommand } from '../command.ts';
import { emit } from '../io.ts';
import { readStoreOption, storesToRead } from '../read-store.ts';
import { domainOption } from '../store-dir.ts';

const FORMATS = ['stix'] as const;

/** One stderr line per kind of value left out, so a large export does not print thousands. */
function skippedSummary(skipped: readonly StixSkip[]): string {
  const byReason = new Map<string, StixSkip[]>();
  for (const s of skipped) {
    const key = `${s.kind === 'c2_endpoint' ? 'C2 endpoints' : 'payload hashes'}: ${s.reason}`;
    byReason.set(key, [...(byReason.get(key) ?? []), s]);
  }
  return [...byReason].map(([key, list]) =>
    `campaigns export: left out ${list.length} ${key} (e.g. ${JSON.stringify(list[0].value)} of campaign ${list[0].campaign_uuid})\n`).join('');
}

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'export the live campaigns for threat-intelligence platforms (STIX 2.1)',
  usage: 'stix --store <dir|postgres://…> [--as-of SEQ|TIME] [--min-identities N] [--domain NAME]',
  description:
    'Prints one STIX 2.1 bundle (JSON) with a campaign per live campaign (named and labelled by the analyst\n' +
    'label overrides standing on it), its C2 endpoints and payload hashes as\n' +
    'observables, an indicator for each, and the relationships between them. Ids are deterministic and\n' +
    'timestamps come from the log, so the same tables give the same bundle. C2 endpoints and payload hashes\n' +
    'that fit no STIX observable are left out and counted on stderr. docs/ANALYSTS.md says how to import\n' +
    "it into OpenCTI and MISP. Without --domain, every domain's campaigns go into the one bundle.",
  options: {
    _: { type: 'strings', required: true, placeholder: 'format', description: `the export format: ${FORMATS.join(', ')}` },
    store: readStoreOption,
    'as-of': asOfOption,
    'min-identities': {
      type: 'integer', min: 1, default: 1, placeholder: 'N', description: 'only campaigns with at least N live identities',
    },
    domain: domainOption,
  },
  async run(opts, { io }) {
    if (opts._.length !== 1 || !(FORMATS as readonly string[]).includes(opts._[0])) {
      throw new UsageError(`expected one export format (${FORMATS.join(', ')}), got ${opts._.map((f) => `'${f}'`).join(' ')}`);
    }
    const asOf = opts['as-of'] === undefined ? undefined : asOfOption.parse(opts['as-of']);
    const campaigns: StixCampaign[] = [];
    for await (const { domain, store } of storesToRead(opts.store, opts.domain)) {
      let rows: readonly CampaignRow[];
      let sequence: number;
      if (asOf === undefined) {
        // The stored tables may lag the log: the labels are read up to where the tables are.
        [rows, sequence] = await Promise.all([store.tables.rows(), store.tables.sequence()]);
      } else {
        const past = await tablesAsOf(store.log, asOf, store.tableCheckpoints);
        [rows, sequence] = [allRows(past.tables), past.sequence];
      }
      const labels = await labelsUpTo(store.log, sequence);
      for (const row of rows) campaigns.push({ row, domain, ...stixLabel(labels.get(row.uuid)) });
    }
    const { bundle, skipped } = buildStixBundle(campaigns, { minIdentities: opts['min-identities'] });
    await emit(io.stdout, JSON.stringify(bundle) + '\n');
    if (skipped.length > 0) await emit(io.stderr, skippedSummary(skipped));
    return 0;
  },
});
