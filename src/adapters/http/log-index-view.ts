/**
 * The query port (ports/campaign-queries.ts) answered from an in-memory `LogIndex`: every list
 * is built whole and then cut to the page, which is what the store read models must reproduce
 * from their indexes. Used for `?as_of=` prefixes, for `serve --read-model memory`, and as the
 * reference the read-model contract test compares the stores with.
 */
import type { CampaignEvent, CampaignEventType } from '../../domain/campaign-events.ts';
import { compareCodePoints } from '../../domain/code-point-order.ts';
import { familySummary, type Family, type FamilySummary } from '../../domain/evidence-summary.ts';
import { campaignCounts, type CampaignRow } from '../../domain/tables.ts';
import {
  searchNeedle, type CampaignSummary, type CampaignView, type FollowedReadModel, type HistoryEntry, type IdentityState,
  type IndexedEdge, type ListedCampaign, type ListQuery, type Member, type Page, type PageRequest, type ReadModelStats,
} from '../../ports/campaign-queries.ts';
import { campaignComparator, matchesOf } from '../campaign-list.ts';
import { LogIndex } from './log-index.ts';

/** A row as the port shows it: without the literal member list (which the read models do not keep). */
const summary = ({ members: _members, ...row }: CampaignRow): CampaignSummary => row;

const cut = <T>(all: readonly T[], { limit, offset }: PageRequest): Page<T> => ({ total: all.length, data: all.slice(offset, offset + limit) });

/** Strongest first; ties by endpoints in code point order, so the order never depends on arrival. */
export const byWeight = (x: IndexedEdge, y: IndexedEdge): number =>
  y.weight - x.weight || compareCodePoints(x.a, y.a) || compareCodePoints(x.b, y.b);

/** Last named first, then by id: the order of a campaign's identities. */
export const byLastNamed = (x: Member, y: Member): number =>
  y.facts.last_sequence - x.facts.last_sequence || compareCodePoints(x.facts.uuid, y.facts.uuid);

export class LogIndexView implements CampaignView {
  readonly sequence: number;

  constructor(private readonly index: LogIndex) {
    this.sequence = index.sequence;
  }

  async campaign(uuid: string): Promise<CampaignSummary | undefined> {
    const r = this.index.row(uuid);
    return r === undefined ? undefined : summary(r);
  }

  async canonical(uuid: string): Promise<string> {
    return this.index.canonical(uuid);
  }

  async mergePath(uuid: string): Promise<string[]> {
    return this.index.mergePath(uuid);
  }

  async mergedIn(canonical: string, page: PageRequest): Promise<Page<string>> {
    return cut(this.index.subtree(canonical).filter((c) => c !== canonical), page);
  }

  async list(q: ListQuery): Promise<Page<ListedCampaign>> {
    let listed: ListedCampaign[];
    if (q.q === undefined) {
      listed = this.index.liveRows().map((row) => ({ row: summary(row), matches: [] }));
    } else {
      const needle = searchNeedle(q.q);
      if (needle === null) return { total: 0, data: [] };
      listed = [];
      for (const row of this.index.liveRows()) {
        const matches = matchesOf(row, this.index.members(row.uuid), needle);
        if (matches.length > 0) listed.push({ row: summary(row), matches });
      }
    }
    const cmp = campaignComparator(q.sort, q.order);
    listed.sort((a, b) => cmp(a.row, b.row));
    return cut(listed, q);
  }

  private memberList(canonical: string): Member[] {
    return this.index.members(canonical).map((u) => ({ facts: this.index.identity(u)!, campaign: this.index.literalCampaignOf(u)! }));
  }

  async members(canonical: string, page: PageRequest): Promise<Page<Member>> {
    return cut(this.memberList(canonical).sort(byLastNamed), page);
  }

  async edges(canonical: string, page: PageRequest): Promise<Page<IndexedEdge>> {
    return cut(this.index.edgesWithin(this.index.members(canonical)).sort(byWeight), page);
  }

  async families(canonical: string): Promise<Record<Family, FamilySummary>> {
    return familySummary(this.index.edgesWithin(this.index.members(canonical)));
  }

  async history(canonical: string, types: readonly CampaignEventType[], page: PageRequest): Promise<Page<HistoryEntry>> {
    const wanted = new Set(types);
    return cut(this.index.campaignHistory(this.index.subtree(canonical)).filter((h) => wanted.has(h.type)), page);
  }

  async identity(uuid: string): Promise<IdentityState | undefined> {
    const facts = this.index.identity(uuid);
    if (facts === undefined) return undefined;
    const campaign = this.index.literalCampaignOf(uuid) ?? null;
    return { facts, campaign, canonical: campaign === null ? null : this.index.canonical(campaign) };
  }

  async identityEdges(uuid: string): Promise<IndexedEdge[]> {
    return this.index.edgesOf(uuid).sort(byWeight);
  }

  async identityHistory(uuid: string): Promise<HistoryEntry[]> {
    return this.index.identityHistory(uuid);
  }

  async liveCampaigns(minIdentities: number): Promise<CampaignSummary[]> {
    return this.index.liveRows()
      .filter((r) => r.identity_count >= minIdentities)
      .sort((a, b) => compareCodePoints(a.uuid, b.uuid))
      .map(summary);
  }

  async stats(): Promise<ReadModelStats> {
    return {
      sequence: this.index.sequence,
      typeCounts: new Map(this.index.typeCounts),
      campaigns: campaignCounts(this.index.tables),
      identities: this.index.tables.identities.size,
    };
  }
}

/**
 * A `LogIndex` as a followed read model. Readers and the follower take turns: a read that
 * awaits between two questions must not see the follower apply a batch in between (one answer,
 * one log position), and a follower waiting to apply holds back new readers so a steady stream
 * of requests cannot starve it.
 */
export class MemoryReadModel implements FollowedReadModel {
  readonly index: LogIndex;
  private readers = 0;
  private writing: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(index = new LogIndex()) {
    this.index = index;
  }

  get sequence(): number {
    return this.index.sequence;
  }

  async read<T>(fn: (view: CampaignView) => Promise<T>): Promise<T> {
    while (this.writing !== null) await this.writing;
    this.readers++;
    try {
      return await fn(new LogIndexView(this.index));
    } finally {
      this.readers--;
      if (this.readers === 0) this.wake?.();
    }
  }

  async apply(events: readonly CampaignEvent[]): Promise<void> {
    while (this.writing !== null) await this.writing;
    let done!: () => void;
    this.writing = new Promise((resolve) => (done = resolve));
    try {
      if (this.readers > 0) await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
      this.index.apply(events);
    } finally {
      this.writing = null;
      done();
    }
  }

  async close(): Promise<void> {}
}
