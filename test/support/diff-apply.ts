/**
 * A profile diff applied to the partition it was taken of, as docs/ANALYSTS.md ("What-if:
 * comparing profiles") says, read from the report alone: each split part takes its identities
 * into its campaign; a merge unites, into its campaign, what its campaigns became; a move puts its
 * identity where `to` went (the part that continues it, the merge it is in, or itself). The
 * report is complete when the result is the other partition exactly.
 */
import type { ProfileDiff } from '../../src/domain/merge-evidence.ts';

type Report = Pick<ProfileDiff, 'merges' | 'splits' | 'moves'>;

/** identity → campaign, before; returns identity → a label whose groups are the partition after. */
export function applyDiff(before: ReadonlyMap<string, string>, d: Report): Map<string, string> {
  const label = new Map([...before].map(([i, c]) => [i, `before:${c}`]));
  const moved = new Set(d.moves.map((m) => m.identity_uuid));
  const became = new Map<string, string>();
  for (const s of d.splits) {
    for (const p of s.parts) for (const i of p.identity_uuids) label.set(i, `after:${p.into}`);
    const goesOn = s.parts.find((p) => p.continues);
    if (goesOn !== undefined) became.set(s.campaign, `after:${goesOn.into}`);
  }
  for (const m of d.merges) {
    const from = new Set(m.campaigns.map((c) => `before:${c}`));
    for (const [i, l] of label) if (!moved.has(i) && from.has(l)) label.set(i, `after:${m.into}`);
    for (const c of m.campaigns) if (!became.has(c)) became.set(c, `after:${m.into}`);
  }
  for (const m of d.moves) label.set(m.identity_uuid, became.get(m.to) ?? `before:${m.to}`);
  return label;
}

/** A partition as sorted groups of identities, comparable whatever the campaign ids. */
export function groups(m: Iterable<readonly [string, string]>): string[][] {
  const g = new Map<string, string[]>();
  for (const [i, c] of m) g.set(c, [...(g.get(c) ?? []), i]);
  return [...g.values()].map((x) => x.sort()).sort((x, y) => (x[0] < y[0] ? -1 : 1));
}
