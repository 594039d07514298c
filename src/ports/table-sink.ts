/**
 * The derived campaign tables (`src/domain/tables.ts` rows). The sink side receives changed
 * rows with the log sequence they reflect, so a sink that lags can catch up from the log; the
 * reader side serves the CLI and restarts.
 */
import type { Membership } from '../domain/engine-api.ts';
import type { CampaignRow } from '../domain/tables.ts';

export interface TableSink {
  /** Upsert changed rows; the tables now reflect the log up to `throughSequence`. */
  write(rows: readonly CampaignRow[], throughSequence: number): Promise<void>;
  /** Replace every row at once (a rebuild): readers see the old tables or the new, never a mix. */
  replaceAll(rows: readonly CampaignRow[], throughSequence: number): Promise<void>;
}

export interface TableReader {
  /** Every row, sorted by uuid. */
  rows(): Promise<readonly CampaignRow[]>;
  /** Sequence of the last event the tables reflect; 0 when empty. */
  sequence(): Promise<number>;
  /**
   * Every active identity with its live campaign, in code point order of the identity, a page
   * at a time: what `membershipOf(tablesFromRows(rows()))` gives, without holding the rows.
   * Optional: readers fall back to that.
   */
  membership?(): AsyncIterable<readonly Membership[]>;
}
