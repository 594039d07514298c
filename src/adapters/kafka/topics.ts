/**
 * The topics the pipeline reads and writes, with explicit settings. Missing topics are created
 * with these settings on start; existing ones are compared, and every difference is reported
 * (never changed: the topics may be shared, and changing retention or compaction under
 * subscribers is an operator's decision).
 */
import kafkajs, { type Admin } from 'kafkajs';

// kafkajs is CommonJS and Node's named-export detection misses this enum: take it off the default export.
const { ConfigResourceTypes } = kafkajs;
import { fromKafkaJs } from './errors.ts';

export interface TopicSpec {
  readonly name: string;
  readonly role: 'input' | 'events' | 'assignments' | 'table' | 'dead-letter';
  readonly partitions: number;
  /** Config entries we set on creation and check afterwards. */
  readonly config: Readonly<Record<string, string>>;
}

export interface TopicNames {
  readonly identity: string;
  readonly events: string;
  readonly assignments: string;
  readonly table: string;
  readonly deadLetter: string;
}

export const DEFAULT_TOPICS: TopicNames = {
  identity: 'identity.events',
  events: 'campaign.events',
  assignments: 'identity.campaign',
  table: 'campaign.table',
  deadLetter: 'identity.events.dlq',
};

/**
 * 8 MiB per message on the output topics: one `campaign.formed` lists every member of a
 * campaign that forms at once, and a large one must not stop the relay (the broker default is
 * 1 MiB).
 */
const OUTPUT_MAX_MESSAGE_BYTES = String(8 * 1024 * 1024);

/** 30 days: long enough to inspect and replay refused input after a weekend. */
const DLQ_RETENTION_MS = String(30 * 24 * 3600 * 1000);

/**
 * The settings. The identity topic and the event log keep everything (`retention.ms=-1`):
 * re-deriving a restarted engine and `rebuild --from-beginning` read the input history, and
 * the event log is the system of record. Per-key views are compacted.
 */
export function topicSpecs(names: TopicNames, partitions: number): TopicSpec[] {
  return [
    { name: names.identity, role: 'input', partitions, config: { 'cleanup.policy': 'delete', 'retention.ms': '-1' } },
    { name: names.events, role: 'events', partitions, config: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'max.message.bytes': OUTPUT_MAX_MESSAGE_BYTES } },
    { name: names.assignments, role: 'assignments', partitions, config: { 'cleanup.policy': 'compact', 'max.message.bytes': OUTPUT_MAX_MESSAGE_BYTES } },
    { name: names.table, role: 'table', partitions, config: { 'cleanup.policy': 'compact', 'max.message.bytes': OUTPUT_MAX_MESSAGE_BYTES } },
    { name: names.deadLetter, role: 'dead-letter', partitions: 1, config: { 'cleanup.policy': 'delete', 'retention.ms': DLQ_RETENTION_MS } },
  ];
}

export interface TopicReport {
  readonly created: readonly string[];
  /** One readable line per difference, e.g. `campaign.table: cleanup.policy is delete, expected compact`. */
  readonly mismatches: readonly string[];
}

/**
 * Creates the missing topics and reports differences on the others. Partition counts are
 * compared only for information (more partitions than asked is fine; fewer limits nothing but
 * parallelism of subscribers), except the settings above, which subscribers rely on.
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<TopicReport> {
  let existing: string[];
  try {
    existing = await admin.listTopics();
  } catch (e) {
    throw fromKafkaJs(e, 'listing topics');
  }
  const missing = specs.filter((s) => !existing.includes(s.name));
  if (missing.length > 0) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor: -1, // the broker's default.replication.factor
          configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
        })),
      });
    } catch (e) {
      // Another instance may have created them a moment earlier: that is fine.
      if (!/already exists/i.test((e as Error).message ?? '')) throw fromKafkaJs(e, `creating topics ${missing.map((s) => s.name).join(', ')}`);
    }
  }
  const present = specs.filter((s) => existing.includes(s.name));
  const mismatches: string[] = [];
  if (present.length > 0) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: present.map((s) => s.name) });
      for (const t of meta.topics) {
        const spec = present.find((s) => s.name === t.name);
        if (spec !== undefined && t.partitions.length !== spec.partitions) {
          mismatches.push(`${t.name}: ${t.partitions.length} partitions, configured ${spec.partitions} (left as is)`);
        }
      }
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: present.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.name, configNames: Object.keys(s.config) })),
      });
      for (const r of described.resources) {
        const spec = present.find((s) => s.name === r.resourceName);
        if (spec === undefined) continue;
        for (const [name, want] of Object.entries(spec.config)) {
          const have = r.configEntries.find((c) => c.configName === name)?.configValue;
          if (have !== want) mismatches.push(`${spec.name}: ${name} is ${have ?? '(unset)'}, expected ${want} (left as is)`);
        }
      }
    } catch (e) {
      throw fromKafkaJs(e, 'checking topic settings');
    }
  }
  return { created: missing.map((s) => s.name), mismatches };
}
