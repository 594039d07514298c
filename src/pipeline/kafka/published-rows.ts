/**
 * The table rows to publish after a run of the log: every row changed after sequence `after`,
 * with `merged_members` (live identities of the campaigns merged into it, transitively).
 *
 * A row's `updated_sequence` names the last event that changed it, so "changed after `after`"
 * is exact whatever the fold has seen since; rows changed by later events are included too,
 * which only publishes their newer state a little early (the topic is compacted: latest wins).
 * One pass over the rows; no index to drift out of step with the tables.
 */
import { rowOf, type CampaignTables } from '../../domain/tables.ts';
import type { PublishedRow } from '../../ports/publisher.ts';

export function rowsChangedAfter(tables: CampaignTables, after: number): PublishedRow[] {
  const changed: string[] = [];
  const children = new Map<string, string[]>();
  for (const [uuid, r] of tables.rows) {
    if (r.updated_sequence > after) changed.push(uuid);
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
  return changed.map((uuid) => ({ row: rowOf(tables, uuid)!, merged_members: mergedMembers(uuid) }));
}
