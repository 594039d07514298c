/**
 * The campaign engine: projection → incremental clustering → reconciliation, one batch at a
 * time. Pure: no I/O, no clock, no randomness. Same events and same batch boundaries give a
 * byte-identical campaign event log.
 */
import type {
  BatchRange, CampaignEvent, CampaignEventType, EdgeEvidence, PayloadByType, RemovalReason,
} from './campaign-events.ts';
import { computeProfile, EMPTY_PROFILE, profileUpdate, type CampaignProfile } from './campaign-profile.ts';
import { CandidateIndex, planCandidates } from './candidate-index.ts';
import { ComponentGraph } from './components.ts';
import { isEdge, scorePair, type EdgeScore } from './edges.ts';
import type { BatchOutcome, Engine, EngineStatus, Membership, Rejection } from './engine-api.ts';
import { sameFeatures, type Features } from './features.ts';
import { eventId } from './ids.ts';
import type { PositionedEvent } from './identity-events.ts';
import { DEFAULT_PROFILE, type ScoringProfile } from './profile.ts';
import { Projection } from './projection.ts';
import { Reconciler, type PartitionView } from './reconciler.ts';
import { restoreState, snapshotState, type EngineSnapshot } from './snapshot.ts';
import { formatIso } from './time.ts';

/**
 * Evidence lists are capped so one event stays small even when a 10,000-identity component
 * forms at once; the cap keeps the strongest edges (spanning-tree order).
 */
export const EVIDENCE_CAP = 64;

export interface EngineOptions {
  readonly profile?: ScoringProfile;
}

const toEvidence = (a: string, b: string, s: EdgeScore): EdgeEvidence => ({
  a, b, weight: s.weight, handoff: s.handoff, shared_infra: s.shared_infra, temporal: s.temporal,
  cohort: s.cohort, keystroke: s.keystroke,
});

export class CampaignEngine implements Engine {
  readonly profile: ScoringProfile;
  readonly projection = new Projection();
  readonly reconciler = new Reconciler();
  readonly graph = new ComponentGraph();
  readonly features = new Map<string, Features>();
  readonly profiles = new Map<string, CampaignProfile>();
  private readonly index: CandidateIndex;
  private nextSequence = 1;

  constructor(options: EngineOptions = {}) {
    this.profile = options.profile ?? DEFAULT_PROFILE;
    this.index = new CandidateIndex(planCandidates(this.profile), this.profile);
  }

  applyBatch(events: readonly PositionedEvent[], range: BatchRange): BatchOutcome {
    const rejections: Rejection[] = [];
    let applied = 0;
    let duplicates = 0;
    let stale = 0;
    let maxTime = -Infinity;
    for (const { position, event } of events) {
      if (event.time > maxTime) maxTime = event.time;
      const r = this.projection.apply(event);
      if (r.kind === 'applied') applied++;
      else if (r.kind === 'duplicate') duplicates++;
      else if (r.kind === 'stale') stale++;
      else rejections.push({ position, event_id: event.event_id, code: r.code, reason: r.reason });
    }

    const { removed, dirty } = this.refreshNodes();
    const { touched } = this.graph.splitSuspects();
    const pairs_scored = this.scoreDirty(dirty);

    const out: CampaignEvent[] = [];
    const time = maxTime === -Infinity ? formatIso(0) : formatIso(maxTime);
    const emit = <T extends CampaignEventType>(type: T, payload: PayloadByType[T], evidence: readonly EdgeEvidence[] = []) => {
      const sequence = this.nextSequence++;
      out.push({
        event_id: eventId(sequence, type), sequence, type, time, batch: range, payload,
        evidence: evidence.length > EVIDENCE_CAP ? evidence.slice(0, EVIDENCE_CAP) : evidence,
      } as CampaignEvent);
      return sequence;
    };

    const components = this.affectedComponents([...dirty, ...touched]);
    const view = this.partitionView();
    const changed = this.reconciler.reconcile(removed, components, view, emit);
    for (const u of dirty) {
      const k = this.reconciler.campaignOf(u);
      if (k !== undefined) changed.add(k);
    }
    this.emitProfiles(changed, view, emit);

    return { events: out, rejections, stats: { applied, duplicates, stale, rejected: rejections.length, pairs_scored } };
  }

  /** Brings node features, the index and the graph in line with the projection. */
  private refreshNodes(): { removed: Array<{ uuid: string; reason: RemovalReason }>; dirty: string[] } {
    const removed: Array<{ uuid: string; reason: RemovalReason }> = [];
    const dirty: string[] = [];
    for (const u of this.projection.drainTouched()) {
      const old = this.features.get(u);
      if (!this.projection.isNode(u)) {
        if (old) {
          removed.push({ uuid: u, reason: this.projection.removalReason(u) });
          this.index.remove(u);
          this.graph.removeNode(u);
          this.features.delete(u);
        }
        continue;
      }
      const f = this.projection.features(u);
      if (old && sameFeatures(old, f)) continue;
      if (old) {
        this.index.remove(u);
        this.graph.detach(u);
      }
      this.features.set(u, f);
      this.index.add(f);
      dirty.push(u);
    }
    return { removed, dirty };
  }

  /** Scores every changed node against its candidates; each pair once. */
  private scoreDirty(dirty: readonly string[]): number {
    const isDirty = new Set(dirty);
    let scored = 0;
    const cands = new Set<string>();
    for (const x of dirty) {
      cands.clear();
      this.index.candidates(x, cands);
      const fx = this.features.get(x)!;
      for (const y of cands) {
        if (isDirty.has(y) && y < x) continue;
        const s = scorePair(fx, this.features.get(y)!, this.profile);
        scored++;
        if (isEdge(s, this.profile)) this.graph.addEdge(x, y, s);
      }
    }
    return scored;
  }

  private affectedComponents(nodes: readonly string[]): string[][] {
    const seen = new Set<string | number>();
    const comps: string[][] = [];
    for (const u of nodes) {
      if (!this.features.has(u)) continue;
      const key = this.componentKey(u);
      if (seen.has(key)) continue;
      seen.add(key);
      comps.push([...this.graph.membersOf(u)].sort());
    }
    return comps.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  private componentKey(u: string): string | number {
    return this.graph.componentOf(u)?.id ?? 's:' + u;
  }

  private partitionView(): PartitionView {
    const memo = new Map<string, readonly EdgeEvidence[]>();
    return {
      componentKey: (u) => this.componentKey(u),
      spanning: (members) => {
        const key = members.length + ':' + members[0];
        let hit = memo.get(key);
        if (!hit) memo.set(key, (hit = this.maximumSpanningForest(members)));
        return hit;
      },
    };
  }

  /** Kruskal, strongest edge first, ties by (a, b): the edges that hold the members together. */
  private maximumSpanningForest(members: readonly string[]): EdgeEvidence[] {
    if (members.length < 2) return [];
    const edges = this.graph.edgesWithin(members);
    edges.sort((x, y) => y.score.weight - x.score.weight || (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
    const parent = new Map<string, string>();
    const find = (u: string): string => {
      let r = u;
      while (parent.has(r)) r = parent.get(r)!;
      return r;
    };
    const out: EdgeEvidence[] = [];
    for (const e of edges) {
      const ra = find(e.a);
      const rb = find(e.b);
      if (ra === rb) continue;
      parent.set(ra, rb);
      out.push(toEvidence(e.a, e.b, e.score));
      if (out.length === members.length - 1) break;
    }
    return out;
  }

  private emitProfiles(
    changed: Set<string>, view: PartitionView,
    emit: <T extends CampaignEventType>(type: T, payload: PayloadByType[T], evidence?: readonly EdgeEvidence[]) => number,
  ): void {
    for (const c of [...changed].sort()) {
      if (this.reconciler.canonical(c) !== c) continue; // merged away: the winner carries the aggregates
      const members = this.reconciler.canonicalMembers(c);
      const after = computeProfile(members.map((u) => this.features.get(u)!), view.spanning(members), this.profile.threshold);
      const update = profileUpdate(c, this.profiles.get(c) ?? EMPTY_PROFILE, after);
      if (!update) continue;
      this.profiles.set(c, after);
      emit('campaign.profile.updated', update);
    }
  }

  membership(): Membership[] {
    return [...this.features.keys()].sort().map((u) => ({ identity_uuid: u, campaign_uuid: this.reconciler.campaignOf(u)! }));
  }

  status(): EngineStatus {
    let live = 0;
    let merged = 0;
    let largest = 0;
    for (const c of this.reconciler.campaigns.values()) {
      if (c.mergedInto !== null) merged++;
      else {
        const n = this.reconciler.canonicalMembers(c.uuid).length;
        if (n > 0) live++;
        if (n > largest) largest = n;
      }
    }
    return {
      identities_active: this.features.size, campaigns_live: live, campaigns_merged: merged,
      next_sequence: this.nextSequence, largest_campaign: largest,
    };
  }

  snapshot(): EngineSnapshot {
    return snapshotState(this.profile, this.projection, this.reconciler, this.profiles, this.nextSequence);
  }

  /** Rebuilds features, index and edges from the restored projection: a snapshot stores no derived state. */
  static restore(snapshot: unknown, options: EngineOptions = {}): CampaignEngine {
    const engine = new CampaignEngine(options);
    engine.nextSequence = restoreState(snapshot, engine.profile, engine.projection, engine.reconciler, engine.profiles);
    const nodes = [...engine.projection.identities.keys()].filter((u) => engine.projection.isNode(u)).sort();
    for (const u of nodes) {
      const f = engine.projection.features(u);
      engine.features.set(u, f);
      engine.index.add(f);
    }
    engine.scoreDirty(nodes);
    engine.projection.drainTouched();
    return engine;
  }
}

export const createEngine = (options: EngineOptions = {}): CampaignEngine => new CampaignEngine(options);
export const restoreEngine = (snapshot: unknown, options: EngineOptions = {}): CampaignEngine =>
  CampaignEngine.restore(snapshot, options);
