/**
 * The output subjects against the real schema registry: subjects that pipelines before domains
 * registered (campaign-event and campaign-row v1, then v2) take v3 at the next start, under the
 * BACKWARD compatibility they are registered with, and the frozen v2 files are still the very
 * text registered then (the registry hands back the v2 id for them). A field added without a
 * default is refused, so the check is the registry's and not a formality.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeCampaignEvent, decodeCampaignRow } from '../../src/adapters/avro/codec.ts';
import { SCHEMA_JSON, loadSchemaFile, valueSubject } from '../../src/adapters/avro/schemas.ts';
import { registerOutputSchemas } from '../../src/adapters/kafka/campaign-messages.ts';
import { KafkaAdapterError } from '../../src/adapters/kafka/errors.ts';
import { ConfluentRegistryClient } from '../../src/adapters/kafka/schema-registry.ts';
import { CAMPAIGN_EVENTS, ROW, goldenName } from '../fixtures/avro/samples.ts';
import { requireServices } from '../support/services.ts';
import { unique } from './support/kafka-test-kit.ts';

const golden = (name: string): Buffer => readFileSync(new URL(`../fixtures/avro/${name}`, import.meta.url));
const compact = (file: string): string => JSON.stringify(loadSchemaFile(file));

describe('campaign output schemas in the registry', { timeout: 60_000 }, () => {
  let registryUrl: string;
  const topics = { events: unique('out-events'), assignments: unique('out-assign'), table: unique('out-table') };
  /** Ids of v1 and v2 per subject, as pipelines before domains registered them. */
  const older = new Map<string, { v1: number; v2: number }>();

  before(async () => {
    registryUrl = (await requireServices(['registry'])).registryUrl!;
    const registry = new ConfluentRegistryClient(registryUrl);
    for (const [topic, v1, v2] of [
      [topics.events, 'campaign-event.v1.avsc', SCHEMA_JSON.campaignEventV2],
      [topics.assignments, 'campaign-event.v1.avsc', SCHEMA_JSON.campaignEventV2],
      [topics.table, 'campaign-row.v1.avsc', SCHEMA_JSON.campaignRowV2],
    ] as const) {
      const subject = valueSubject(topic);
      older.set(subject, { v1: await registry.register(subject, compact(v1)), v2: await registry.register(subject, v2) });
    }
  });

  it('registers v3 over v1 and v2 under BACKWARD compatibility, as a new version of each subject', async () => {
    const ids = await registerOutputSchemas(new ConfluentRegistryClient(registryUrl), topics);
    for (const [topic, id] of [[topics.events, ids.events], [topics.assignments, ids.assignments], [topics.table, ids.table]] as const) {
      const { v1, v2 } = older.get(valueSubject(topic))!;
      assert.equal(new Set([v1, v2, id]).size, 3, `${topic}: three versions`);
    }
    assert.deepEqual(await registerOutputSchemas(new ConfluentRegistryClient(registryUrl), topics), ids, 'a restart finds its versions');
  });

  it('still knows the frozen v2 files as the registered v2 text, and decodes v2 data with it into the default domain', async () => {
    const registry = new ConfluentRegistryClient(registryUrl);
    const events = valueSubject(topics.events);
    const table = valueSubject(topics.table);
    assert.equal(await registry.register(events, SCHEMA_JSON.campaignEventV2), older.get(events)!.v2);
    assert.equal(await registry.register(table, SCHEMA_JSON.campaignRowV2), older.get(table)!.v2);
    const fresh = new ConfluentRegistryClient(registryUrl);
    const eventWriter = await fresh.schemaById(older.get(events)!.v2);
    assert.deepEqual(decodeCampaignEvent(golden(goldenName('campaign-event', 2, 'campaign.merged')), eventWriter), CAMPAIGN_EVENTS['campaign.merged']);
    const rowWriter = await fresh.schemaById(older.get(table)!.v2);
    assert.deepEqual(decodeCampaignRow(golden(goldenName('campaign-row', 2, 'row')), rowWriter), ROW);
  });

  it('refuses a version whose added field has no default (the registry enforces BACKWARD)', async () => {
    const row = loadSchemaFile('campaign-row.avsc') as { fields: Array<Record<string, unknown>> };
    const breaking = { ...row, fields: [...row.fields, { name: 'tenant', type: 'string' }] };
    await assert.rejects(
      new ConfluentRegistryClient(registryUrl).register(valueSubject(topics.table), JSON.stringify(breaking)),
      (e: unknown) => e instanceof KafkaAdapterError && e.code === 'schema_rejected',
    );
  });
});
