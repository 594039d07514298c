/** `campaigns run`: the main job on the embedded store, over files, or following them (`--follow`). */
import { DEFAULT_IDLE_MS, FollowFeed } from '../../adapters/file/follow-feed.ts';
import { openInputs, openRecordedFile } from '../../adapters/file/open-source.ts';
import {
  DEFAULT_BATCH_SIZE, DEFAULT_SNAPSHOT_EVERY_RECORDS, DEFAULT_TABLES_EVERY_BATCHES, runIngest, type RunProgress,
} from '../../pipeline/run.ts';
import type { Domain } from '../../domain/domains.ts';
import { combineSummaries, type MultiDomainSummary, type RunSummary } from '../../pipeline/run-summary.ts';
import { UsageError } from '../args.ts';
import { defineCommand } from '../command.ts';
import { enginesFor, profileOption } from '../engines.ts';
import { emit } from '../io.ts';
import { progressBar, silentProgress } from '../progress-bar.ts';
import {
  domainStoreDir, DOMAINS_DIR, ensureDomainDir, openStoreForWriting, REJECTS_FILE, storedDomains, type WritableStore,
} from '../store-dir.ts';

const options = {
  input: {
    type: 'strings', required: true, placeholder: 'file|dir',
    description: 'identity events: NDJSON or Avro container files, read in this order (a directory: its files in name order)',
  },
  store: { type: 'string', required: true, placeholder: 'dir', description: 'store directory (created if missing)' },
  'batch-size': { type: 'integer', min: 1, default: DEFAULT_BATCH_SIZE, placeholder: 'N', description: 'valid events per batch' },
  'snapshot-every': {
    type: 'integer', min: 1, default: DEFAULT_SNAPSHOT_EVERY_RECORDS, placeholder: 'N',
    description: 'snapshot the engine after every N input records',
  },
  'tables-every': {
    type: 'integer', min: 1, default: DEFAULT_TABLES_EVERY_BATCHES, placeholder: 'N',
    description: 'write the campaign tables with every N-th batch and at the end (1: every batch)',
  },
  follow: {
    type: 'boolean',
    description: 'keep reading the one --input (a file, or a directory in name order) as it grows, until SIGINT/SIGTERM',
  },
  'idle-ms': {
    type: 'integer', min: 1, default: DEFAULT_IDLE_MS, placeholder: 'N',
    description: 'with --follow: commit a pending batch once no record has arrived for N ms',
  },
  profile: profileOption,
  json: { type: 'boolean', description: 'print the summary as one JSON object' },
} as const;

const fmt = (n: number): string => n.toLocaleString('en-US');

function readable(s: MultiDomainSummary, elapsedMs: number, store: string): string {
  const lines = [
    `read        ${fmt(s.events_read)} input records in ${fmt(s.batches)} batches (${(elapsedMs / 1000).toFixed(1)} s)`,
    `applied     ${fmt(s.events_applied)}   duplicates ${fmt(s.duplicates)}   stale ${fmt(s.stale)}   rejected ${fmt(s.rejected)}`,
    `appended    ${fmt(s.events_appended)} campaign events (log head ${fmt(s.head_sequence)})`,
    `identities  ${fmt(s.identities_active)} active`,
    `campaigns   ${fmt(s.campaigns_live)} live, ${fmt(s.campaigns_merged)} merged, largest ${fmt(s.largest_campaign)}`,
  ];
  if (s.resumed_after_batch > 0) {
    lines.push(`resumed     after batch ${s.resumed_after_batch}` +
      (s.snapshot_batch !== null ? ` (snapshot of batch ${s.snapshot_batch}` : ' (no snapshot') +
      `, ${s.rederived_batches} batches re-derived)`);
  }
  if (s.domains !== undefined) {
    lines.push(`domains     ${Object.keys(s.domains).length}: ` +
      Object.entries(s.domains).map(([d, x]) => `${d} (${fmt(x.identities_active)} identities, ${fmt(x.campaigns_live)} campaigns)`).join(', '));
    if (s.rejected > 0) lines.push(`rejects     ${store}/${REJECTS_FILE} and ${store}/${DOMAINS_DIR}/<domain>/${REJECTS_FILE}`);
  } else if (s.rejected > 0) lines.push(`rejects     ${store}/${REJECTS_FILE}`);
  return lines.join('\n') + '\n';
}

export const runCommand = defineCommand({
  name: 'run',
  summary: 'cluster identity events from files into the store',
  usage: '--input <file|dir…> --store <dir> [--batch-size N] [--tables-every N] [--follow [--idle-ms N]] [--profile NAME] [--json]',
  description:
    'Reads the input files, clusters identities into campaigns, and appends the campaign events to the\n' +
    "store's event log, one batch per transaction, and the derived campaign tables with every N-th batch\n" +
    '(--tables-every) and at the end: while a run is in progress they lag the log. A restart, or a rerun\n' +
    'with the same files, resumes after the last committed batch; a file whose consumed part has changed\n' +
    `is refused. Refused input goes to <store>/${REJECTS_FILE}; refusals alone do not fail the run.\n` +
    'The incomplete end of a file still being written is held back (with a warning), not consumed.\n\n' +
    'With --follow, the one --input is followed as it grows until SIGINT or SIGTERM, which commit what is\n' +
    'pending and exit 0. A batch then also closes when no record has arrived for --idle-ms, so batch\n' +
    'boundaries depend on timing (the log is still reproduced exactly on restart).\n\n' +
    'Events may name a clustering domain ("domain": a fleet or tenant). Each domain is clustered as if its\n' +
    `events were alone in the input, into a store of its own: <store>/${DOMAINS_DIR}/<domain>/ (the default\n` +
    'domain: <store> itself). With --follow only the default domain is clustered; a later run without it\n' +
    'clusters the others.',
  options,
  async run(opts, { io, clock }) {
    if (opts.follow && opts.input.length !== 1) throw new UsageError('--follow takes exactly one --input (a file or a directory)');
    enginesFor(opts.profile); // a bad --profile is a usage error before anything is opened
    const inputs = opts.follow ? [] : await openInputs(opts.input);
    // The default domain's store is the store directory itself, and its writer lock is held for
    // the whole run: every domain's store is written by this one process.
    const root = openStoreForWriting(opts.store, { writerThread: true });
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    if (opts.follow) {
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      await emit(io.stderr, `campaigns run: following ${opts.input[0]} (SIGINT or SIGTERM commits and stops)\n`);
    }
    // Domains: the ones the store holds, and the ones the input shows (each created at first sight).
    const known = new Set<string>(storedDomains(opts.store));
    const pending: string[] = [...known];
    const skippedWhileFollowing = new Set<string>();
    const warnings = new Set<string>();
    const onOther = (domain: Domain): void => {
      if (domain === null) return;
      if (opts.follow && !skippedWhileFollowing.has(domain)) {
        skippedWhileFollowing.add(domain);
        warnings.add(`records of domain ${domain} are not clustered while following (--follow clusters the default domain); ` +
          'a run without --follow over the same input clusters them');
      }
      if (known.has(domain)) return;
      known.add(domain);
      ensureDomainDir(opts.store, domain);
      pending.push(domain);
    };
    const started = clock.now();
    try {
      const pass = async (domain: Domain, store: WritableStore): Promise<RunSummary> => {
        const label = domain === null ? 'run' : `run ${domain}`;
        const restoreBar = progressBar(io.stderr, clock, domain === null ? 'restore' : `restore ${domain}`);
        // A followed input has no end to measure progress against.
        const ingestBar = opts.follow ? silentProgress : progressBar(io.stderr, clock, label);
        const onProgress = (p: RunProgress): void => {
          if (p.phase === 'restore') restoreBar.update(p.batches, p.total, `${fmt(p.batches)}/${fmt(p.total)} batches`);
          else {
            restoreBar.finish();
            ingestBar.update(p.bytes_done, p.bytes_total, `${fmt(p.records)} records, ${fmt(p.events_appended)} events, ${fmt(p.rejected)} rejected`);
          }
        };
        try {
          const { log, tables, snapshots, settings } = store.store;
          const result = await runIngest(
            {
              log, tables, snapshots, settings, rejects: store.rejects, engines: enginesFor(opts.profile, domain),
              inputs, openSource: openRecordedFile, clock, domain: { name: domain, onOther },
              follow: opts.follow && domain === null
                ? { feed: new FollowFeed(opts.input[0], { idleMs: opts['idle-ms'] }), signal: stop.signal } : undefined,
            },
            { batchSize: opts['batch-size'], snapshotEveryRecords: opts['snapshot-every'], tablesEveryBatches: opts['tables-every'], onProgress },
          );
          for (const w of result.warnings) warnings.add(w);
          return result.summary;
        } finally {
          restoreBar.finish();
          ingestBar.finish();
        }
      };
      const defaultSummary = await pass(null, root);
      // Each other domain: the same run over the same input, its own records only, into its own store.
      const others: Array<[string, RunSummary]> = [];
      pending.sort();
      for (let k = 0; !opts.follow && k < pending.length; k++) {
        const domain = pending[k];
        const sub = openStoreForWriting(domainStoreDir(opts.store, domain), { writerThread: true });
        try {
          others.push([domain, await pass(domain, sub)]);
        } finally {
          sub.close();
        }
      }
      others.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const summary = combineSummaries(defaultSummary, others);
      const elapsed = clock.now() - started;
      for (const w of warnings) await emit(io.stderr, `campaigns run: warning: ${w}\n`);
      await emit(io.stdout, opts.json
        ? JSON.stringify({ ...summary, elapsed_ms: elapsed }) + '\n'
        : readable(summary, elapsed, opts.store));
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      root.close();
    }
  },
});
