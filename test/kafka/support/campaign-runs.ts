/**
 * A run of the campaign log as the outbox relay hands it to a Publisher: the events an engine
 * emits for the bench corpus plus one retirement (so a removal, a tombstone on the identity
 * topic, is among them), and the rows of every campaign they touched; in the clustering domain
 * `domain` (the default domain unless named).
 */
import { benchCorpus } from '../../../bench/corpus.ts';
import type { CampaignEvent } from '../../../src/domain/campaign-events.ts';
import type { Domain } from '../../../src/domain/domains.ts';
import { createEngine } from '../../../src/domain/engine.ts';
import type { PositionedEvent } from '../../../src/domain/identity-events.ts';
import { emptyTables, foldEvents } from '../../../src/domain/tables.ts';
import type { PublishedRow } from '../../../src/ports/publisher.ts';
import { rowsChangedAfter } from '../../../src/pipeline/kafka/published-rows.ts';

export interface CampaignRun {
  readonly events: CampaignEvent[];
  readonly rows: PublishedRow[];
}

export function campaignRun(identities: number, seed = 42, domain: Domain = null): CampaignRun {
  const input = benchCorpus(identities, seed);
  const engine = createEngine({ domain });
  const positioned: PositionedEvent[] = input.map((event, i) => ({ position: `run:${i}`, event }));
  const first = engine.applyBatch(positioned, { from: 'run:0', to: `run:${input.length}` });
  const assigned = first.events.find((e) => e.type === 'identity.campaign.assigned');
  if (assigned?.type !== 'identity.campaign.assigned') throw new Error('the corpus formed no campaign');
  const retire = {
    type: 'identity.retired' as const, event_id: `retire-${seed}`, time: input[input.length - 1].time + 60,
    identity_uuid: assigned.payload.identity_uuid,
  };
  const second = engine.applyBatch([{ position: `run:${input.length}`, event: retire }], { from: `run:${input.length}`, to: `run:${input.length + 1}` });
  const events = [...first.events, ...second.events];
  const tables = emptyTables();
  foldEvents(tables, events);
  return { events, rows: rowsChangedAfter(tables, 0, Number.MAX_SAFE_INTEGER, domain) };
}
