/**
 * Analyst overrides (docs/ANALYSTS.md): which were accepted, which were revoked, and which are
 * in force.
 *
 * Acceptance is decided once, in stream order, like every input event: an override naming an
 * identity the stream never mentioned (`unknown_identity`), a retired one, a campaign never
 * formed (`unknown_campaign`), or a revoke of something that is not an accepted override is
 * refused. What is *in force* is not decided by arrival: `resolveOverrides` recomputes it from
 * the accepted, unrevoked overrides and the identity layer's current merges, newest first by
 * (time, event_id), so the partition never depends on the order overrides arrived in. When two
 * conflict (a must-link chain through a cannot-link pair) the newer wins and the older is
 * reported with the winner's id; it stays stored and is back in force once the winner is revoked.
 *
 * Labels never touch clustering: a campaign's label is its newest unrevoked label override.
 */
import type { AnalystEvent, EpochSeconds } from './identity-events.ts';
import type { RejectCode } from './engine-api.ts';

export type OverrideKind = 'must_link' | 'cannot_link' | 'pin' | 'label';

/**
 * The weight of a must-link or pin edge: above any score, so Kruskal takes these first and no
 * threshold can refuse them. Finite, so weight comparisons and differences stay numbers.
 */
export const OVERRIDE_WEIGHT = Number.MAX_VALUE;

export interface LabelText {
  readonly name: string;
  readonly tags: readonly string[];
  readonly notes: string | null;
}

export interface OverrideRecord {
  readonly event_id: string;
  readonly kind: OverrideKind;
  readonly time: EpochSeconds;
  /** Where it was read: a conflict found in a later batch is reported at this position. */
  readonly position: string;
  readonly author: string;
  readonly reason: string;
  /** must_link, cannot_link: the two identities as given; pin: [identity, anchor]; label: [campaign] */
  readonly subjects: readonly string[];
  readonly label: LabelText | null;
  /** The revoke that undid it, null while it stands. */
  revokedBy: string | null;
}

/** What the book needs to know about the identities and campaigns an override names. */
export interface OverrideContext {
  /** 'unknown': the stream never mentioned it; 'retired': it left for good. */
  identityStatus(uuid: string): 'known' | 'unknown' | 'retired';
  campaignExists(uuid: string): boolean;
}

export type Judgement =
  | { readonly ok: true; readonly record: OverrideRecord; readonly revoked: OverrideRecord | null }
  | { readonly ok: false; readonly code: RejectCode; readonly reason: string };

/** The accepted overrides, in acceptance order. */
export class OverrideBook {
  private readonly byId = new Map<string, OverrideRecord>();
  /** identity-linking overrides (must_link, cannot_link, pin) that are not revoked */
  private linking = 0;

  get size(): number {
    return this.byId.size;
  }

  /** True when some unrevoked must-link, cannot-link or pin exists (the engine's fast path skips everything else). */
  get hasLinking(): boolean {
    return this.linking > 0;
  }

  records(): IterableIterator<OverrideRecord> {
    return this.byId.values();
  }

  get(id: string): OverrideRecord | undefined {
    return this.byId.get(id);
  }

  /** Judges one override event (its id already known to be new) and records it when accepted. */
  apply(ev: AnalystEvent, position: string, ctx: OverrideContext): Judgement {
    if (ev.type === 'analyst.revoke') {
      const target = this.byId.get(ev.override_event_id);
      if (target === undefined) {
        return { ok: false, code: 'unknown_override', reason: `no accepted override has event_id ${JSON.stringify(ev.override_event_id)}` };
      }
      if (target.revokedBy !== null) {
        return { ok: false, code: 'override_revoked', reason: `override ${target.event_id} was already revoked by ${target.revokedBy}` };
      }
      target.revokedBy = ev.event_id;
      if (target.kind !== 'label') this.linking--;
      return { ok: true, record: target, revoked: target };
    }
    let kind: OverrideKind;
    let subjects: readonly string[];
    let label: LabelText | null = null;
    switch (ev.type) {
      case 'analyst.must_link':
      case 'analyst.cannot_link':
        kind = ev.type === 'analyst.must_link' ? 'must_link' : 'cannot_link';
        subjects = [ev.identity_uuids[0], ev.identity_uuids[1]];
        break;
      case 'analyst.pin':
        kind = 'pin';
        subjects = [ev.identity_uuid, ev.anchor_uuid];
        break;
      case 'analyst.label':
        kind = 'label';
        subjects = [ev.campaign_uuid];
        label = { name: ev.name, tags: [...ev.tags], notes: ev.notes };
        if (!ctx.campaignExists(ev.campaign_uuid)) {
          return { ok: false, code: 'unknown_campaign', reason: `campaign ${ev.campaign_uuid} does not exist` };
        }
        break;
    }
    if (kind !== 'label') {
      for (const u of subjects) {
        const status = ctx.identityStatus(u);
        if (status === 'unknown') return { ok: false, code: 'unknown_identity', reason: `identity ${u} has never been seen` };
        if (status === 'retired') return { ok: false, code: 'retired_identity', reason: `identity ${u} is retired` };
      }
    }
    const record: OverrideRecord = {
      event_id: ev.event_id, kind, time: ev.time, position, author: ev.author, reason: ev.reason, subjects, label, revokedBy: null,
    };
    this.add(record);
    return { ok: true, record, revoked: null };
  }

  /** Adds a record (snapshot restore: as it was, revoked or not). */
  add(record: OverrideRecord): void {
    this.byId.set(record.event_id, record);
    if (record.kind !== 'label' && record.revokedBy === null) this.linking++;
  }
}

/** Newer first: larger time, then larger event_id (string order). */
export const newerFirst = (x: OverrideRecord, y: OverrideRecord): number =>
  y.time - x.time || (x.event_id < y.event_id ? 1 : x.event_id > y.event_id ? -1 : 0);

/** A must-link or pin in force between two graph nodes. */
export interface HardLink {
  readonly x: number;
  readonly y: number;
  /** the newest override in force on this pair of nodes */
  readonly id: string;
}

/** A cannot-link in force between two graph nodes. */
export interface CannotLink {
  readonly p: number;
  readonly q: number;
  readonly id: string;
}

export interface OverrideResolution {
  /** by `pairKey` of the two nodes */
  readonly hard: ReadonlyMap<number, HardLink>;
  /** newest first */
  readonly cannot: readonly CannotLink[];
  /** overrides that are not in force, with the reason (a conflict lost, a pin replaced, one identity upstream) */
  readonly losers: ReadonlyMap<string, string>;
}

/** One number per unordered pair of node ids (ids below 2^26, as everywhere in the engine). */
export const pairKey = (x: number, y: number): number => (x < y ? x * 0x4000000 + y : y * 0x4000000 + x);

export const EMPTY_RESOLUTION: OverrideResolution = { hard: new Map(), cannot: [], losers: new Map() };

/**
 * The overrides in force. `nodeOf` maps an identity to the graph node its evidence counts for
 * (the root of its upstream merge chain), -1 when it is not in the graph (retired, no evidence):
 * such an override waits, in force again once its identities are.
 *
 * Newest first: a pin replaces the older pins of its identity; a must-link or pin joins its two
 * nodes unless a cannot-link already in force separates their groups (it loses to that one); a
 * cannot-link is in force unless the must-links and pins already in force join its two nodes (it
 * loses to that chain). Every decision depends only on the set of overrides and their
 * (time, event_id), never on when they arrived.
 */
export function resolveOverrides(
  records: Iterable<OverrideRecord>, nodeOf: (uuid: string) => number, uuidOf: (node: number) => string,
): OverrideResolution {
  const losers = new Map<string, string>();
  const live: OverrideRecord[] = [];
  for (const r of records) if (r.revokedBy === null && r.kind !== 'label') live.push(r);
  if (live.length === 0) return EMPTY_RESOLUTION;
  live.sort(newerFirst);

  const pinned = new Map<string, string>();
  const parent = new Map<number, number>();
  const find = (u: number): number => {
    let r = u;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    while (u !== r) {
      const next = parent.get(u)!;
      parent.set(u, r);
      u = next;
    }
    return r;
  };
  /** per group root: the cannot-links in force with one end in the group */
  const apart = new Map<number, Array<{ self: number; other: number; id: string }>>();
  const links = new Map<number, Array<{ other: number; id: string }>>();
  const hard = new Map<number, HardLink>();
  const cannot: CannotLink[] = [];

  for (const r of live) {
    if (r.kind === 'pin') {
      const newer = pinned.get(r.subjects[0]);
      if (newer !== undefined) {
        losers.set(r.event_id, `replaced by the newer pin ${newer} of ${r.subjects[0]}`);
        continue;
      }
      pinned.set(r.subjects[0], r.event_id);
    }
    const x = nodeOf(r.subjects[0]);
    const y = nodeOf(r.subjects[1]);
    if (x < 0 || y < 0) continue; // waits for its identities to be in the graph
    if (x === y) {
      // The identity layer made them one identity: a must-link holds by itself, a cannot-link cannot.
      if (r.kind === 'cannot_link') losers.set(r.event_id, `${r.subjects[0]} and ${r.subjects[1]} are one identity upstream (${uuidOf(x)})`);
      continue;
    }
    const rx = find(x);
    const ry = find(y);
    if (r.kind === 'cannot_link') {
      if (rx === ry) {
        losers.set(r.event_id, `${r.subjects[0]} and ${r.subjects[1]} are joined by the newer ${chain(links, x, y).join(', ')}`);
        continue;
      }
      cannot.push({ p: x, q: y, id: r.event_id });
      push(apart, rx, { self: x, other: y, id: r.event_id });
      push(apart, ry, { self: y, other: x, id: r.event_id });
      continue;
    }
    if (rx !== ry) {
      const ax = apart.get(rx) ?? [];
      const ay = apart.get(ry) ?? [];
      const [mine, theirs] = ax.length <= ay.length ? [ax, ry] : [ay, rx];
      const blocker = mine.find((c) => find(c.other) === theirs);
      if (blocker !== undefined) {
        losers.set(r.event_id, `would join ${uuidOf(blocker.self)} and ${uuidOf(blocker.other)}, kept apart by the newer ${blocker.id}`);
        continue;
      }
      parent.set(rx, ry);
      parent.set(ry, ry);
      if (ax.length) {
        for (const c of ax) push(apart, ry, c);
        apart.delete(rx);
      }
    }
    const key = pairKey(x, y);
    if (!hard.has(key)) hard.set(key, { x: Math.min(x, y), y: Math.max(x, y), id: r.event_id });
    push(links, x, { other: y, id: r.event_id });
    push(links, y, { other: x, id: r.event_id });
  }
  return { hard, cannot, losers };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** The ids of the links in force on a path from x to y (breadth first: the shortest chain). */
function chain(links: ReadonlyMap<number, ReadonlyArray<{ other: number; id: string }>>, x: number, y: number): string[] {
  const via = new Map<number, { from: number; id: string }>([[x, { from: -1, id: '' }]]);
  const queue = [x];
  for (let i = 0; i < queue.length && !via.has(y); i++) {
    for (const l of links.get(queue[i]) ?? []) {
      if (via.has(l.other)) continue;
      via.set(l.other, { from: queue[i], id: l.id });
      queue.push(l.other);
    }
  }
  const ids: string[] = [];
  for (let u = y; u !== x;) {
    const step = via.get(u)!;
    ids.push(step.id);
    u = step.from;
  }
  return ids.reverse();
}

/** A campaign's label: its newest unrevoked label override, null when none stands. */
export function labelOf(records: readonly OverrideRecord[]): OverrideRecord | null {
  let best: OverrideRecord | null = null;
  for (const r of records) if (r.kind === 'label' && r.revokedBy === null && (best === null || newerFirst(r, best) < 0)) best = r;
  return best;
}
