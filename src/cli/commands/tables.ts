/** `campaigns tables`: the campaign tables, as JSON or as a readable table. */
import { allRows, type CampaignRow } from '../../domain/tables.ts';
import { tablesAsOf } from '../../pipeline/tables-as-of.ts';
import { asOfOption } from '../as-of-option.ts';
import { defineCommand } from '../command.ts';
import { emit } from '../io.ts';
import { domainName, type Domain } from '../../domain/domains.ts';
import { readStoreOption, storesToRead } from '../read-store.ts';
import { domainOption } from '../store-dir.ts';

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

/** A row as printed: with its `domain` (last) outside the default domain. */
type PrintedRow = CampaignRow & { readonly domain?: string };

/** The readable table; a `domain` column first once any row is outside the default domain. */
function readable(rows: readonly PrintedRow[]): string {
  if (rows.length === 0) return 'no campaigns\n';
  const columns: ReadonlyArray<[string, (r: PrintedRow) => string]> = rows.some((r) => r.domain !== undefined)
    ? [['domain', (r) => domainName(r.domain ?? null)], ...COLUMNS]
    : COLUMNS;
  const cells = rows.map((r) => columns.map(([, cell]) => cell(r)));
  const widths = columns.map(([h], k) => Math.max(h.length, ...cells.map((c) => c[k].length)));
  const line = (values: readonly string[]) => values.map((v, k) => v.padEnd(widths[k])).join('  ').trimEnd() + '\n';
  return line(columns.map(([h]) => h)) + cells.map(line).join('');
}

const inDomain = (domain: Domain) => (r: CampaignRow): PrintedRow => (domain === null ? r : { ...r, domain });

export const tablesCommand = defineCommand({
  name: 'tables',
  summary: 'print the campaign tables',
  usage: '--store <dir|postgres://…> [--json] [--domain NAME] [--as-of SEQ|TIME]',
  description:
    'Prints every campaign row, sorted by uuid: a readable table, or with --json one JSON array of rows.\n' +
    "Without --domain, every domain's rows: the default domain's first, then each other domain's in name\n" +
    'order, each carrying "domain".\n\n' +
    'With --as-of, the tables as they were at that position of the log (of each domain: every domain has\n' +
    'its own sequences), folded from the log: never half a batch.',
  options: {
    store: readStoreOption,
    json: { type: 'boolean', description: 'print a JSON array of campaign rows' },
    domain: domainOption,
    'as-of': asOfOption,
  },
  async run(opts, { io }) {
    const asOf = opts['as-of'] === undefined ? undefined : asOfOption.parse(opts['as-of']);
    const rows: PrintedRow[] = [];
    for await (const { domain, store } of storesToRead(opts.store, opts.domain)) {
      const stored = asOf === undefined ? await store.tables.rows() : allRows((await tablesAsOf(store.log, asOf, store.tableCheckpoints)).tables);
      for (const r of stored.map(inDomain(domain))) rows.push(r);
    }
    await emit(io.stdout, opts.json ? JSON.stringify(rows) + '\n' : readable(rows));
    return 0;
  },
});
