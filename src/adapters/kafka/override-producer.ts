/**
 * Produces analyst overrides to the identity topic, as upstream produces identity events: the
 * value is the NDJSON text, or with a schema registry the Avro identity event (current schema,
 * Confluent framing); the key is what upstream keys by.
 *
 * Keys matter for order. An override is judged when the pipeline reads it, and it names
 * identities the pipeline must have read before (else `unknown_identity`). Keyed like the
 * identity events of its first identity, it lands on that identity's partition, behind that
 * identity's events. On a topic keyed by domain (`campaigns repartition`'s output) the key is the
 * domain's: the pipeline there checks that every record sits on its domain's partition.
 */
import type { Kafka } from 'kafkajs';
import { domainOfName } from '../../domain/domains.ts';
import type { IdentityEventWire } from '../../domain/validate.ts';
import type { OverrideSink } from '../../ports/override-sink.ts';
import { encodeIdentityEvent } from '../avro/codec.ts';
import { IDENTITY_SCHEMA_VERSION, SCHEMA_JSON, valueSubject } from '../avro/schemas.ts';
import { domainKey } from './domain-keys.ts';
import { fromKafkaJs, KafkaAdapterError } from './errors.ts';
import { KafkaSender, type MessageSender } from './producer.ts';
import type { SchemaRegistryClient } from './schema-registry.ts';
import { frame } from './wire-format.ts';

/** How the topic is keyed: by identity (the identity topic) or by domain (the repartitioned one). */
export type OverrideKeying = 'identity' | 'domain';

export const OVERRIDE_KEYINGS: readonly OverrideKeying[] = ['identity', 'domain'];

/**
 * The message key of an override: its domain's key on a topic keyed by domain; otherwise its
 * first identity (must-link, cannot-link, the pinned identity), the campaign of a label, and the
 * revoked override's id for a revoke (the one id it names).
 */
export function overrideKey(wire: IdentityEventWire, keying: OverrideKeying): string {
  if (keying === 'domain') return domainKey(wire.domain === undefined ? null : domainOfName(wire.domain));
  switch (wire.type) {
    case 'analyst.must_link':
    case 'analyst.cannot_link':
      return wire.identity_uuids[0];
    case 'analyst.pin':
      return wire.identity_uuid;
    case 'analyst.label':
      return wire.campaign_uuid;
    case 'analyst.revoke':
      return wire.override_event_id;
    default:
      throw new TypeError(`not an analyst override: ${wire.type}`);
  }
}

export interface OverrideProducerOptions {
  readonly topic: string;
  readonly keying: OverrideKeying;
  /** With a registry: Avro values; without: NDJSON text. */
  readonly registry: SchemaRegistryClient | null;
}

export class OverrideProducer implements OverrideSink {
  readonly kind = 'topic';
  readonly target: string;
  private schemaId: Promise<number> | null = null;

  constructor(private readonly sender: MessageSender, private readonly o: OverrideProducerOptions) {
    this.target = o.topic;
  }

  /**
   * A producer for an existing topic. The topic is checked first: producing to a missing one
   * would retry for tens of seconds before failing, and it is not this program's to create (the
   * pipeline or `campaigns repartition` creates it with the settings an input needs).
   */
  static async open(kafka: Kafka, o: OverrideProducerOptions): Promise<OverrideProducer> {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const topics = await admin.listTopics();
      if (!topics.includes(o.topic)) throw new KafkaAdapterError('topic_missing', `the topic ${o.topic} does not exist`, false);
    } catch (e) {
      throw fromKafkaJs(e, `looking up the topic ${o.topic}`);
    } finally {
      await admin.disconnect().catch(() => {});
    }
    return new OverrideProducer(KafkaSender.create(kafka), o);
  }

  private async value(wire: IdentityEventWire): Promise<Buffer> {
    const registry = this.o.registry;
    if (registry === null) return Buffer.from(JSON.stringify(wire), 'utf8');
    // Registered once per producer; a failed registration is asked again by the next override.
    this.schemaId ??= registry.register(valueSubject(this.o.topic), SCHEMA_JSON.identityEvent[IDENTITY_SCHEMA_VERSION]);
    const pending = this.schemaId;
    try {
      return frame(await pending, encodeIdentityEvent(wire));
    } catch (e) {
      if (this.schemaId === pending) this.schemaId = null;
      throw e;
    }
  }

  async append(wire: IdentityEventWire): Promise<void> {
    const message = { key: overrideKey(wire, this.o.keying), value: await this.value(wire), headers: {} };
    await this.sender.send([{ topic: this.o.topic, messages: [message] }], `override ${wire.event_id} to ${this.o.topic}`);
  }

  close(): Promise<void> {
    return this.sender.close();
  }
}
