/**
 * The table rows to publish with a run (after, upTo] of the log: every row whose last change
 * falls in the run, in its current state, with `merged_members` (live identities of the
 * campaigns merged into it, transitively).
 *
 * A row's `updated_sequence` names the last event that changed it. The tables may be ahead of
 * the run (the relay lags the commits); a row changed in the run and again later is left to the
 * run that holds its later change, which publishes the state it has then. So every row is
 * published once per run that ends its history so far, and the compacted topic ends at the
 * current state without re-sending rows the relay has not reached. One pass over the rows; no
 * index to drift out of step with the tables.
 *
 * `domain` is the clustering domain the tables belong to (a domain's tables are its own log's
 * fold, docs/SCALING.md): every row carries it, and none does in the default domain, whose row
 * messages keep their bytes. The publisher refuses a run whose rows and events name different
 * domains (campaign-messages.ts), so tables read without their domain cannot go out unnoticed.
 */
import type { Domain } from '../../domain/domains.ts';
import { rowOf, type CampaignTables } from '../../domain/tables.ts';
import type { PublishedRow } from '../../ports/publisher.ts';

export function rowsChangedAfter(
  tables: CampaignTables, after: number, upTo = Number.MAX_SAFE_INTEGER, domain: Domain = null,
): PublishedRow[] {
  const changed: string[] = [];
  const children = new Map<string, string[]>();
  for (const [uuid, r] of tables.rows) {
    if (r.updated_sequence > after && r.updated_sequence <= upTo) changed.push(uuid);
    if (r.merged_into !== null) {
      const list = children.get(r.merged_into);
      if (list === undefined) children.set(r.merged_into, [uuid]);
      else list.push(uuid);
    }
  }
  changed.sort();
  const mergedMembers = (uuid: string): string[] => {
    const out: string[] = [];
    const seen = new Set<string>([uuid]);
    const stack = [...(children.get(uuid) ?? [])];
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (seen.has(c)) continue; // a merge cycle is an engine bug; never loop on it
      seen.add(c);
      const row = tables.rows.get(c);
      if (row !== undefined) for (const m of row.members) out.push(m);
      stack.push(...(children.get(c) ?? []));
    }
    return out.sort();
  };
  return changed.map((uuid) => {
    const row = { row: rowOf(tables, uuid)!, merged_members: mergedMembers(uuid) };
    return domain === null ? row : { ...row, domain };
  });
}
