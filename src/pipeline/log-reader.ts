/** The log as a stream of pages, so reading a large log never holds all of it at once. */
import type { CampaignEvent } from '../domain/campaign-events.ts';
import type { BatchRecord, EventLog } from '../ports/event-log.ts';

export const PAGE_SIZE = 2_000;

export async function* eventPages(log: EventLog, fromSequence: number, toSequence = Infinity, pageSize = PAGE_SIZE): AsyncGenerator<readonly CampaignEvent[]> {
  let next = Math.max(1, fromSequence);
  while (next <= toSequence) {
    const page = await log.read(next, Math.min(pageSize, toSequence - next + 1));
    if (page.length === 0) return;
    yield page;
    next = page[page.length - 1].sequence + 1;
  }
}

export async function* batchRecords(log: EventLog, fromIndex: number, pageSize = 500): AsyncGenerator<BatchRecord> {
  let next = Math.max(1, fromIndex);
  for (;;) {
    const page = await log.batches(next, pageSize);
    if (page.length === 0) return;
    yield* page;
    next = page[page.length - 1].index + 1;
  }
}
