/** `campaigns run`: the main job on the embedded store, over files, or following them (`--follow`). */
import { DEFAULT_IDLE_MS, FollowFeed } from '../../adapters/file/follow-feed.ts';
import { openInputs, openRecordedFile } from '../../adapters/file/open-source.ts';
import {
  DEFAULT_BATCH_SIZE, DEFAULT_SNAPSHOT_EVERY_RECORDS, DEFAULT_TABLES_EVERY_BATCHES, runIngest, type RunProgress,
} from '../../pipeline/run.ts';
import type { RunSummary } from '../../pipeline/run-summary.ts';
import { UsageError } from '../args.ts';
import { defineCommand } from '../command.ts';
import { enginesFor, profileOption } from '../engines.ts';
import { emit } from '../io.ts';
import { progressBar, silentProgress } from '../progress-bar.ts';
import { openStoreForWriting, REJECTS_FILE } from '../store-dir.ts';

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

function readable(s: RunSummary, elapsedMs: number, store: string): string {
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
  if (s.rejected > 0) lines.push(`rejects     ${store}/${REJECTS_FILE}`);
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
    'boundaries depend on timing (the log is still reproduced exactly on restart).',
  options,
  async run(opts, { io, clock }) {
    const engines = enginesFor(opts.profile);
    if (opts.follow && opts.input.length !== 1) throw new UsageError('--follow takes exactly one --input (a file or a directory)');
    const inputs = opts.follow ? [] : await openInputs(opts.input);
    const { store, rejects, close } = openStoreForWriting(opts.store, { writerThread: true });
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    if (opts.follow) {
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      await emit(io.stderr, `campaigns run: following ${opts.input[0]} (SIGINT or SIGTERM commits and stops)\n`);
    }
    const restoreBar = progressBar(io.stderr, clock, 'restore');
    // A followed input has no end to measure progress against.
    const ingestBar = opts.follow ? silentProgress : progressBar(io.stderr, clock, 'run');
    const onProgress = (p: RunProgress): void => {
      if (p.phase === 'restore') restoreBar.update(p.batches, p.total, `${fmt(p.batches)}/${fmt(p.total)} batches`);
      else {
        restoreBar.finish();
        ingestBar.update(p.bytes_done, p.bytes_total, `${fmt(p.records)} records, ${fmt(p.events_appended)} events, ${fmt(p.rejected)} rejected`);
      }
    };
    try {
      const result = await runIngest(
        {
          log: store.log, tables: store.tables, snapshots: store.snapshots, settings: store.settings, rejects, engines,
          inputs, openSource: openRecordedFile, clock,
          follow: opts.follow ? { feed: new FollowFeed(opts.input[0], { idleMs: opts['idle-ms'] }), signal: stop.signal } : undefined,
        },
        { batchSize: opts['batch-size'], snapshotEveryRecords: opts['snapshot-every'], tablesEveryBatches: opts['tables-every'], onProgress },
      );
      restoreBar.finish();
      ingestBar.finish();
      for (const w of result.warnings) await emit(io.stderr, `campaigns run: warning: ${w}\n`);
      await emit(io.stdout, opts.json
        ? JSON.stringify({ ...result.summary, elapsed_ms: result.elapsed_ms }) + '\n'
        : readable(result.summary, result.elapsed_ms, opts.store));
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      restoreBar.finish();
      ingestBar.finish();
      close();
    }
  },
});
