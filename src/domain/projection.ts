/**
 * The identity projection: folds identity events into per-identity evidence, the upstream merge
 * forest and retirements, and says which graph nodes changed.
 *
 * A node is an identity that is not merged out, not retired, and has evidence of its own or
 * identities merged into it. Evidence of a merged-out identity counts for the root of its merge
 * chain until it is unmerged; nothing under a retired identity counts at all.
 */
import type { RejectCode } from './engine-api.ts';
import { addObservation, buildFeatures, emptyEvidence, type Evidence, type Features } from './features.ts';
import type { IdentityEvent } from './identity-events.ts';
import type { RemovalReason } from './campaign-events.ts';

export interface IdentityState {
  /** last accepted `identity.observed` version; 0 = never observed */
  version: number;
  evidence: Evidence | null;
  mergedInto: string | null;
  children: Set<string> | null;
  retired: boolean;
}

export type ApplyResult =
  | { kind: 'applied' }
  | { kind: 'duplicate' }
  | { kind: 'stale' }
  | { kind: 'rejected'; code: RejectCode; reason: string };

export class Projection {
  readonly identities = new Map<string, IdentityState>();
  readonly seen = new Set<string>();
  /** identities whose node status or features may have changed since `drainTouched` */
  private touched = new Set<string>();

  private state(uuid: string): IdentityState {
    let s = this.identities.get(uuid);
    if (!s) {
      s = { version: 0, evidence: null, mergedInto: null, children: null, retired: false };
      this.identities.set(uuid, s);
    }
    return s;
  }

  root(uuid: string): string {
    let u = uuid;
    for (let s = this.identities.get(u); s?.mergedInto; s = this.identities.get(u)) u = s.mergedInto;
    return u;
  }

  /** Marks the root of uuid's chain and every identity on it as possibly changed. */
  private touch(uuid: string): void {
    let u: string | null = uuid;
    while (u !== null) {
      this.touched.add(u);
      u = this.identities.get(u)?.mergedInto ?? null;
    }
  }

  apply(ev: IdentityEvent): ApplyResult {
    if (this.seen.has(ev.event_id)) return { kind: 'duplicate' };
    // An event id's outcome is decided once, rejections included: a redelivered event must not
    // be judged again against a state that has moved on since.
    this.seen.add(ev.event_id);
    return this.applyFresh(ev);
  }

  private applyFresh(ev: IdentityEvent): ApplyResult {
    switch (ev.type) {
      case 'identity.observed': {
        const s = this.identities.get(ev.identity_uuid);
        if (s?.retired) return retired(ev.identity_uuid);
        if (s && ev.version <= s.version) return { kind: 'stale' };
        const st = s ?? this.state(ev.identity_uuid);
        st.version = ev.version;
        addObservation((st.evidence ??= emptyEvidence()), ev.observation);
        this.touch(ev.identity_uuid);
        return { kind: 'applied' };
      }
      case 'identity.merged': {
        const { winner_uuid: w, loser_uuid: l } = ev;
        if (w === l) return { kind: 'rejected', code: 'merge_cycle', reason: `identity ${w} cannot be merged into itself` };
        if (this.identities.get(w)?.retired) return retired(w);
        if (this.identities.get(l)?.retired) return retired(l);
        if (this.chainContains(w, l)) {
          return { kind: 'rejected', code: 'merge_cycle', reason: `merging ${l} into ${w} would close a cycle: ${w} is already merged into ${l}` };
        }
        const ls = this.state(l);
        if (ls.mergedInto === w) return { kind: 'applied' };
        this.touch(l);
        if (ls.mergedInto !== null) this.identities.get(ls.mergedInto)!.children!.delete(l);
        ls.mergedInto = w;
        const ws = this.state(w);
        (ws.children ??= new Set()).add(l);
        this.touch(l);
        return { kind: 'applied' };
      }
      case 'identity.unmerged': {
        const { resurrected_uuid: r, former_winner_uuid: w } = ev;
        const rs = this.identities.get(r);
        // Not merged into that winner (already unmerged, or never merged): nothing to undo.
        if (!rs || rs.mergedInto !== w) return { kind: 'applied' };
        this.touch(r);
        rs.mergedInto = null;
        this.identities.get(w)!.children!.delete(r);
        this.touched.add(r);
        return { kind: 'applied' };
      }
      case 'identity.retired': {
        const s = this.state(ev.identity_uuid);
        if (s.retired) return { kind: 'applied' };
        this.touch(ev.identity_uuid);
        s.retired = true;
        return { kind: 'applied' };
      }
    }
  }

  /** True when `target` is on the merge chain starting at `from` (inclusive). */
  private chainContains(from: string, target: string): boolean {
    let u: string | null = from;
    while (u !== null) {
      if (u === target) return true;
      u = this.identities.get(u)?.mergedInto ?? null;
    }
    return false;
  }

  isNode(uuid: string): boolean {
    const s = this.identities.get(uuid);
    if (!s || s.retired || s.mergedInto !== null) return false;
    return s.version > 0 || (s.children !== null && s.children.size > 0);
  }

  /** Why an identity that was a node no longer is. */
  removalReason(uuid: string): RemovalReason {
    const s = this.identities.get(uuid);
    if (s?.retired) return 'retired';
    if (s?.mergedInto) return 'merged_upstream';
    return 'no_evidence';
  }

  /** Features of a node: its evidence and that of every non-retired identity merged into it. */
  features(uuid: string): Features {
    const parts: Evidence[] = [];
    const stack = [uuid];
    while (stack.length) {
      const u = stack.pop()!;
      const s = this.identities.get(u);
      if (!s || s.retired) continue;
      if (s.evidence) parts.push(s.evidence);
      if (s.children) for (const c of s.children) stack.push(c);
    }
    return buildFeatures(uuid, parts);
  }

  /** Identities touched since the last call, sorted. */
  drainTouched(): string[] {
    const out = [...this.touched].sort();
    this.touched = new Set();
    return out;
  }
}

function retired(uuid: string): ApplyResult {
  return { kind: 'rejected', code: 'retired_identity', reason: `identity ${uuid} is retired` };
}
