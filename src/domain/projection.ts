/**
 * The identity projection: folds identity events into per-identity evidence, the upstream merge
 * forest and retirements, and says which graph nodes changed.
 *
 * A node is an identity that is not merged out, not retired, and has evidence of its own or
 * identities merged into it. Evidence of a merged-out identity counts for the root of its merge
 * chain until it is unmerged; nothing under a retired identity counts at all.
 *
 * Every identity gets a dense integer id on first sight (`identities`: uuid → id); the rest of
 * the engine (index, graph, reconciler) works on those ids. Per-identity state is columnar.
 */
import type { RejectCode } from './engine-api.ts';
import { growF64, growI32, growU8 } from './columns.ts';
import { addObservation, buildFeatures, copyEvidence, emptyEvidence, type Evidence, type Features } from './features.ts';
import type { IdentityLayerEvent } from './identity-events.ts';
import type { RemovalReason } from './campaign-events.ts';
import { EventIdSet } from './event-id-set.ts';

export type ApplyResult =
  | { kind: 'applied' }
  | { kind: 'duplicate' }
  | { kind: 'stale' }
  | { kind: 'rejected'; code: RejectCode; reason: string };

const APPLIED: ApplyResult = Object.freeze({ kind: 'applied' });
const DUPLICATE: ApplyResult = Object.freeze({ kind: 'duplicate' });
const STALE: ApplyResult = Object.freeze({ kind: 'stale' });

export class Projection {
  /** identity uuid → dense id (every identity ever mentioned, node or not) */
  readonly identities = new Map<string, number>();
  /** dense id → identity uuid */
  readonly uuids: string[] = [];
  /** every event id ever seen (an event id's outcome is decided once) */
  readonly seen = new EventIdSet();
  /** last accepted `identity.observed` version per id; 0 = never observed */
  private version = new Float64Array(0);
  /** merge parent per id, -1 = none */
  private parent = new Int32Array(0);
  private retiredFlag = new Uint8Array(0);
  private readonly evidence: Array<Evidence | null> = [];
  private readonly children: Array<number[] | null> = [];
  /** ids whose node status or features may have changed since `drainTouchedIds` */
  private touchedList: number[] = [];
  private touchedMark = new Uint8Array(0);

  get size(): number {
    return this.uuids.length;
  }

  idOf(uuid: string): number | undefined {
    return this.identities.get(uuid);
  }

  uuidOf(id: number): string {
    return this.uuids[id];
  }

  private idFor(uuid: string): number {
    let id = this.identities.get(uuid);
    if (id === undefined) {
      id = this.uuids.length;
      this.identities.set(uuid, id);
      this.uuids.push(uuid);
      this.evidence.push(null);
      this.children.push(null);
      if (id >= this.parent.length) {
        this.version = growF64(this.version, id + 1);
        this.parent = growI32(this.parent, id + 1, -1);
        this.retiredFlag = growU8(this.retiredFlag, id + 1);
        this.touchedMark = growU8(this.touchedMark, id + 1);
      }
    }
    return id;
  }

  root(uuid: string): string {
    const id = this.identities.get(uuid);
    if (id === undefined) return uuid;
    let u = id;
    while (this.parent[u] >= 0) u = this.parent[u];
    return this.uuids[u];
  }

  private mark(id: number): void {
    if (this.touchedMark[id]) return;
    this.touchedMark[id] = 1;
    this.touchedList.push(id);
  }

  /** Marks the root of id's chain and every identity on it as possibly changed. */
  private touch(id: number): void {
    for (let u = id; u >= 0; u = this.parent[u]) this.mark(u);
  }

  apply(ev: IdentityLayerEvent): ApplyResult {
    // An event id's outcome is decided once, rejections included: a redelivered event must not
    // be judged again against a state that has moved on since.
    if (!this.seen.add(ev.event_id)) return DUPLICATE;
    return this.applyFresh(ev);
  }

  private isRetired(uuid: string): boolean {
    const id = this.identities.get(uuid);
    return id !== undefined && this.retiredFlag[id] === 1;
  }

  private applyFresh(ev: IdentityLayerEvent): ApplyResult {
    switch (ev.type) {
      case 'identity.observed': {
        const known = this.identities.get(ev.identity_uuid);
        if (known !== undefined) {
          if (this.retiredFlag[known]) return retired(ev.identity_uuid);
          if (ev.version <= this.version[known]) return STALE;
        }
        const id = known ?? this.idFor(ev.identity_uuid);
        this.version[id] = ev.version;
        // Stored evidence is immutable (it doubles as the node's features): fold into a copy.
        const prev = this.evidence[id];
        const next = prev ? copyEvidence(prev, ev.identity_uuid) : emptyEvidence(ev.identity_uuid);
        addObservation(next, ev.observation);
        this.evidence[id] = next;
        this.touch(id);
        return APPLIED;
      }
      case 'identity.merged': {
        const { winner_uuid: w, loser_uuid: l } = ev;
        if (w === l) return { kind: 'rejected', code: 'merge_cycle', reason: `identity ${w} cannot be merged into itself` };
        if (this.isRetired(w)) return retired(w);
        if (this.isRetired(l)) return retired(l);
        if (this.chainContains(w, l)) {
          return { kind: 'rejected', code: 'merge_cycle', reason: `merging ${l} into ${w} would close a cycle: ${w} is already merged into ${l}` };
        }
        const li = this.idFor(l);
        const wi = this.idFor(w);
        if (this.parent[li] === wi) return APPLIED;
        this.touch(li);
        const old = this.parent[li];
        if (old >= 0) removeChild(this.children[old]!, li);
        this.parent[li] = wi;
        (this.children[wi] ??= []).push(li);
        this.touch(li);
        return APPLIED;
      }
      case 'identity.unmerged': {
        const { resurrected_uuid: r, former_winner_uuid: w } = ev;
        const ri = this.identities.get(r);
        const wi = this.identities.get(w);
        // Not merged into that winner (already unmerged, or never merged): nothing to undo.
        if (ri === undefined || wi === undefined || this.parent[ri] !== wi) return APPLIED;
        this.touch(ri);
        this.parent[ri] = -1;
        removeChild(this.children[wi]!, ri);
        this.mark(ri);
        return APPLIED;
      }
      case 'identity.retired': {
        const id = this.idFor(ev.identity_uuid);
        if (this.retiredFlag[id]) return APPLIED;
        this.touch(id);
        this.retiredFlag[id] = 1;
        return APPLIED;
      }
    }
  }

  /** True when `target` is on the merge chain starting at `from` (inclusive). */
  private chainContains(from: string, target: string): boolean {
    if (from === target) return true;
    const f = this.identities.get(from);
    const t = this.identities.get(target);
    if (f === undefined || t === undefined) return false;
    for (let u = f; u >= 0; u = this.parent[u]) if (u === t) return true;
    return false;
  }

  /** What an override may say about an identity: whether the stream has mentioned it, and whether it left for good. */
  identityStatus(uuid: string): 'known' | 'unknown' | 'retired' {
    const id = this.identities.get(uuid);
    return id === undefined ? 'unknown' : this.retiredFlag[id] ? 'retired' : 'known';
  }

  /**
   * The graph node an identity's evidence counts for: the root of its merge chain, -1 when that
   * is not a node or something on the chain is retired (the identity's evidence counts nowhere).
   */
  nodeOfIdentity(uuid: string): number {
    const id = this.identities.get(uuid);
    if (id === undefined) return -1;
    let u = id;
    for (;;) {
      if (this.retiredFlag[u]) return -1;
      if (this.parent[u] < 0) break;
      u = this.parent[u];
    }
    return this.isNodeId(u) ? u : -1;
  }

  isNodeId(id: number): boolean {
    if (this.retiredFlag[id] || this.parent[id] >= 0) return false;
    const ch = this.children[id];
    return this.version[id] > 0 || (ch !== null && ch.length > 0);
  }

  isNode(uuid: string): boolean {
    const id = this.identities.get(uuid);
    return id !== undefined && this.isNodeId(id);
  }

  /** Why an identity that was a node no longer is. */
  removalReasonOf(id: number): RemovalReason {
    if (this.retiredFlag[id]) return 'retired';
    if (this.parent[id] >= 0) return 'merged_upstream';
    return 'no_evidence';
  }

  removalReason(uuid: string): RemovalReason {
    const id = this.identities.get(uuid);
    return id === undefined ? 'no_evidence' : this.removalReasonOf(id);
  }

  /** Features of a node: its evidence and that of every non-retired identity merged into it. */
  featuresOf(id: number): Features {
    const own = this.evidence[id];
    const ch = this.children[id];
    if (ch === null || ch.length === 0) return buildFeatures(this.uuids[id], own ? [own] : []);
    const parts: Evidence[] = [];
    const stack = [id];
    while (stack.length) {
      const u = stack.pop()!;
      if (this.retiredFlag[u]) continue;
      const e = this.evidence[u];
      if (e) parts.push(e);
      const c = this.children[u];
      if (c) for (const x of c) stack.push(x);
    }
    return buildFeatures(this.uuids[id], parts);
  }

  features(uuid: string): Features {
    const id = this.identities.get(uuid);
    return id === undefined ? buildFeatures(uuid, []) : this.featuresOf(id);
  }

  /** Ids touched since the last call, in touch order. */
  drainTouchedIds(): number[] {
    const out = this.touchedList;
    for (const id of out) this.touchedMark[id] = 0;
    this.touchedList = [];
    return out;
  }

  /** Identities touched since the last call, sorted. */
  drainTouched(): string[] {
    return this.drainTouchedIds().map((id) => this.uuids[id]).sort();
  }

  // ---- snapshot support -------------------------------------------------------------------

  stateOf(id: number): { version: number; evidence: Evidence | null; mergedInto: string | null; retired: boolean } {
    const p = this.parent[id];
    return { version: this.version[id], evidence: this.evidence[id], mergedInto: p >= 0 ? this.uuids[p] : null, retired: this.retiredFlag[id] === 1 };
  }

  /** Restores one identity (merge pointers are linked by `linkRestored`). */
  restoreIdentity(uuid: string, version: number, evidence: Evidence | null, retired: boolean): void {
    const id = this.idFor(uuid);
    this.version[id] = version;
    this.evidence[id] = evidence;
    this.retiredFlag[id] = retired ? 1 : 0;
  }

  restoreMerge(loser: string, winner: string): void {
    const li = this.idFor(loser);
    const wi = this.idFor(winner);
    this.parent[li] = wi;
    (this.children[wi] ??= []).push(li);
  }
}

function removeChild(list: number[], v: number): void {
  const i = list.indexOf(v);
  if (i >= 0) list.splice(i, 1);
}

function retired(uuid: string): ApplyResult {
  return { kind: 'rejected', code: 'retired_identity', reason: `identity ${uuid} is retired` };
}
