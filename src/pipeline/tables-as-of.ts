/**
 * The campaign tables as they were at an as-of position (domain/as-of.ts): the table fold of
 * the log prefix that position selects, from an empty state. Equal to the tables a store held
 * after that batch by construction: it is the very fold every commit and `replay` run.
 */
import type { AsOf } from '../domain/as-of.ts';
import type { CampaignEvent } from '../domain/campaign-events.ts';
import { emptyTables, foldAll, type CampaignTables } from '../domain/tables.ts';
import type { EventLog } from '../ports/event-log.ts';
import { foldInputs, walkPrefix, type PrefixEnd } from './log-prefix.ts';

export interface TablesAsOf extends PrefixEnd {
  readonly tables: CampaignTables;
}

export async function tablesAsOf(log: EventLog, asOf: AsOf): Promise<TablesAsOf> {
  const tables = emptyTables();
  // The fold reads sequence, type, time and payload only (FoldInput).
  const end = await walkPrefix(log, asOf, foldInputs(log), (events) => foldAll(tables, events as readonly CampaignEvent[]));
  return { tables, ...end };
}
