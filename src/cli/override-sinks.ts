/**
 * Where the commands that write analyst overrides (`override`, `serve`) send them: an overrides
 * file, or the identity topic (`--brokers`, `--registry`, `--key-by`). The flags are checked
 * when the command line is read; the sink is opened when asked for, so a usage error never
 * waits for a broker.
 */
import { OverrideFile } from '../adapters/file/override-file.ts';
import { createKafka, DEFAULT_BROKERS, parseBrokers } from '../adapters/kafka/client.ts';
import { OVERRIDE_KEYINGS, OverrideProducer, type OverrideKeying } from '../adapters/kafka/override-producer.ts';
import { ConfluentRegistryClient } from '../adapters/kafka/schema-registry.ts';
import type { OverrideSink } from '../ports/override-sink.ts';
import { UsageError } from './args.ts';

/** The topic flags, shared by every command that produces overrides. */
export const overrideTopicOptions = {
  brokers: { type: 'string', placeholder: 'host:port,…', description: `with the topic: Kafka bootstrap brokers (env KAFKA_BROKERS; default ${DEFAULT_BROKERS})` },
  registry: { type: 'string', placeholder: 'url', description: 'with the topic: schema registry (env SCHEMA_REGISTRY_URL): values are then Avro, else NDJSON' },
  'key-by': { type: 'string', placeholder: 'identity|domain', description: 'with the topic: how it is keyed (default identity; domain: the topic campaigns repartition writes)' },
} as const;

export interface OverrideSinkFlags {
  readonly file?: string;
  readonly topic?: string;
  readonly brokers?: string;
  readonly registry?: string;
  readonly 'key-by'?: string;
}

/** The flags' names on the command line, for messages (`--file` or `--overrides-file`, …). */
export interface SinkFlagNames {
  readonly file: string;
  readonly topic: string;
}

const env = (name: string): string | undefined => {
  const v = process.env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
};

/** Opens the sink the flags name; null when they name none. Throws UsageError for flags that do not fit together. */
export function overrideSinkOf(flags: OverrideSinkFlags, names: SinkFlagNames, clientId: string): (() => Promise<OverrideSink>) | null {
  if (flags.file !== undefined && flags.topic !== undefined) throw new UsageError(`give one of --${names.file} and --${names.topic}, not both`);
  const topic = flags.topic;
  if (topic === undefined) {
    for (const flag of ['brokers', 'registry', 'key-by'] as const) {
      if (flags[flag] !== undefined) throw new UsageError(`--${flag} is for --${names.topic}`);
    }
    const file = flags.file;
    return file === undefined ? null : async () => new OverrideFile(file);
  }
  const keying = flags['key-by'] ?? 'identity';
  if (!(OVERRIDE_KEYINGS as readonly string[]).includes(keying)) {
    throw new UsageError(`--key-by is one of ${OVERRIDE_KEYINGS.join(', ')}, got '${keying}'`);
  }
  return () => {
    const registryUrl = flags.registry ?? env('SCHEMA_REGISTRY_URL');
    const kafka = createKafka({ brokers: parseBrokers(flags.brokers ?? env('KAFKA_BROKERS') ?? DEFAULT_BROKERS), clientId });
    return OverrideProducer.open(kafka, {
      topic, keying: keying as OverrideKeying, registry: registryUrl === undefined ? null : new ConfluentRegistryClient(registryUrl, { clientId }),
    });
  };
}
