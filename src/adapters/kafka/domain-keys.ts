/**
 * How a clustering domain maps onto the partitions of a topic keyed by domain
 * (`identity.events.by-domain`, docs/SCALING.md): the key is the domain's name (`default` for
 * the default domain) and the partition is Kafka's default partitioner's (murmur2 of the key, as
 * the Java client and kafkajs' DefaultPartitioner compute it). `campaigns repartition` writes
 * with it and `pipeline --assignment domain` checks every record against it: a domain read from
 * two partitions could be owned by two members at once, and two writers of one domain's log is
 * the one thing the model must never allow.
 */
import kafkajs from 'kafkajs';
import { domainName, type Domain } from '../../domain/domains.ts';

const partitioner = kafkajs.Partitioners.DefaultPartitioner();

/** The message key of a domain's records on a topic keyed by domain. */
export const domainKey = (domain: Domain): string => domainName(domain);

/** The partition Kafka's default partitioner gives `domain`'s key on a topic of `partitions` partitions. */
export function partitionOfDomain(domain: Domain, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
  return partitioner({ topic: '', partitionMetadata, message: { key: domainKey(domain) } } as never);
}
