/**
 * A followed input (`run --follow`): the records of one or more sources as they are written,
 * until stopped, and word when the input has gone quiet, so that a batch that will not fill
 * up soon is committed anyway. Batch boundaries then depend on when records arrive, not on
 * the input alone; a restart still re-derives exactly what was committed, because every batch
 * records the segments it consumed.
 */
import type { HeldBack, IdentitySource, InputPosition, SourceRecord } from './identity-source.ts';

export type FeedItem =
  | { readonly kind: 'record'; readonly record: SourceRecord }
  /** No new record for the idle period: whatever is pending may be committed now. */
  | { readonly kind: 'idle' };

export interface FeedContext {
  /**
   * Called once per source, before its first record: registers it and answers where to
   * resume (its verified checkpoint, or START). Throws InputError when that is not safe.
   */
  readonly start: (source: IdentitySource) => Promise<InputPosition>;
  /** Ends the feed: the items stop, and the iteration completes. */
  readonly signal: AbortSignal;
  /** Told, when the feed ends, of a source whose incomplete end was not consumed. */
  readonly onHeldBack?: (source: IdentitySource, held: HeldBack) => void;
}

export interface InputFeed {
  /** A description for logs (the followed path). */
  readonly name: string;
  items(context: FeedContext): AsyncIterable<FeedItem>;
}
