/**
 * The engine's side of analyst overrides: judges each override event (overrides.ts), settles
 * what is in force once per batch, answers the scoring's questions (which pairs are must-link or
 * pin edges), drives the cannot-link solve (constrained-forest.ts) and emits label changes.
 *
 * Cost when no override was ever accepted: a size check per batch. With overrides: what is in
 * force is recomputed when an override or revoke arrives, or when an identity an override names
 * now counts for another node (an upstream merge, unmerge, retirement, first evidence), which is
 * found by checking every named identity's node: O(identities named by overrides) per batch.
 */
import type { CampaignEventType, PayloadByType } from './campaign-events.ts';
import type { CampaignRegistry } from './campaign-registry.ts';
import type { ConstrainedForest } from './constrained-forest.ts';
import type { RejectCode, Rejection } from './engine-api.ts';
import type { AnalystEvent } from './identity-events.ts';
import {
  EMPTY_RESOLUTION, labelOf, OverrideBook, resolveOverrides, type HardLink, type OverrideRecord, type OverrideResolution,
} from './overrides.ts';
import type { Projection } from './projection.ts';

type Emit = <T extends CampaignEventType>(type: T, payload: PayloadByType[T], evidence?: readonly number[]) => number;

export class EngineOverrides {
  readonly book = new OverrideBook();
  private resolution: OverrideResolution = EMPTY_RESOLUTION;
  /** node → partner → the must-link or pin in force between them */
  private readonly hardAt = new Map<number, Map<number, string>>();
  /** every identity an unrevoked must-link, cannot-link or pin names → the node it counted for at the last settle */
  private endpoints = new Map<string, number>();
  /** an override or a revoke of one arrived since the last settle */
  private dirty = false;
  /** campaign uuid → its label overrides */
  private readonly labels = new Map<string, OverrideRecord[]>();
  /** campaign uuid → the label override last emitted (null: none) */
  private readonly shown = new Map<string, string | null>();
  private labelsTouched = new Set<string>();
  private deferred: Array<{ ev: AnalystEvent; position: string }> = [];
  private readonly deferredIds = new Set<string>();

  constructor(
    private readonly projection: Projection,
    private readonly registry: CampaignRegistry,
    private readonly forest: ConstrainedForest,
  ) {}

  /** Any must-link or pin in force, or any cut: evidence then looks for the override behind an edge. */
  get present(): boolean {
    return this.hardAt.size > 0 || this.forest.cuts > 0;
  }

  /** The overrides in force and those that lost (with why), as of the last batch. */
  get inForce(): OverrideResolution {
    return this.resolution;
  }

  /**
   * Judges one override event (new id): null when accepted, why not when refused, 'deferred'
   * for a label (and a revoke of a deferred one), judged by `judgeDeferred` once the batch's
   * campaigns are formed: a label read in the batch that forms its campaign names a campaign
   * that exists by the batch's end, so its fate does not hang on where a batch boundary falls.
   */
  apply(ev: AnalystEvent, position: string): { code: RejectCode; reason: string } | null | 'deferred' {
    if (ev.type === 'analyst.label' || (ev.type === 'analyst.revoke' && this.deferredIds.has(ev.override_event_id))) {
      this.deferred.push({ ev, position });
      this.deferredIds.add(ev.event_id);
      return 'deferred';
    }
    return this.judge(ev, position);
  }

  /** The deferred labels and their revokes, in stream order; returns how many were accepted. */
  judgeDeferred(rejections: Rejection[]): number {
    let accepted = 0;
    for (const { ev, position } of this.deferred) {
      const r = this.judge(ev, position);
      if (r === null) accepted++;
      else rejections.push({ position, event_id: ev.event_id, code: r.code, reason: r.reason });
    }
    this.deferred = [];
    this.deferredIds.clear();
    return accepted;
  }

  private judge(ev: AnalystEvent, position: string): { code: RejectCode; reason: string } | null {
    const j = this.book.apply(ev, position, {
      identityStatus: (u) => this.projection.identityStatus(u),
      campaignExists: (c) => this.registry.idOfCampaign(c) !== undefined,
    });
    if (!j.ok) return { code: j.code, reason: j.reason };
    if (j.record.kind === 'label') {
      if (j.revoked === null) this.fileLabel(j.record);
      this.labelsTouched.add(j.record.subjects[0]);
    } else this.dirty = true;
    return null;
  }

  private fileLabel(r: OverrideRecord): void {
    const list = this.labels.get(r.subjects[0]);
    if (list) list.push(r);
    else this.labels.set(r.subjects[0], [r]);
  }

  /**
   * Recomputes what is in force when it may have changed. Overrides that lost a conflict since
   * the last settle are reported (`override_conflict`, at the position they were read). Returns
   * the must-links and pins that came into and went out of force, or null for no change.
   */
  settle(rejections: Rejection[]): { added: HardLink[]; removed: HardLink[] } | null {
    if (!this.dirty) {
      if (this.endpoints.size === 0) return null;
      let moved = false;
      for (const [uuid, node] of this.endpoints) {
        if (this.projection.nodeOfIdentity(uuid) !== node) {
          moved = true;
          break;
        }
      }
      if (!moved) return null;
    }
    this.dirty = false;
    const before = this.resolution;
    const next = this.resolve();
    for (const [id, reason] of next.losers) {
      if (before.losers.has(id)) continue;
      rejections.push({ position: this.book.get(id)!.position, event_id: id, code: 'override_conflict', reason });
    }
    const added: HardLink[] = [];
    const removed: HardLink[] = [];
    for (const [k, h] of next.hard) if (!before.hard.has(k)) added.push(h);
    for (const [k, h] of before.hard) if (!next.hard.has(k)) removed.push(h);
    return { added, removed };
  }

  private resolve(): OverrideResolution {
    const p = this.projection;
    const next = resolveOverrides(this.book.records(), (u) => p.nodeOfIdentity(u), (n) => p.uuidOf(n));
    this.endpoints = new Map();
    for (const r of this.book.records()) {
      if (r.kind === 'label' || r.revokedBy !== null) continue;
      for (const u of r.subjects) this.endpoints.set(u, p.nodeOfIdentity(u));
    }
    this.hardAt.clear();
    for (const h of next.hard.values()) {
      partners(this.hardAt, h.x).set(h.y, h.id);
      partners(this.hardAt, h.y).set(h.x, h.id);
    }
    this.forest.setCannot(next.cannot);
    this.resolution = next;
    return next;
  }

  /** After restoring the book from a snapshot: what was in force then, without reporting again. */
  restored(): void {
    for (const r of this.book.records()) if (r.kind === 'label') this.fileLabel(r);
    this.resolve();
  }

  /** After restoring: the labels in force are those already emitted. */
  restoredLabels(): void {
    for (const [campaign, list] of this.labels) this.shown.set(campaign, labelOf(list)?.event_id ?? null);
  }

  hardPartners(x: number): ReadonlyMap<number, string> | undefined {
    return this.hardAt.size === 0 ? undefined : this.hardAt.get(x);
  }

  isHard(x: number, y: number): boolean {
    return this.hardAt.size !== 0 && this.hardAt.get(x)?.has(y) === true;
  }

  hardId(x: number, y: number): string | undefined {
    return this.hardAt.size === 0 ? undefined : this.hardAt.get(x)?.get(y);
  }

  /**
   * After the batch's edge updates: the cannot-link solve of every region the batch changed.
   * The ends of every edge it gives back to the forest are appended to `linked`.
   */
  solveCuts(dirty: readonly number[], isNode: (u: number) => boolean, linked: number[]): void {
    if (this.forest.active || this.forest.pending) this.forest.solve(dirty, isNode, linked);
  }

  /** One `campaign.labelled` per campaign whose label in force changed this batch, by campaign uuid. */
  emitLabels(emit: Emit): void {
    if (this.labelsTouched.size === 0) return;
    const touched = [...this.labelsTouched].sort();
    this.labelsTouched = new Set();
    for (const campaign of touched) {
      const now = labelOf(this.labels.get(campaign) ?? []);
      const id = now?.event_id ?? null;
      if ((this.shown.get(campaign) ?? null) === id) continue;
      this.shown.set(campaign, id);
      emit('campaign.labelled', {
        campaign_uuid: campaign,
        name: now?.label?.name ?? null,
        tags: now?.label?.tags ?? [],
        notes: now?.label?.notes ?? null,
        author: now?.author ?? null,
        override_event_id: id,
      });
    }
  }
}

function partners(m: Map<number, Map<number, string>>, x: number): Map<number, string> {
  let p = m.get(x);
  if (p === undefined) m.set(x, (p = new Map()));
  return p;
}
