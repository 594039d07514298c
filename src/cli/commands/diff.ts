/** `campaigns diff --store <s> --profile <other>`: what another scoring profile would change, campaign by campaign. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openRecordedFile } from '../../adapters/file/open-source.ts';
import { createKafka, DEFAULT_BROKERS, parseBrokers } from '../../adapters/kafka/client.ts';
import { IdentityPayloadDecoder } from '../../adapters/kafka/identity-payloads.ts';
import { KafkaTopicInput } from '../../adapters/kafka/kafka-topic-input.ts';
import { parseSourceName } from '../../adapters/kafka/partition-source.ts';
import { ConfluentRegistryClient } from '../../adapters/kafka/schema-registry.ts';
import { TopicReader } from '../../adapters/kafka/topic-reader.ts';
import { storedPostgresDomains } from '../../adapters/postgres/domain-catalog.ts';
import { isPostgresUrl } from '../../adapters/postgres/open.ts';
import { domainName, type Domain } from '../../domain/domains.ts';
import { recordedProfileName } from '../../domain/profile.ts';
import { StoreError } from '../../ports/errors.ts';
import type { BatchRecord } from '../../ports/event-log.ts';
import { rebuildFromTopic } from '../../pipeline/kafka/rebuild.ts';
import { diffTables, tablesAt } from '../../pipeline/profile-diff.ts';
import { reclusterRecorded } from '../../pipeline/recluster.ts';
import { UsageError } from '../args.ts';
import type { CommandContext } from '../command.ts';
import { defineCommand } from '../command.ts';
import { diffJson, diffReadable, type DomainDiff } from '../diff-report.ts';
import { enginesFor, profileOption } from '../engines.ts';
import { emit } from '../io.ts';
import { progressBar } from '../progress-bar.ts';
import { domainOption, domainStoreDir, domainsToRead, openDomainForReading, openStoreForWriting } from '../store-dir.ts';
import { openKafkaStore } from './pipeline.ts';
import { openPrevious } from './rebuild.ts';

const options = {
  store: {
    type: 'string', required: true, placeholder: 'dir|postgres://…',
    description: 'the store to compare: a store directory, or a PostgreSQL URL (a store the Kafka pipeline wrote)',
  },
  profile: { ...profileOption, required: true, description: 'the scoring profile to compare the store\'s campaigns with' },
  domain: { ...domainOption, description: "only this clustering domain ('default' for the default one); without it, every domain of the store, each on its own" },
  out: {
    type: 'string', placeholder: 'dir',
    description: 'keep the re-clustered store in this directory (new or empty); by default it is a temporary one, removed after',
  },
  brokers: { type: 'string', placeholder: 'host:port,…', description: `for a store whose batches read a Kafka topic: the brokers (env KAFKA_BROKERS; default ${DEFAULT_BROKERS})` },
  registry: { type: 'string', placeholder: 'url', description: 'for a store whose batches read a Kafka topic: the schema registry for Avro values (env SCHEMA_REGISTRY_URL)' },
  json: { type: 'boolean', description: 'print one JSON object: {"merges", "splits", "moves", "domains"}' },
} as const;

type Opts = { readonly profile: string; readonly brokers?: string; readonly registry?: string; readonly out?: string };

/** `--out` must not hold anything: the re-clustered store is written fresh. */
function scratchRoot(out: string | undefined): { dir: string; temporary: boolean } {
  if (out === undefined) return { dir: mkdtempSync(path.join(tmpdir(), 'campaigns-diff-')), temporary: true };
  let entries: string[] = [];
  try {
    entries = readdirSync(out);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`--out ${out}: ${(e as Error).message}`);
  }
  if (entries.length > 0) throw new UsageError(`--out ${out} is not empty: diff writes a fresh store there`);
  return { dir: out, temporary: false };
}

const lastSequenceOf = (b: BatchRecord): number => b.first_sequence + b.event_count - 1;
const readsTopic = (b: BatchRecord): boolean => b.segments.some((s) => s.locator.startsWith('kafka:'));

/** A domain whose store recorded nothing: nothing to re-cluster, nothing changes. */
const nothing = (domain: Domain, storeProfile: string | null, profile: string): DomainDiff => ({
  domain, store_profile: storeProfile, profile, batches: 0,
  diff: { identities: 0, campaigns_before: 0, campaigns_after: 0, merges: [], splits: [], moves: [] },
});

/**
 * One domain of a store directory whose batches read files: re-clustered from those files.
 * Null: a domain of a store written from Kafka, which only `--domain` naming it makes an error.
 */
async function diffFileDomain(
  store: string, domain: Domain, scratch: string, opts: Opts, ctx: CommandContext, o: { keep: boolean; named: boolean },
): Promise<DomainDiff | null> {
  const a = openDomainForReading(store, domain);
  const engines = enginesFor(opts.profile, domain);
  // A domain met in the input but never committed has no store yet, and no profile.
  if (a === null) return nothing(domain, null, engines.profile);
  try {
    const storeProfile = recordedProfileName(await a.settings.get('scoring_profile'));
    const last = await a.log.lastBatch();
    if (last === null) return nothing(domain, storeProfile, engines.profile);
    if (readsTopic(last)) return domain === null || o.named ? await diffTopicStore(store, domain, scratch, opts, ctx) : null;
    const target = openStoreForWriting(domainStoreDir(scratch, domain));
    const bar = progressBar(ctx.io.stderr, ctx.clock, `diff ${domainName(domain)}`);
    try {
      const { batches, tables } = await reclusterRecorded({
        log: a.log, openSource: openRecordedFile, domain: { name: domain }, engines,
        target: { ...target.store, rejects: target.rejects }, snapshotAtEnd: o.keep,
        onProgress: (p) => bar.update(p.batches, p.total, `${p.batches}/${p.total} batches`),
      }, last.index);
      bar.finish();
      const diff = await diffTables(await tablesAt(a, lastSequenceOf(last)), tables, target.store.log);
      return { domain, store_profile: storeProfile, profile: engines.profile, batches, diff };
    } finally {
      bar.finish();
      target.close();
    }
  } finally {
    a.close();
  }
}

/**
 * The default domain of a store the Kafka pipeline wrote (a directory or PostgreSQL): its
 * batches replayed from the topic they name, as `rebuild` replays them (pipeline/kafka/rebuild.ts).
 */
async function diffTopicStore(store: string, domain: Domain, scratch: string, opts: Opts, ctx: CommandContext): Promise<DomainDiff> {
  if (domain !== null) {
    throw new StoreError('unsupported', `domain ${domain} of ${store} was written from a Kafka topic: diff replays a topic's batches for the default domain only (as rebuild does)`);
  }
  const previous = await openPrevious(store);
  try {
    const last = await previous.log.lastBatch();
    const engines = enginesFor(opts.profile);
    if (last === null) return nothing(null, previous.profile, engines.profile);
    const topic = parseSourceName(last.segments[0].source)?.topic;
    if (topic === undefined) throw new StoreError('store_corrupt', `batch ${last.index} names ${last.segments[0].source}, not a topic partition`);
    const kafka = createKafka({ brokers: parseBrokers(opts.brokers ?? process.env.KAFKA_BROKERS ?? DEFAULT_BROKERS), clientId: 'campaign-stream-diff' });
    const reader = new TopicReader(kafka, topic, { groupPrefix: 'campaign-stream-diff' });
    const registryUrl = opts.registry ?? process.env.SCHEMA_REGISTRY_URL ?? null;
    const target = await openKafkaStore(domainStoreDir(scratch, null));
    const bar = progressBar(ctx.io.stderr, ctx.clock, 'diff default');
    try {
      const summary = await rebuildFromTopic({
        input: new KafkaTopicInput(reader, new IdentityPayloadDecoder(registryUrl === null ? null : new ConfluentRegistryClient(registryUrl))),
        // Only the recorded batches, each cut where it was: no batch is cut by size, no snapshot is worth its time.
        engines, target, previous, batchSize: 1, snapshotEveryRecords: Number.POSITIVE_INFINITY, recordedOnly: true,
        onProgress: (p) => bar.update(p.done, p.total, `${p.batches} batches`),
      });
      bar.finish();
      const head = await target.log.head();
      const diff = await diffTables(await tablesAt(previous, lastSequenceOf(last)), await tablesAt(target, head), target.log);
      return { domain: null, store_profile: previous.profile, profile: engines.profile, batches: summary.batches_reused, diff };
    } finally {
      bar.finish();
      await target.close();
      await reader.close();
    }
  } finally {
    await previous.close();
  }
}

export const diffCommand = defineCommand({
  name: 'diff',
  summary: 'compare the store\'s campaigns with those another scoring profile would make of the same input',
  usage: '--store <dir|postgres://…> --profile <name> [--domain NAME] [--out <dir>] [--json]',
  description:
    "Re-reads the input the store's batches recorded (the files, or the topic offsets), re-clusters it under\n" +
    '--profile with the same batch boundaries into a scratch store (a temporary directory, or --out to keep\n' +
    "it), and compares the two stores' final campaigns: which would merge, split, or which identities would\n" +
    'move (docs/ANALYSTS.md, "What-if: comparing profiles"). A recorded input that changed is input_changed,\n' +
    'one that is gone input_missing. Nothing is written to the store.\n\n' +
    "Without --domain every domain of the store is compared on its own (no campaign spans two domains).\n" +
    'A store the Kafka pipeline wrote is re-read from its topic (--brokers, --registry); only its default\n' +
    'domain can be compared.',
  options,
  async run(opts, ctx) {
    const engines = enginesFor(opts.profile); // an unknown profile is a usage error before anything is opened
    const scratch = scratchRoot(opts.out);
    try {
      const results: DomainDiff[] = [];
      if (isPostgresUrl(opts.store)) {
        const domain = opts.domain === undefined ? null : domainOption.parse(opts.domain);
        const others = opts.domain === undefined ? await storedPostgresDomains(opts.store) : [];
        if (others.length > 0) {
          await emit(ctx.io.stderr, `campaigns diff: the default domain only; ${others.join(', ')} not compared (diff replays a topic's batches for the default domain only)\n`);
        }
        results.push(await diffTopicStore(opts.store, domain, scratch.dir, opts, ctx));
      } else {
        const skipped: string[] = [];
        for (const domain of domainsToRead(opts.store, opts.domain)) {
          const result = await diffFileDomain(opts.store, domain, scratch.dir, opts, ctx, { keep: !scratch.temporary, named: opts.domain !== undefined });
          if (result === null) skipped.push(domainName(domain));
          else results.push(result);
        }
        if (skipped.length > 0) {
          await emit(ctx.io.stderr, `campaigns diff: ${skipped.join(', ')} not compared (written from a Kafka topic: diff replays a topic's batches for the default domain only)\n`);
        }
      }
      await emit(ctx.io.stdout, opts.json ? diffJson(results) : diffReadable(results, opts.store));
      if (!scratch.temporary) await emit(ctx.io.stderr, `campaigns diff: the store re-clustered under ${engines.profile} is in ${scratch.dir}\n`);
      return 0;
    } finally {
      if (scratch.temporary) rmSync(scratch.dir, { recursive: true, force: true });
    }
  },
});

