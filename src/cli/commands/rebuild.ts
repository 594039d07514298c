/** `campaigns rebuild --from-topic <t> --from-beginning`: a fresh event log from the whole identity history. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createKafka, DEFAULT_BROKERS, parseBrokers } from '../../adapters/kafka/client.ts';
import { IdentityPayloadDecoder } from '../../adapters/kafka/identity-payloads.ts';
import { KafkaTopicInput } from '../../adapters/kafka/kafka-topic-input.ts';
import type { QuarantineView } from '../../ports/topic-input.ts';
import { ConfluentRegistryClient } from '../../adapters/kafka/schema-registry.ts';
import { TopicReader } from '../../adapters/kafka/topic-reader.ts';
import { readPostgresQuarantine } from '../../adapters/postgres/kafka-side-store.ts';
import { isPostgresUrl, openPostgresStore } from '../../adapters/postgres/open.ts';
import { readSqliteQuarantine } from '../../adapters/sqlite/kafka-side-store.ts';
import type { EventLog } from '../../ports/event-log.ts';
import type { QuarantineEntry } from '../../ports/pipeline-state.ts';
import type { TableReader } from '../../ports/table-sink.ts';
import { rebuildFromTopic, type RebuildSummary } from '../../pipeline/kafka/rebuild.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_SNAPSHOT_EVERY_RECORDS } from '../../pipeline/run.ts';
import { recordedProfileName } from '../../domain/profile.ts';
import { UsageError } from '../args.ts';
import { defineCommand } from '../command.ts';
import { enginesFor, profileOption } from '../engines.ts';
import { emit } from '../io.ts';
import { progressBar } from '../progress-bar.ts';
import { openStoreForReading, STORE_FILE } from '../store-dir.ts';
import { openKafkaStore } from './pipeline.ts';

export interface PreviousStore {
  readonly log: EventLog;
  readonly tables: TableReader;
  readonly quarantine: QuarantineView;
  /** The scoring profile its log was clustered with (see pipeline/profile-setting.ts). */
  readonly profile: string;
  close(): Promise<void>;
}

const viewOf = (entries: readonly QuarantineEntry[]): QuarantineView => {
  const m = new Map(entries.map((e) => [`${e.source}@${e.offset}`, e.reason]));
  return { reasonFor: (source, offset) => m.get(`${source}@${offset}`) };
};

/** The store whose batches are reused, read-only, with the quarantine its pipeline recorded (also `campaigns diff`'s). */
export async function openPrevious(spec: string): Promise<PreviousStore> {
  const s = isPostgresUrl(spec) ? await openPostgresStore(spec, { readonly: true }) : openStoreForReading(spec);
  try {
    const entries = isPostgresUrl(spec) ? await readPostgresQuarantine(spec) : readSqliteQuarantine(spec);
    const profile = recordedProfileName(await s.settings.get('scoring_profile'));
    return { log: s.log, tables: s.tables, quarantine: viewOf(entries), profile, close: async () => { await s.close(); } };
  } catch (e) {
    await s.close();
    throw e;
  }
}

const fmt = (n: number): string => n.toLocaleString('en-US');

const options = {
  'from-topic': { type: 'string', required: true, placeholder: 'topic', description: 'the identity topic to read' },
  'from-beginning': { type: 'boolean', description: 'read the whole retained history (required: the only mode)' },
  store: { type: 'string', placeholder: 'dir|postgres://…', description: 'the existing store (env CAMPAIGNS_STORE): its batch boundaries are reused, so the same engine reproduces its log byte for byte' },
  out: { type: 'string', placeholder: 'dir|postgres://…', description: 'the fresh store to write, which must be empty (default: <store dir>.rebuilt)' },
  brokers: { type: 'string', placeholder: 'host:port,…', description: `Kafka bootstrap brokers (env KAFKA_BROKERS; default ${DEFAULT_BROKERS})` },
  registry: { type: 'string', placeholder: 'url', description: 'schema registry for Avro values (env SCHEMA_REGISTRY_URL)' },
  'batch-size': { type: 'integer', min: 1, default: DEFAULT_BATCH_SIZE, placeholder: 'N', description: 'valid events per batch after the reused ones' },
  'snapshot-every': { type: 'integer', min: 1, default: DEFAULT_SNAPSHOT_EVERY_RECORDS, placeholder: 'N', description: 'snapshot the engine after every N input records' },
  profile: { ...profileOption, description: 'scoring profile of the fresh log (default: the existing store\'s, else default)' },
  json: { type: 'boolean', description: 'print the summary as one JSON object' },
} as const;

function readable(s: RebuildSummary, out: string, elapsedMs: number): string {
  const lines = [
    `read        ${fmt(s.records)} input records in ${fmt(s.batches_reused + s.batches_new)} batches (${(elapsedMs / 1000).toFixed(1)} s)`,
    `batches     ${fmt(s.batches_reused)} with recorded boundaries, ${fmt(s.batches_new)} new`,
    `appended    ${fmt(s.events_appended)} campaign events to ${out} (head ${fmt(s.head_sequence)}); ${fmt(s.rejected)} records refused`,
  ];
  if (s.identical === true) lines.push('identical   the reused batches reproduce the previous log byte for byte');
  if (s.identical === false) lines.push(`differs     from the previous log, first at sequence ${s.first_difference} (the engine or the input changed)`);
  return lines.join('\n') + '\n';
}

export const rebuildCommand = defineCommand({
  name: 'rebuild',
  summary: 're-cluster the whole identity topic history into a fresh event log',
  usage: '--from-topic <topic> --from-beginning [--store <existing>] [--out <fresh store>] [--brokers …] [--registry …]',
  description:
    'Reads the identity topic from its earliest retained offset to its end at the start of the rebuild and\n' +
    'clusters it into a new, empty store (--out). If the existing store (--store) holds a log, its recorded\n' +
    'batches are replayed first with their exact input ranges, so the same engine reproduces that log byte\n' +
    'for byte (the summary says whether it did, or where it first differs); the rest of the topic follows in\n' +
    'batches of --batch-size. Shows a progress bar with the remaining lag on a terminal. Nothing is published.\n' +
    "--profile re-clusters with another scoring profile (the fresh store records it); by default the existing\n" +
    "store's profile is kept.",
  options,
  async run(opts, { io, clock }) {
    if (!opts['from-beginning']) throw new UsageError('--from-beginning is required (rebuilding from a later offset is not supported)');
    const existing = opts.store ?? (process.env.CAMPAIGNS_STORE?.trim() || undefined);
    let out = opts.out;
    if (out === undefined) {
      if (existing === undefined || isPostgresUrl(existing)) {
        throw new UsageError('--out is required (it defaults to <store>.rebuilt only for a store directory)');
      }
      out = `${existing.replace(/[/\\]+$/, '')}.rebuilt`;
    }
    const target = out;
    const started = clock.now();
    const brokers = parseBrokers(opts.brokers ?? process.env.KAFKA_BROKERS ?? DEFAULT_BROKERS);
    const registryUrl = opts.registry ?? process.env.SCHEMA_REGISTRY_URL ?? null;
    const kafka = createKafka({ brokers, clientId: 'campaign-stream-rebuild' });
    const reader = new TopicReader(kafka, opts['from-topic'], { groupPrefix: 'campaign-stream-rebuild' });
    // A store directory that holds no store yet has no boundaries to reuse.
    const previous = existing !== undefined && (isPostgresUrl(existing) || existsSync(path.join(existing, STORE_FILE)))
      ? await openPrevious(existing)
      : null;
    const bar = progressBar(io.stderr, clock, 'rebuild');
    try {
      // Without --profile: the previous store's (a rebuild reproduces it), else the newest default.
      const engines = enginesFor(opts.profile ?? (previous ? recordedProfileName(previous.profile) : undefined));
      const fresh = await openKafkaStore(target);
      try {
        const summary = await rebuildFromTopic({
          input: new KafkaTopicInput(reader, new IdentityPayloadDecoder(registryUrl === null ? null : new ConfluentRegistryClient(registryUrl))),
          engines,
          target: fresh,
          previous,
          batchSize: opts['batch-size'],
          snapshotEveryRecords: opts['snapshot-every'],
          onProgress: (p) => bar.update(p.done, p.total, `${fmt(p.done)}/${fmt(p.total)} records, ${fmt(p.batches)} batches, lag ${fmt(p.lag)}`),
        });
        bar.finish();
        await emit(io.stdout, opts.json
          ? JSON.stringify({ ...summary, elapsed_ms: clock.now() - started }) + '\n'
          : readable(summary, target, clock.now() - started));
        return 0;
      } finally {
        await fresh.close();
      }
    } finally {
      bar.finish();
      await previous?.close();
      await reader.close();
    }
  },
});
