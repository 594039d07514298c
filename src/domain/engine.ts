/**
 * The campaign engine: projection → incremental clustering → reconciliation, one batch at a
 * time. Pure: no I/O, no clock, no randomness. Same events and same batch boundaries give a
 * byte-identical campaign event log.
 *
 * Internally every identity is a dense integer (assigned by the projection on first sight) and
 * campaigns are dense integers too; strings appear only at the edges (input events, emitted
 * events, the read-only views below). A batch costs in proportion to what it changes: the
 * re-scored nodes' candidate pairs, the spanning-forest updates they cause, and the campaign
 * events and profile deltas that result.
 */
import type { BatchRange, CampaignEvent, CampaignEventType, EdgeEvidence, PayloadByType, RemovalReason } from './campaign-events.ts';
import { ConstrainedForest } from './constrained-forest.ts';
import {
  EMPTY_STORED, ProfileStore, profileOfMembers, storedUpdate, type StoredProfile,
} from './campaign-profile.ts';
import { BaseRates } from './base-rates.ts';
import { CandidateIndex, NODE_STRIDE, planCandidates, SLOT_HITS } from './candidate-index.ts';
import { CompactScorer, keystrokeFromHalves } from './compact-scorer.ts';
import { growI32, sortInPlace } from './columns.ts';
import { ComponentGraph } from './components.ts';
import { isDensityAware, rarityFactor, scorePair, sharedInfraScore, type EdgeScore } from './edges.ts';
import type { BatchOutcome, Engine, EngineStatus, Membership, Rejection } from './engine-api.ts';
import { sameFeatures, type Features } from './features.ts';
import { InfraClasses, type InfraClass } from './infra-classes.ts';
import { OVERRIDE_WEIGHT, type HardLink } from './overrides.ts';
import { idPrefix, type Domain } from './domains.ts';
import { eventId } from './ids.ts';
import { isAnalystEvent, type PositionedEvent } from './identity-events.ts';
import { EngineOverrides } from './engine-overrides.ts';
import { DEFAULT_PROFILE, type ScoringProfile } from './profile.ts';
import { Projection } from './projection.ts';
import { CampaignRegistry } from './campaign-registry.ts';
import { Reconciler } from './reconciler.ts';
import { restoreState, snapshotState, type EngineSnapshot } from './snapshot.ts';
import { popcount32 } from './simhash.ts';
import { formatIso } from './time.ts';

/**
 * Evidence lists are capped so one event stays small even when a 10,000-identity component
 * forms at once; the cap keeps the strongest edges (spanning-tree order).
 */
export const EVIDENCE_CAP = 64;

export interface EngineOptions {
  readonly profile?: ScoringProfile;
  /**
   * The one clustering domain this engine clusters (domains.ts); null or absent: the default
   * domain. The engine never looks at an input event's domain: whoever feeds it routes each
   * domain's events to that domain's engine. What it changes is the output: every event carries
   * `domain` and its ids are prefixed with it, so two domains' logs never share an id.
   */
  readonly domain?: Domain;
}

// engine slots of the per-node block (the index uses SLOT_HITS and SLOT_MARK)
const B_FLAGS = 0;
const B_KDHI = 1;
const B_KDLO = 2;
const B_DIRTY = 4;
const B_POS = 5;

const NO_EVIDENCE: readonly EdgeEvidence[] = Object.freeze([]) as readonly EdgeEvidence[];

export class CampaignEngine implements Engine {
  /** Test hook: check every compact weight against scorePair (throws on a difference). */
  static verifyCompactScores = false;
  readonly profile: ScoringProfile;
  readonly domain: Domain;
  /** The domain's UUIDv5 name prefix ('' in the default domain). */
  private readonly idPrefix: string;
  readonly projection = new Projection();
  readonly graph: ComponentGraph;
  /** campaigns, the merge forest and assignments */
  readonly registry: CampaignRegistry;
  private readonly reconciler: Reconciler;
  /** Work counters (diagnostics, benchmarks, the tests that bound a batch's work): monotonic. */
  readonly work: {
    /** identities visited by the reconciler's member walks */
    readonly membersWalked: number;
  };
  /** Current node features by identity uuid (read-only view). */
  readonly features: ReadonlyMap<string, Features>;
  private readonly feats: Array<Features | undefined> = [];
  private readonly profiles = new ProfileStore();
  private readonly index: CandidateIndex;
  private nextSequence = 1;
  private nodeCount = 0;
  private batchNo = 0;
  /** Non-negative weights: a cheap upper bound on a pair's weight can rule it out exactly. */
  private readonly boundable: boolean;
  /**
   * Per-node block (NODE_STRIDE ints, one cache line for half a dozen facts): the candidate
   * index's stamp and infra-hit count, and what the bound needs, so a candidate pair is judged
   * without touching either node's features: B_FLAGS = bound flags | infra length << 5,
   * B_KDHI / B_KDLO = keystroke halves, B_DIRTY = batch stamp when dirty, B_POS = its position.
   */
  private block = new Int32Array(0);
  private readonly compact: CompactScorer;
  /**
   * Identical-infrastructure classes, when identical infrastructure alone links (then a floor
   * edge between two non-hub members is never stored: see infra-classes.ts); null otherwise.
   */
  private readonly classes: InfraClasses | null;
  /** the weight of a pair that shares its whole infrastructure set and nothing else */
  private readonly floorWeight: number;
  /**
   * The counts a density-aware profile (default@2) scores with, null for the others. Its
   * scores read them, so the fast paths that assume a pair's score is a function of the two
   * nodes alone (compact scorer, hit-count bound, identical-infrastructure classes) are off.
   */
  private readonly rates: BaseRates | null;
  /** Analyst overrides: the book, what is in force, the cut regions and labels (engine-overrides.ts). */
  readonly overrides: EngineOverrides;

  constructor(options: EngineOptions = {}) {
    this.profile = options.profile ?? DEFAULT_PROFILE;
    this.domain = options.domain ?? null;
    this.idPrefix = idPrefix(this.domain);
    const densityAware = isDensityAware(this.profile);
    const rarity = this.profile.rarity;
    this.index = new CandidateIndex(planCandidates(this.profile), this.profile, densityAware ? {
      rarity: (holders) => (rarity === null ? 1 : rarityFactor(holders, rarity)),
      role: (out, decky, t) => !(out ? this.rates!.crowdedOut(decky, t) : this.rates!.crowdedIn(decky, t)),
    } : null);
    this.rates = densityAware
      ? new BaseRates(this.profile, (t) => this.index.holdersOf(t), (t) => this.index.holderIds(t),
        (u, fn) => this.graph.forEachEdge(u, (_e, other) => fn(other)))
      : null;
    this.compact = new CompactScorer(this.profile, (a, b) => this.projection.uuids[a] < this.projection.uuids[b]);
    const w = this.profile.weights;
    this.boundable = [w.handoff, w.shared_infra, w.temporal, w.cohort, w.keystroke].every((v) => Number.isFinite(v) && v >= 0);
    this.floorWeight = w.handoff * 0 + w.shared_infra * 1 + w.temporal * 0 + w.cohort * 0 + w.keystroke * 0;
    this.classes = !densityAware && this.boundable && this.floorWeight >= this.profile.threshold
      ? new InfraClasses((a, b) => this.projection.uuids[a] < this.projection.uuids[b]) : null;
    const p = this.projection;
    const uuidOf = (id: number) => p.uuids[id];
    const idOf = (uuid: string) => p.identities.get(uuid);
    this.registry = new CampaignRegistry(uuidOf, idOf, this.idPrefix);
    this.reconciler = new Reconciler(this.registry, uuidOf);
    const registry = this.registry;
    this.work = { get membersWalked() { return registry.walked; } };
    this.graph = new ComponentGraph(uuidOf, (id) => this.feats[id], (id) => this.registry.campaignIdOf(id), idOf);
    this.features = new FeaturesView(p, this.feats, () => this.nodeCount);
    this.overrides = new EngineOverrides(p, this.registry, new ConstrainedForest(this.graph, uuidOf, (nodes) => this.implicitClassEdges(nodes)));
  }

  applyBatch(events: readonly PositionedEvent[], range: BatchRange): BatchOutcome {
    const rejections: Rejection[] = [];
    let applied = 0;
    let duplicates = 0;
    let stale = 0;
    let maxTime = -Infinity;
    const ov = this.overrides;
    for (const { position, event } of events) {
      if (event.time > maxTime) maxTime = event.time;
      if (isAnalystEvent(event)) {
        // One id space with the identity layer's events: a repeated id is a duplicate whatever its type.
        if (!this.projection.seen.add(event.event_id)) duplicates++;
        else {
          const r = ov.apply(event, position);
          if (r === null) applied++;
          else if (r !== 'deferred') rejections.push({ position, event_id: event.event_id, code: r.code, reason: r.reason });
        }
        continue;
      }
      const r = this.projection.apply(event);
      if (r.kind === 'applied') applied++;
      else if (r.kind === 'duplicate') duplicates++;
      else if (r.kind === 'stale') stale++;
      else rejections.push({ position, event_id: event.event_id, code: r.code, reason: r.reason });
    }

    this.graph.beginBatch();
    const { removed, dirty, reattached } = this.refreshNodes();
    // What is in force is settled before scoring, which writes must-links and pins as edges.
    const hardChange = ov.settle(rejections);
    let pairs_scored = this.scoreDirty(this.withNewHubs(dirty));
    // Nodes of re-scored pairs may have joined components without changing themselves: they
    // are reconciled like changed nodes.
    let joiners = dirty;
    if (this.rates !== null) {
      const rescored = this.rescoreAffected();
      pairs_scored += rescored.pairs;
      if (rescored.nodes.length) joiners = dirty.concat(rescored.nodes);
    }
    for (const x of reattached) this.graph.dropUnstamped(x);
    for (const { id } of removed) this.graph.removeNode(id);
    // Edges an override added or gave back join components at nodes that did not change: they
    // are reconciled like changed nodes (a cut shows as a split, which needs nothing more).
    const linked: number[] = [];
    if (hardChange !== null) this.applyHardChange(hardChange.added, hardChange.removed, linked);
    ov.solveCuts(dirty, (u) => this.feats[u] !== undefined, linked);
    if (linked.length) joiners = [...new Set(joiners.concat(linked))];

    const out: CampaignEvent[] = [];
    const time = maxTime === -Infinity ? formatIso(0) : formatIso(maxTime);
    const domain = this.domain;
    const prefix = this.idPrefix;
    const emit = <T extends CampaignEventType>(type: T, payload: PayloadByType[T], evidence?: readonly number[]): number => {
      const sequence = this.nextSequence++;
      const e = {
        event_id: eventId(sequence, type, prefix), sequence, type, time, batch: range, payload,
        evidence: evidence && evidence.length ? this.evidence(evidence) : NO_EVIDENCE,
      } as CampaignEvent;
      // `domain` last and only outside the default domain: the default log keeps its bytes.
      out.push(domain === null ? e : { ...e, domain });
      return sequence;
    };

    const uuids = this.projection.uuids;
    if (removed.length > 1) sortInPlace(removed, (a, b) => (uuids[a.id] < uuids[b.id] ? -1 : uuids[a.id] > uuids[b.id] ? 1 : 0));
    const changed = this.reconciler.reconcile(removed, joiners, this.graph, emit);
    for (const u of dirty) {
      const k = this.registry.campaignIdOf(u);
      if (k >= 0) changed.add(k);
    }
    this.emitProfiles(changed, emit);
    applied += ov.judgeDeferred(rejections);
    ov.emitLabels(emit);

    return { events: out, rejections, stats: { applied, duplicates, stale, rejected: rejections.length, pairs_scored } };
  }

  /** Brings node features, the index and the graph's aggregates in line with the projection. */
  private refreshNodes(): { removed: Array<{ id: number; reason: RemovalReason }>; dirty: number[]; reattached: number[] } {
    const removed: Array<{ id: number; reason: RemovalReason }> = [];
    const dirty: number[] = [];
    const reattached: number[] = [];
    const p = this.projection;
    this.graph.ensureNode(p.size - 1);
    this.registry.ensureNode(p.size - 1);
    this.ensureColumns(p.size);
    for (const u of p.drainTouchedIds()) {
      const old = this.feats[u];
      if (!p.isNodeId(u)) {
        if (old) {
          removed.push({ id: u, reason: p.removalReasonOf(u) });
          this.rates?.update(u, old, undefined);
          this.index.remove(u, old);
          this.graph.featuresChanged(u, old, undefined);
          this.graph.markRemoving(u);
          this.feats[u] = undefined;
          this.classes?.set(u, undefined);
          this.nodeCount--;
        }
        continue;
      }
      const f = p.featuresOf(u);
      if (old && sameFeatures(old, f)) continue;
      this.rates?.update(u, old, f);
      if (old) {
        this.index.remove(u, old);
        reattached.push(u);
      } else this.nodeCount++;
      this.feats[u] = f;
      this.setBoundColumns(u, f);
      this.index.add(u, f);
      this.classes?.set(u, f.infra);
      this.graph.featuresChanged(u, old, f);
      dirty.push(u);
    }
    return { removed, dirty, reattached };
  }

  /** scorePair with the engine's profile (and, for a density-aware one, its counts). */
  private score(a: Features, b: Features): EdgeScore {
    return scorePair(a, b, this.profile, this.rates ?? undefined);
  }

  /**
   * Re-scores the pairs whose score this batch's count changes may have moved (a token's
   * rarity, a handoff window's crowd) unless a node of the pair was scored anyway.
   */
  private rescoreAffected(): { pairs: number; nodes: number[] } {
    const B = this.block;
    const batch = this.batchNo;
    const keys = new Set<number>();
    this.rates!.drainAffected((x, y) => {
      if (!this.feats[x] || !this.feats[y]) return;
      if (B[NODE_STRIDE * x + B_DIRTY] === batch || B[NODE_STRIDE * y + B_DIRTY] === batch) return;
      if (this.overrides.isHard(x, y)) return; // an override's edge, whatever the counts say
      keys.add(x < y ? x * 0x4000000 + y : y * 0x4000000 + x);
    });
    if (keys.size === 0) return { pairs: 0, nodes: [] };
    const pairs = [...keys].sort((a, b) => a - b);
    const threshold = this.profile.threshold;
    const nodes: number[] = [];
    for (const k of pairs) {
      const x = Math.floor(k / 0x4000000);
      const y = k - x * 0x4000000;
      const w = this.score(this.feats[x]!, this.feats[y]!).weight;
      this.graph.setPair(x, y, w >= threshold ? w : null);
      nodes.push(x, y);
    }
    return { pairs: pairs.length, nodes };
  }

  /** `dirty` plus the members that became an infrastructure class's hub (their hub edges are due). */
  private withNewHubs(dirty: number[]): number[] {
    const hubs = this.classes?.settle();
    if (!hubs?.length) return dirty;
    const batch = this.batchNo + 1;
    const B = this.block;
    for (const u of dirty) B[NODE_STRIDE * u + B_DIRTY] = batch;
    const out = dirty.slice();
    for (const h of hubs) if (B[NODE_STRIDE * h + B_DIRTY] !== batch && this.feats[h]) { B[NODE_STRIDE * h + B_DIRTY] = batch; out.push(h); }
    return out;
  }

  private ensureColumns(n: number): void {
    if (NODE_STRIDE * n <= this.block.length) return;
    this.block = growI32(this.block, NODE_STRIDE * Math.max(n, 1024));
  }

  private setBoundColumns(u: number, f: Features): void {
    const at = NODE_STRIDE * u;
    this.block[at + B_FLAGS] =
      (f.windowTotal > 0 ? 1 : 0) |
      (f.asns.length + f.tools.length + f.deckies.length > 0 ? 2 : 0) |
      (f.last.size > 0 ? 4 : 0) |
      (f.first.size > 0 ? 8 : 0) |
      (f.kd !== null ? 16 : 0) |
      (f.infra.length << 5);
    this.block[at + B_KDHI] = f.kdHi | 0;
    this.block[at + B_KDLO] = f.kdLo | 0;
    this.compact.set(this.block, u, f);
  }

  /** Scores every changed node against its candidates, each pair once, and updates the edges. */
  private scoreDirty(dirty: readonly number[]): number {
    const batch = ++this.batchNo;
    this.ensureColumns(this.projection.size);
    const B = this.block;
    for (let i = 0; i < dirty.length; i++) {
      B[NODE_STRIDE * dirty[i] + B_DIRTY] = batch;
      B[NODE_STRIDE * dirty[i] + B_POS] = i;
    }
    let scored = 0;
    const threshold = this.profile.threshold;
    const cands: number[] = [];
    for (let i = 0; i < dirty.length; i++) {
      const x = dirty[i];
      const fx = this.feats[x]!;
      cands.length = 0;
      this.index.candidates(x, fx, cands, B);
      this.graph.beginNode(x);
      // x's class, when x is a non-hub member of a class of two or more (floor edges to other
      // non-hub members are dominated by the hub's and are not stored)
      const cls = this.classes?.classOf(x);
      const cx = cls && cls.size >= 2 && cls.hub !== x ? cls : undefined;
      const floor = this.floorWeight;
      const hard = this.overrides.hardPartners(x);
      for (const y of cands) {
        if (B[NODE_STRIDE * y + B_DIRTY] === batch && B[NODE_STRIDE * y + B_POS] < i) continue;
        if (hard !== undefined && hard.has(y)) continue; // a must-link or pin: written below, whatever its score
        scored++;
        let weight = this.exactWeight(x, y);
        if (CampaignEngine.verifyCompactScores && !Number.isNaN(weight)) {
          const ref = this.score(fx, this.feats[y]!).weight;
          if (!Object.is(ref, weight)) throw new Error(`compact weight ${weight} ≠ scorePair ${ref} for ${fx.uuid} / ${this.feats[y]!.uuid}`);
        }
        if (Number.isNaN(weight)) {
          if (this.boundable && !this.mayReach(x, y)) continue;
          weight = this.score(fx, this.feats[y]!).weight;
        }
        if (weight < threshold) continue;
        if (cx !== undefined && weight === floor && y !== cx.hub && this.classes!.classOf(y) === cx) continue;
        this.graph.upsert(x, y, weight);
      }
      if (hard !== undefined) {
        for (const y of hard.keys()) {
          if (B[NODE_STRIDE * y + B_DIRTY] === batch && B[NODE_STRIDE * y + B_POS] < i) continue;
          if (this.feats[y]) this.graph.upsert(x, y, OVERRIDE_WEIGHT);
        }
      }
    }
    return scored;
  }

  /**
   * Must-links and pins that came into or went out of force between nodes the scoring did not
   * visit: one in force is an edge of OVERRIDE_WEIGHT, one that went is the pair's own score again.
   */
  private applyHardChange(added: readonly HardLink[], removed: readonly HardLink[], linked: number[]): void {
    const threshold = this.profile.threshold;
    for (const h of removed) {
      if (!this.feats[h.x] || !this.feats[h.y] || this.overrides.isHard(h.x, h.y)) continue;
      const w = this.score(this.feats[h.x]!, this.feats[h.y]!).weight;
      this.graph.setPair(h.x, h.y, w >= threshold ? w : null);
    }
    for (const h of added) {
      if (!this.feats[h.x] || !this.feats[h.y]) continue;
      this.graph.upsert(h.x, h.y, OVERRIDE_WEIGHT);
      linked.push(h.x, h.y);
    }
  }

  /**
   * The floor edges an identical-infrastructure class does not store (pairs of non-hub members
   * without an edge) among `nodes`: the cannot-link solve needs them (constrained-forest.ts).
   */
  private implicitClassEdges(nodes: readonly number[]): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = [];
    if (this.classes === null) return out;
    const byClass = new Map<InfraClass, number[]>();
    for (const u of nodes) {
      const c = this.classes.classOf(u);
      if (c === undefined || c.size < 2 || c.hub === u) continue;
      const list = byClass.get(c);
      if (list) list.push(u);
      else byClass.set(c, [u]);
    }
    for (const list of byClass.values()) {
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) if (this.graph.edgeBetween(list[i], list[j]) < 0) out.push([list[i], list[j], this.floorWeight]);
      }
    }
    return out;
  }

  /**
   * scorePair(a, b).weight computed from the node blocks alone when both nodes are compact
   * (CompactScorer), NaN otherwise. Shared infra comes from the candidate hit count, keystroke
   * from the stored halves: both exactly as edges.ts computes them.
   */
  private exactWeight(a: number, b: number): number {
    if (!this.index.plan.infra) return NaN;
    const B = this.block;
    const A = NODE_STRIDE * a;
    const Bb = NODE_STRIDE * b;
    const fa = B[A + B_FLAGS];
    const fb = B[Bb + B_FLAGS];
    const p = this.profile;
    const w = p.weights;
    const shared = w.shared_infra !== 0 ? this.sharedFromIndex(fa, fb, b) : 0;
    const keystroke = w.keystroke !== 0 && fa & 16 && fb & 16
      ? keystrokeFromHalves(B[A + B_KDHI], B[A + B_KDLO], B[Bb + B_KDHI], B[Bb + B_KDLO], p.keystrokeMaxHamming) : 0;
    const weight = this.compact.weight(B, a, b, shared, keystroke);
    // A density-aware profile adjusts a handoff by its counterparts: only scorePair knows them.
    if (this.rates !== null && p.handoffBaseRate !== null && this.compact.last.handoff !== 0) return NaN;
    return weight;
  }

  /**
   * The pair's shared-infrastructure score from what the candidate index counted for candidate
   * b: the Jaccard from the shared-token count, or, under token rarity, the capped sum of the
   * shared tokens' rarity factors (edges.ts sums them in the same order).
   */
  private sharedFromIndex(fa: number, fb: number, b: number): number {
    if (this.rates !== null && this.profile.rarity !== null) return Math.min(1, this.index.rareSum(b));
    const la = fa >>> 5;
    const lb = fb >>> 5;
    const inter = this.block[NODE_STRIDE * b + SLOT_HITS];
    return la === 0 && lb === 0 ? 0 : inter / (la + lb - inter);
  }

  /**
   * False when the pair cannot reach the threshold: the combined weight computed exactly as
   * `scorePair` does (same products, same left-to-right sum) with the exact shared-infra and
   * keystroke scores and upper bounds for the rest (handoff 1 when both sides have phase marks,
   * temporal and cohort 1 unless provably 0). With non-negative weights every product and sum
   * is monotone under IEEE rounding, so bound < threshold ⇒ weight < threshold.
   */
  private mayReach(a: number, b: number): boolean {
    const p = this.profile;
    const w = p.weights;
    const B = this.block;
    const A = NODE_STRIDE * a;
    const Bb = NODE_STRIDE * b;
    const fa = B[A + B_FLAGS];
    const fb = B[Bb + B_FLAGS];
    let shared = 0;
    if (w.shared_infra !== 0) {
      // counted while gathering candidates: exactly the score edges.ts computes
      if (this.index.plan.infra) shared = this.sharedFromIndex(fa, fb, b);
      else if (this.rates === null) shared = sharedInfraScore(this.feats[a]!, this.feats[b]!);
      else return true;
    }
    let keystroke = 0;
    if (w.keystroke !== 0 && fa & 16 && fb & 16) {
      // keystrokeScore exactly (hammingHalves on the same bits)
      const d = popcount32((B[A + B_KDHI] ^ B[Bb + B_KDHI]) >>> 0) + popcount32((B[A + B_KDLO] ^ B[Bb + B_KDLO]) >>> 0);
      keystroke = d < p.keystrokeMaxHamming ? 1 - d / p.keystrokeMaxHamming : 0;
    }
    const temporal = w.temporal !== 0 && fa & 1 && fb & 1 ? 1 : 0;
    const cohort = w.cohort !== 0 && (fa & 2 || fb & 2) ? 1 : 0;
    const handoff = w.handoff !== 0 && ((fa & 4 && fb & 8) || (fb & 4 && fa & 8)) ? 1 : 0;
    const bound = w.handoff * handoff + w.shared_infra * shared + w.temporal * temporal + w.cohort * cohort + w.keystroke * keystroke;
    return bound >= p.threshold;
  }

  /**
   * Edge ids → evidence records (capped), scores recomputed from the current features: by the
   * compact scorer when both ends are compact (the same numbers, see CompactScorer), else by
   * scorePair.
   */
  private evidence(edges: readonly number[]): EdgeEvidence[] {
    const out = this.scoredEvidence(edges);
    if (!this.overrides.present) return out;
    for (let i = 0; i < out.length; i++) {
      const e = edges[i];
      const cutBy = this.graph.suppressedBy(e);
      if (cutBy !== undefined) {
        out[i] = { ...out[i], override: cutBy, cut: true };
        continue;
      }
      const by = this.overrides.hardId(this.graph.edgeA(e), this.graph.edgeB(e));
      if (by !== undefined) out[i] = { ...out[i], override: by };
    }
    return out;
  }

  private scoredEvidence(edges: readonly number[]): EdgeEvidence[] {
    const n = Math.min(edges.length, EVIDENCE_CAP);
    const out: EdgeEvidence[] = new Array(n);
    const uuids = this.projection.uuids;
    const p = this.profile;
    const w = p.weights;
    const B = this.block;
    for (let i = 0; i < n; i++) {
      const e = edges[i];
      const a = this.graph.edgeA(e);
      const b = this.graph.edgeB(e);
      const fa = this.feats[a]!;
      const fb = this.feats[b]!;
      const shared = w.shared_infra !== 0 ? sharedInfraScore(fa, fb) : 0;
      const A = NODE_STRIDE * a;
      const Bb = NODE_STRIDE * b;
      const keystroke = w.keystroke !== 0 && B[A + B_FLAGS] & 16 && B[Bb + B_FLAGS] & 16
        ? keystrokeFromHalves(B[A + B_KDHI], B[A + B_KDLO], B[Bb + B_KDHI], B[Bb + B_KDLO], p.keystrokeMaxHamming) : 0;
      const weight = this.rates !== null ? NaN : this.compact.weight(B, a, b, shared, keystroke);
      if (!Number.isNaN(weight)) {
        const f = this.compact.last;
        out[i] = {
          a: uuids[a], b: uuids[b], weight, handoff: f.handoff, shared_infra: shared, temporal: f.temporal, cohort: f.cohort, keystroke,
        };
        continue;
      }
      const s = this.score(fa, fb);
      out[i] = s.adjustment === undefined
        ? {
          a: uuids[a], b: uuids[b], weight: s.weight, handoff: s.handoff, shared_infra: s.shared_infra, temporal: s.temporal,
          cohort: s.cohort, keystroke: s.keystroke,
        }
        : {
          a: uuids[a], b: uuids[b], weight: s.weight, handoff: s.handoff, shared_infra: s.shared_infra, temporal: s.temporal,
          cohort: s.cohort, keystroke: s.keystroke, raw_weight: s.adjustment.raw_weight,
          adjusted: { shared_infra: s.adjustment.shared_infra, handoff: s.adjustment.handoff },
        };
    }
    return out;
  }

  private emitProfiles(
    changed: Set<number>,
    emit: <T extends CampaignEventType>(type: T, payload: PayloadByType[T], evidence?: readonly number[]) => number,
  ): void {
    const r = this.registry;
    const g = this.graph;
    const list = [...changed];
    if (list.length > 1) sortInPlace(list, r.byUuidOrder);
    for (const c of list) {
      if (r.mergedIntoOf(c) >= 0) continue; // merged away: the winner carries the aggregates
      const uuid = r.uuid(c);
      const m = r.anyLiveMember(c);
      if (m < 0) {
        const update = storedUpdate(uuid, this.profiles.get(c), EMPTY_STORED);
        if (!update) continue;
        this.profiles.set(c, EMPTY_STORED);
        emit('campaign.profile.updated', update);
        continue;
      }
      const size = g.compSize(m);
      const confidence = size > 1 ? Math.min(1, g.weakest(m) / (2 * this.profile.threshold)) : 0;
      const agg = g.component(m)?.agg;
      if (agg) {
        if (this.profiles.isLinked(c, agg)) {
          const update = agg.update(uuid, confidence);
          agg.sync(c, confidence);
          if (update) emit('campaign.profile.updated', update);
        } else {
          const update = storedUpdate(uuid, this.profiles.get(c), agg.current(confidence));
          this.profiles.link(c, agg, confidence);
          if (update) emit('campaign.profile.updated', update);
        }
        continue;
      }
      const before = this.profiles.get(c);
      const ids = g.membersOfId(m);
      const members: Features[] = [];
      for (const u of ids) members.push(this.feats[u]!);
      const after: StoredProfile = profileOfMembers(members, confidence, before);
      const update = storedUpdate(uuid, before, after);
      if (!update) continue;
      this.profiles.set(c, after);
      emit('campaign.profile.updated', update);
    }
  }

  membership(): Membership[] {
    const uuids = this.projection.uuids;
    const ids: number[] = [];
    for (let u = 0; u < this.feats.length; u++) if (this.feats[u]) ids.push(u);
    ids.sort((a, b) => (uuids[a] < uuids[b] ? -1 : uuids[a] > uuids[b] ? 1 : 0));
    return ids.map((u) => {
      const c = this.registry.campaignIdOf(u);
      return { identity_uuid: uuids[u], campaign_uuid: c < 0 ? (undefined as unknown as string) : this.registry.uuid(c) };
    });
  }

  status(): EngineStatus {
    // After every batch each component is exactly one live canonical campaign (invariant 1),
    // so campaign counts are component counts: nodes minus spanning-forest edges.
    return {
      identities_active: this.nodeCount,
      campaigns_live: this.nodeCount - this.graph.treeEdgeCount,
      campaigns_merged: this.registry.merged,
      next_sequence: this.nextSequence,
      largest_campaign: this.nodeCount > 0 ? this.graph.largest : 0,
      events_held: this.projection.seen.size,
    };
  }

  snapshot(): EngineSnapshot {
    return snapshotState(this.profile, this.projection, this.registry, this.profiles, this.nextSequence, this.domain, this.overrides.book);
  }

  /** Rebuilds features, index and edges from the restored projection: a snapshot stores no derived state. */
  static restore(snapshot: unknown, options: EngineOptions = {}): CampaignEngine {
    const engine = new CampaignEngine(options);
    const p = engine.projection;
    engine.nextSequence = restoreState(snapshot, engine.profile, p, engine.registry, engine.profiles, engine.domain, engine.overrides.book);
    engine.graph.ensureNode(p.size - 1);
    engine.registry.ensureNode(p.size - 1);
    const nodes: number[] = [];
    for (let id = 0; id < p.size; id++) {
      if (!p.isNodeId(id)) continue;
      const f = p.featuresOf(id);
      engine.feats[id] = f;
      engine.ensureColumns(p.size);
      engine.setBoundColumns(id, f);
      engine.rates?.update(id, undefined, f);
      engine.index.add(id, f);
      engine.classes?.set(id, f.infra);
      nodes.push(id);
    }
    engine.classes?.settle();
    engine.nodeCount = nodes.length;
    engine.graph.beginBatch();
    // What was in force when the snapshot was taken (its conflicts were reported then).
    engine.overrides.restored();
    engine.scoreDirty(nodes);
    engine.rates?.drainAffected(() => {}); // every node was just scored with the counts as they stand
    engine.overrides.solveCuts([], (u) => engine.feats[u] !== undefined, []);
    engine.overrides.restoredLabels();
    p.drainTouchedIds();
    return engine;
  }
}

/** `engine.features`: node features by identity uuid, over the engine's columns. */
class FeaturesView implements ReadonlyMap<string, Features> {
  constructor(
    private readonly p: Projection, private readonly feats: Array<Features | undefined>, private readonly count: () => number,
  ) {}

  get size(): number {
    return this.count();
  }
  get(uuid: string): Features | undefined {
    const id = this.p.identities.get(uuid);
    return id === undefined ? undefined : this.feats[id];
  }
  has(uuid: string): boolean {
    return this.get(uuid) !== undefined;
  }
  *entries(): MapIterator<[string, Features]> {
    for (let id = 0; id < this.feats.length; id++) {
      const f = this.feats[id];
      if (f) yield [this.p.uuids[id], f];
    }
  }
  *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): MapIterator<Features> {
    for (const [, v] of this.entries()) yield v;
  }
  forEach(cb: (value: Features, key: string, map: ReadonlyMap<string, Features>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this);
  }
  [Symbol.iterator](): MapIterator<[string, Features]> {
    return this.entries();
  }
}

export const createEngine = (options: EngineOptions = {}): CampaignEngine => new CampaignEngine(options);
export const restoreEngine = (snapshot: unknown, options: EngineOptions = {}): CampaignEngine =>
  CampaignEngine.restore(snapshot, options);
