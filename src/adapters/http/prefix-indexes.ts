/**
 * `?as_of=`: a `LogIndex` of the log prefix an as-of position selects (domain/as-of.ts), built
 * by the same `apply` the live index runs, from sequence 1, so a historical answer is the
 * answer the server gave when its index stood at that batch.
 *
 * Building one reads the prefix from the store: the cost of the prefix, once. The last few are
 * kept, keyed by the instant or sequence asked for, and concurrent requests for one share a
 * build. A prefix that a batch ended is final (the log is append-only) and is reused for as long
 * as it is kept; one that ran to the end of the log (a position at or past the head) is reused
 * only while the log has not grown.
 */
import type { AsOf } from '../../domain/as-of.ts';
import type { EventLog } from '../../ports/event-log.ts';
import { fullEvents, walkPrefix } from '../../pipeline/log-prefix.ts';
import type { CampaignView } from '../../ports/campaign-queries.ts';
import { LogIndex } from './log-index.ts';
import { LogIndexView } from './log-index-view.ts';
import type { Query } from './params.ts';
import type { RouteContext } from './route-context.ts';

/** Historical indexes kept per domain: each holds a prefix of the log in memory. */
export const KEPT_PREFIX_INDEXES = 2;

interface Built {
  readonly index: LogIndex;
  readonly open: boolean;
}

const keyOf = (asOf: AsOf): string => (asOf.kind === 'sequence' ? `s${asOf.sequence}` : `t${asOf.epoch}`);

export class PrefixIndexes {
  private readonly kept = new Map<string, Promise<Built>>();

  constructor(private readonly log: EventLog, private readonly capacity = KEPT_PREFIX_INDEXES) {}

  /** The index of the prefix `asOf` selects. `head` is the log head as the live index knows it. */
  async at(asOf: AsOf, head: number): Promise<LogIndex> {
    const key = keyOf(asOf);
    const held = this.kept.get(key);
    if (held !== undefined) {
      const built = await held.catch(() => null);
      if (built !== null && (!built.open || built.index.sequence >= head)) {
        this.touch(key, held);
        return built.index;
      }
      if (this.kept.get(key) === held) this.kept.delete(key);
    }
    const building = this.build(asOf);
    this.touch(key, building);
    // A failed build (the store unreachable) is not kept: the next request tries again.
    building.catch(() => {
      if (this.kept.get(key) === building) this.kept.delete(key);
    });
    return (await building).index;
  }

  private async build(asOf: AsOf): Promise<Built> {
    const index = new LogIndex();
    const end = await walkPrefix(this.log, asOf, fullEvents(this.log), (events) => {
      if (events.length > 0) index.apply(events);
    });
    return { index, open: end.open };
  }

  /** Most recently used last; the least recently used goes once more than `capacity` are held. */
  private touch(key: string, entry: Promise<Built>): void {
    this.kept.delete(key);
    this.kept.set(key, entry);
    while (this.kept.size > this.capacity) this.kept.delete(this.kept.keys().next().value!);
  }
}

export const AS_OF = 'as_of';

/** Reading a past log prefix costs what the prefix holds: such a request is heavy. */
export const heavyWithAsOf = (url: URL): boolean => url.searchParams.has(AS_OF);

/**
 * Runs `fn` on the view a request reads: the live read model's, or with `as_of` the index of
 * that log prefix (held in memory: such a request is heavy).
 */
export async function readAt<T>(q: Query, { follower, history }: Pick<RouteContext, 'follower' | 'history'>, fn: (view: CampaignView) => Promise<T>): Promise<T> {
  const asOf = q.asOf(AS_OF);
  if (asOf === undefined) return follower.model.read(fn);
  return fn(new LogIndexView(await history.at(asOf, follower.sequence)));
}
