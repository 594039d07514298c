/**
 * The campaign list: filter (search), sort, page. Pure functions over a `LogIndex`.
 *
 * Search is a case-insensitive substring match on the campaign uuid, its member identities
 * (including those of campaigns merged into it), payload hashes and C2 endpoints. It scans:
 * fine for the tens of thousands of campaigns one store holds; an inverted index is the next
 * step if a store outgrows that (the scan is linear in identities + aggregate values).
 */
import type { CampaignRow } from '../../domain/tables.ts';
import type { LogIndex } from './log-index.ts';

export const SORT_KEYS = [
  'updated_at', 'created_at', 'first_seen_at', 'last_seen_at', 'identity_count', 'confidence', 'uuid',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type Order = 'asc' | 'desc';

export type MatchField = 'uuid' | 'identity' | 'payload_hash' | 'c2_endpoint';
export interface SearchMatch {
  readonly field: MatchField;
  readonly value: string;
}

export interface ListedCampaign {
  readonly row: CampaignRow;
  /** Why it matched the search (at most a few values); empty without a search. */
  readonly matches: readonly SearchMatch[];
}

export interface ListQuery {
  readonly limit: number;
  readonly offset: number;
  readonly sort: SortKey;
  readonly order: Order;
  readonly q?: string;
}

const MAX_MATCHES_SHOWN = 3;

type Key = number | string | null;

function keyOf(r: CampaignRow, sort: SortKey): Key {
  switch (sort) {
    // Sequences order exactly like the times they stand for, without comparing strings.
    case 'updated_at': return r.updated_sequence;
    case 'created_at': return r.formed_sequence;
    case 'first_seen_at': return r.first_activity;
    case 'last_seen_at': return r.last_activity;
    case 'identity_count': return r.identity_count;
    case 'confidence': return r.confidence;
    case 'uuid': return r.uuid;
  }
}

/** Nulls last in either order; ties by uuid ascending, so pages never overlap or skip. */
function comparator(sort: SortKey, order: Order): (a: CampaignRow, b: CampaignRow) => number {
  const sign = order === 'asc' ? 1 : -1;
  return (a, b) => {
    const x = keyOf(a, sort);
    const y = keyOf(b, sort);
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * sign;
    }
    return a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0;
  };
}

export function searchMatches(index: LogIndex, row: CampaignRow, needle: string): SearchMatch[] {
  const n = needle.toLowerCase();
  const out: SearchMatch[] = [];
  const test = (field: MatchField, values: Iterable<string>): void => {
    for (const v of values) {
      if (out.length >= MAX_MATCHES_SHOWN) return;
      if (v.toLowerCase().includes(n)) out.push({ field, value: v });
    }
  };
  test('uuid', [row.uuid]);
  test('c2_endpoint', row.c2_endpoints);
  test('payload_hash', row.payload_hashes);
  test('identity', index.members(row.uuid));
  return out;
}

export function listCampaigns(index: LogIndex, q: ListQuery): { total: number; items: ListedCampaign[] } {
  let listed: ListedCampaign[];
  if (q.q === undefined) {
    listed = index.liveRows().map((row) => ({ row, matches: [] }));
  } else {
    listed = [];
    for (const row of index.liveRows()) {
      const matches = searchMatches(index, row, q.q);
      if (matches.length > 0) listed.push({ row, matches });
    }
  }
  const cmp = comparator(q.sort, q.order);
  listed.sort((a, b) => cmp(a.row, b.row));
  return { total: listed.length, items: listed.slice(q.offset, q.offset + q.limit) };
}
