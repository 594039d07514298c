/**
 * The two topics of `campaigns repartition`: the input must exist (it is upstream's), the output
 * keyed by domain is created when missing, with the input's partition count unless told
 * otherwise, and compared like every topic this program creates (topics.ts: differences are
 * reported, never changed). Routing then uses the output's actual partition count: the
 * partition a domain's records go to must be the one `partitionOfDomain` gives for the topic as
 * it is, or the pipeline would find the domain on two partitions.
 */
import kafkajs, { type Admin } from 'kafkajs';
import { fromKafkaJs, KafkaAdapterError } from './errors.ts';
import { ensureTopics, type TopicSpec } from './topics.ts';

const { ConfigResourceTypes } = kafkajs;

export const DEFAULT_BY_DOMAIN_TOPIC = 'identity.events.by-domain';

/**
 * Room for what forwarding adds to a record (the source header, a longer key): a record the
 * input took at its size limit must still fit the output.
 */
const FORWARDING_OVERHEAD_BYTES = 1024;

export interface RepartitionTopics {
  readonly from: { readonly name: string; readonly partitions: number };
  readonly to: { readonly name: string; readonly partitions: number };
  readonly created: boolean;
  /** Readable differences between the existing output topic and the settings asked for. */
  readonly mismatches: readonly string[];
}

async function partitionCount(admin: Admin, topic: string): Promise<number | null> {
  try {
    if (!(await admin.listTopics()).includes(topic)) return null;
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics.find((t) => t.name === topic)?.partitions.length ?? null;
  } catch (e) {
    throw fromKafkaJs(e, `reading the metadata of ${topic}`);
  }
}

async function maxMessageBytes(admin: Admin, topic: string): Promise<number | null> {
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const v = Number(described.resources[0]?.configEntries.find((c) => c.configName === 'max.message.bytes')?.configValue);
    return Number.isSafeInteger(v) && v > 0 ? v : null;
  } catch (e) {
    throw fromKafkaJs(e, `reading the settings of ${topic}`);
  }
}

/**
 * The settings of the output: it is the pipeline's input, so it keeps everything like the
 * identity topic does (a restarted owner re-derives its engine from it), and it takes any record
 * the input took.
 */
export function byDomainTopicSpec(name: string, partitions: number, inputMaxMessageBytes: number | null): TopicSpec {
  const config: Record<string, string> = { 'cleanup.policy': 'delete', 'retention.ms': '-1' };
  if (inputMaxMessageBytes !== null) config['max.message.bytes'] = String(inputMaxMessageBytes + FORWARDING_OVERHEAD_BYTES);
  return { name, role: 'input', partitions, config };
}

/** `partitions`: of the output when it is created; null: as many as the input has. */
export async function prepareRepartitionTopics(admin: Admin, from: string, to: string, partitions: number | null): Promise<RepartitionTopics> {
  if (from === to) throw new KafkaAdapterError('topic_mismatch', `the input and the output are both ${from}: repartitioning a topic into itself would feed on its own output`, false);
  const inputPartitions = await partitionCount(admin, from);
  if (inputPartitions === null) throw new KafkaAdapterError('topic_missing', `the input topic ${from} does not exist`, false);
  const spec = byDomainTopicSpec(to, partitions ?? inputPartitions, await maxMessageBytes(admin, from));
  const report = await ensureTopics(admin, [spec]);
  const outputPartitions = await partitionCount(admin, to);
  if (outputPartitions === null) throw new KafkaAdapterError('topic_missing', `the output topic ${to} does not exist after creating it`, true);
  return {
    from: { name: from, partitions: inputPartitions },
    to: { name: to, partitions: outputPartitions },
    created: report.created.includes(to),
    mismatches: report.mismatches,
  };
}
