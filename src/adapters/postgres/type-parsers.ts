/**
 * How this store's pool decodes bigint columns. pg returns int8 as a string by default (it may
 * exceed 2^53); sequences, indexes, offsets and ASNs are JS numbers everywhere else, so they are
 * decoded as numbers here, and a value past 2^53 fails loudly instead of losing precision.
 * Set per pool (TypeOverrides), never on the global `pg.types`, which other code may share.
 */
import pg from 'pg';
import { StoreError } from '../../ports/errors.ts';

const INT8 = 20;
const INT8_ARRAY = 1016;

export function int8ToNumber(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new StoreError('store_corrupt', `bigint ${text} is beyond JavaScript's safe integer range`);
  }
  return n;
}

export function storeTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  // The default _int8 parser splits the array literal and yields strings; only the elements change.
  const int8Array = types.getTypeParser(INT8_ARRAY, 'text') as unknown as (text: string) => (string | null)[];
  types.setTypeParser(INT8, int8ToNumber);
  types.setTypeParser(INT8_ARRAY, (text: string) => int8Array(text).map((v) => (v === null ? null : int8ToNumber(v))));
  return types;
}
