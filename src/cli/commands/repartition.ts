/** `campaigns repartition`: the identity topic → the same records keyed by domain (docs/KAFKA.md). */
import { DEFAULT_BROKERS, parseBrokers } from '../../adapters/kafka/client.ts';
import { DEFAULT_BY_DOMAIN_TOPIC } from '../../adapters/kafka/repartition-topics.ts';
import { DEFAULT_TOPICS } from '../../adapters/kafka/topics.ts';
import { defineCommand } from '../command.ts';
import { emit } from '../io.ts';
import { startRepartition } from '../wiring/repartition.ts';

/**
 * Not the pipeline's group (`campaign-stream`, CAMPAIGNS_GROUP): joining it would make the
 * repartitioner a member of the pipeline's group and take its partitions.
 */
export const DEFAULT_REPARTITION_GROUP = 'campaign-stream-repartition';

const options = {
  brokers: { type: 'string', placeholder: 'host:port,…', description: `Kafka bootstrap brokers (env KAFKA_BROKERS; default ${DEFAULT_BROKERS})` },
  registry: { type: 'string', placeholder: 'url', description: 'Confluent-compatible schema registry (env SCHEMA_REGISTRY_URL); needed to read the domain of Avro input' },
  group: { type: 'string', placeholder: 'id', description: `consumer group of the repartitioning members (default ${DEFAULT_REPARTITION_GROUP})` },
  'from-topic': { type: 'string', placeholder: 'topic', description: `input, keyed by anything (default ${DEFAULT_TOPICS.identity})` },
  'to-topic': { type: 'string', placeholder: 'topic', description: `output, keyed by domain (default ${DEFAULT_BY_DOMAIN_TOPIC})` },
  partitions: { type: 'integer', min: 1, placeholder: 'N', description: "partitions of the output when it is created (default: the input's count)" },
  'session-timeout': { type: 'integer', min: 6000, default: 10_000, placeholder: 'ms', description: "group session timeout: how soon a dead member's partitions move to the others" },
  'client-id': { type: 'string', placeholder: 'id', description: 'Kafka client id (default campaign-stream)' },
} as const;

const env = (name: string): string | undefined => {
  const v = process.env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
};

export const repartitionCommand = defineCommand({
  name: 'repartition',
  summary: 'copy the identity topic into a topic keyed by domain, exactly once per input record',
  usage: '[--brokers host:port] [--registry url] [--group id] [--from-topic t] [--to-topic t] [--partitions N]',
  description:
    'Reads the identity topic (keyed by anything) and writes every record, bytes and headers unchanged,\n' +
    "to the topic keyed by domain: key = the record's domain, partition = Kafka's default partitioner's\n" +
    'for that key, plus a header campaigns_source: <topic>/<partition>@<offset>. A record whose domain\n' +
    "cannot be read goes to the default domain's partition (the pipeline refuses it there). Each fetched\n" +
    'batch and its input offset commit in one Kafka transaction, so read-committed consumers see every\n' +
    'input record exactly once. Several members may share the work (same --group). The output is created\n' +
    "when missing. SIGTERM/SIGINT: finish the transactions in progress, leave the group, print a JSON\n" +
    'summary, exit 0. docs/KAFKA.md, "Repartitioning by domain".',
  options,
  async run(opts, { io }) {
    const notice = (line: string): void => {
      io.stderr.write(`${new Date().toISOString()} campaigns repartition: ${line}\n`);
    };
    const running = await startRepartition({
      brokers: parseBrokers(opts.brokers ?? env('KAFKA_BROKERS') ?? DEFAULT_BROKERS),
      registryUrl: opts.registry ?? env('SCHEMA_REGISTRY_URL') ?? null,
      clientId: opts['client-id'] ?? 'campaign-stream',
      group: opts.group ?? DEFAULT_REPARTITION_GROUP,
      from: opts['from-topic'] ?? DEFAULT_TOPICS.identity,
      to: opts['to-topic'] ?? DEFAULT_BY_DOMAIN_TOPIC,
      partitions: opts.partitions ?? null,
      sessionTimeoutMs: opts['session-timeout'],
      notice,
    });
    const onSignal = (signal: NodeJS.Signals): void => {
      notice(`${signal}: stopping`);
      void running.stop();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    try {
      await running.done;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    const s = running.repartitioner.stats();
    await emit(io.stdout, JSON.stringify({
      stopped: true, from: running.topics.from.name, to: running.topics.to.name, forwarded: s.forwarded, unreadable: s.unreadable,
      transactions: s.transactions, aborted: s.aborted, domains: s.domains,
    }) + '\n');
    return 0;
  },
});
