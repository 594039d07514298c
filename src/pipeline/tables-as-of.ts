/**
 * The campaign tables as they were at an as-of position (domain/as-of.ts): the table fold of
 * the log prefix that position selects. The fold starts from the newest table checkpoint that
 * prefix contains (domain/table-checkpoints.ts), or from empty tables when there is none, and
 * walks the rest of the prefix batch by batch exactly as from the start: a checkpoint is the
 * very state that fold reaches after its batch, so the result is the same, only sooner.
 * Equal to the tables a store held after that batch by construction: it is the very fold every
 * commit and `replay` run.
 */
import type { AsOf } from '../domain/as-of.ts';
import type { CampaignEvent } from '../domain/campaign-events.ts';
import { emptyTables, foldAll, tablesFromRows, type CampaignTables } from '../domain/tables.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { TableCheckpointReader } from '../ports/table-checkpoints.ts';
import { foldInputs, LOG_START, walkPrefix, type PrefixEnd, type PrefixStart } from './log-prefix.ts';

export interface TablesAsOf extends PrefixEnd {
  readonly tables: CampaignTables;
}

/** `checkpoints`: the store's (absent, or a store without any: the fold starts at the log start). */
export async function tablesAsOf(log: EventLog, asOf: AsOf, checkpoints?: TableCheckpointReader): Promise<TablesAsOf> {
  const found = await checkpoints?.newestUsable(asOf) ?? null;
  let tables: CampaignTables;
  let start: PrefixStart;
  if (found === null) {
    tables = emptyTables();
    start = LOG_START;
  } else {
    const { checkpoint, rows } = found;
    tables = tablesFromRows(rows, checkpoint.sequence);
    start = { batchIndex: checkpoint.batchIndex, sequence: checkpoint.sequence };
  }
  // The fold reads sequence, type, time and payload only (FoldInput).
  const end = await walkPrefix(log, asOf, foldInputs(log), (events) => foldAll(tables, events as readonly CampaignEvent[]), start);
  return { tables, ...end };
}
