/**
 * The Publisher port on Kafka, on the caller's thread: a run's messages (campaign-messages.ts),
 * chunk by chunk, through an idempotent producer; each chunk acknowledged by every in-sync
 * replica before the next is sent, and reported (`acknowledged`) so the outbox cursor follows.
 * The publisher thread (publisher-thread.ts) runs this same code on a worker thread with a
 * producer of its own; `--no-publisher-thread` runs it here, sharing the dead letters' producer.
 */
import type { CampaignEvent } from '../../domain/campaign-events.ts';
import type { Publisher, PublishedRow } from '../../ports/publisher.ts';
import { campaignChunks, describeRun, type CampaignMessageOptions, type OutputSchemaIds } from './campaign-messages.ts';
import { MAX_REQUEST_BYTES, type MessageSender } from './producer.ts';

export class KafkaCampaignPublisher implements Publisher {
  /** `ids`: registered output schemas (registerOutputSchemas), or null for JSON values. */
  constructor(
    private readonly sender: MessageSender,
    private readonly o: CampaignMessageOptions,
    private readonly ids: OutputSchemaIds | null,
    private readonly maxChunkBytes = MAX_REQUEST_BYTES,
  ) {}

  async publish(events: readonly CampaignEvent[], rows: readonly PublishedRow[], acknowledged?: (sequence: number) => void): Promise<void> {
    for (const chunk of campaignChunks(this.o, this.ids, events, rows, this.maxChunkBytes)) {
      await this.sender.send(chunk.batches, describeRun(events, rows));
      if (chunk.through > 0) acknowledged?.(chunk.through);
    }
  }

  async close(): Promise<void> {
    // The sender is not ours (on the main thread the dead letters share it): its owner closes it.
  }
}
