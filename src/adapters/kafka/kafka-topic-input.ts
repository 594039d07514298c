/**
 * The TopicInput port on Kafka: the identity topic's offsets and exact reads (topic-reader.ts),
 * and each partition as a source whose messages are decoded by the payload decoder (Avro through
 * the registry, or NDJSON; identity-payloads.ts).
 */
import type { Domain } from '../../domain/domains.ts';
import { partitionOfDomain } from './domain-keys.ts';
import type { PartitionOffsets, QuarantineView, TopicInput } from '../../ports/topic-input.ts';
import type { IdentityPayloadDecoder } from './identity-payloads.ts';
import type { FetchedMessage } from './messages.ts';
import { KafkaPartitionSource, parseSourceName } from './partition-source.ts';
import type { TopicReader } from './topic-reader.ts';

export class KafkaTopicInput implements TopicInput {
  readonly topic: string;

  constructor(private readonly reader: TopicReader, private readonly decoder: IdentityPayloadDecoder) {
    this.topic = reader.topic;
  }

  offsets(): Promise<ReadonlyMap<number, PartitionOffsets>> {
    return this.reader.offsets();
  }

  groupOffsets(groupId: string): Promise<ReadonlyMap<number, number>> {
    return this.reader.groupOffsets(groupId);
  }

  read(partition: number, from: number, to: number): AsyncIterable<FetchedMessage[]> {
    return this.reader.read(partition, from, to);
  }

  partition(partition: number, quarantine: QuarantineView): KafkaPartitionSource {
    return new KafkaPartitionSource(this.topic, partition, { reader: this.reader, decoder: this.decoder, quarantine });
  }

  partitionOfDomain(domain: Domain, partitions: number): number {
    return partitionOfDomain(domain, partitions);
  }

  partitionOf(sourceName: string): number | null {
    const parsed = parseSourceName(sourceName);
    return parsed !== null && parsed.topic === this.topic ? parsed.partition : null;
  }
}
