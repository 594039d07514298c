/**
 * The campaign list's order and search semantics, shared by the in-memory index and the store
 * read models so that both list the same campaigns in the same order with the same matches.
 *
 * Order: by the sort key, nulls last in either order, ties by uuid ascending (so pages never
 * overlap or skip). Search: the lower-cased needle (at least MIN_SEARCH_CODE_POINTS code points)
 * as a substring of a lower-cased value: the live campaign's uuid, its C2 endpoints, its payload
 * hashes, and its live members (those of campaigns merged into it included), in that order.
 */
import { compareCodePoints } from '../domain/code-point-order.ts';
import {
  MAX_MATCHES_SHOWN, type CampaignSummary, type MatchField, type Order, type SearchMatch, type SortKey,
} from '../ports/campaign-queries.ts';

type Key = number | string | null;

export function sortKeyOf(r: CampaignSummary, sort: SortKey): Key {
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

const compareKeys = (x: number | string, y: number | string): number =>
  typeof x === 'string' || typeof y === 'string' ? compareCodePoints(String(x), String(y)) : x < y ? -1 : x > y ? 1 : 0;

/** Nulls last in either order; ties by uuid ascending. */
export function campaignComparator(sort: SortKey, order: Order): (a: CampaignSummary, b: CampaignSummary) => number {
  const sign = order === 'asc' ? 1 : -1;
  return (a, b) => {
    const x = sortKeyOf(a, sort);
    const y = sortKeyOf(b, sort);
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      const c = compareKeys(x, y);
      if (c !== 0) return c * sign;
    }
    return compareCodePoints(a.uuid, b.uuid);
  };
}

/** Does a value match the (lower-cased) needle? */
export const valueMatches = (value: string, needle: string): boolean => value.toLowerCase().includes(needle);

/**
 * Why a live campaign matched: its first MAX_MATCHES_SHOWN matching values, in field order.
 * `identities` are its live members in code point order (only those that match are needed).
 */
export function matchesOf(row: CampaignSummary, identities: Iterable<string>, needle: string): SearchMatch[] {
  const out: SearchMatch[] = [];
  const test = (field: MatchField, values: Iterable<string>): void => {
    for (const v of values) {
      if (out.length >= MAX_MATCHES_SHOWN) return;
      if (valueMatches(v, needle)) out.push({ field, value: v });
    }
  };
  test('uuid', [row.uuid]);
  test('c2_endpoint', row.c2_endpoints);
  test('payload_hash', row.payload_hashes);
  test('identity', identities);
  return out;
}
