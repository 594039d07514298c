/**
 * What `campaigns diff` prints: one JSON object (every change, each outside the default domain
 * carrying its `domain`), or a short summary per domain with its largest changes.
 */
import { domainName, type Domain } from '../domain/domains.ts';
import type { StoreDiff } from '../pipeline/profile-diff.ts';

export interface DomainDiff {
  readonly domain: Domain;
  /** The profile the store's log was clustered with (null: the domain has no store yet). */
  readonly store_profile: string | null;
  /** The profile it was re-clustered with. */
  readonly profile: string;
  readonly batches: number;
  readonly diff: StoreDiff;
}

/** How many of each kind of change the readable summary lists. */
export const LARGEST = 10;

export function diffJson(domains: readonly DomainDiff[]): string {
  const tagged = <T extends object>(d: Domain, xs: readonly T[]): T[] => (d === null ? [...xs] : xs.map((x) => ({ ...x, domain: d })));
  return JSON.stringify({
    merges: domains.flatMap((d) => tagged(d.domain, d.diff.merges)),
    splits: domains.flatMap((d) => tagged(d.domain, d.diff.splits)),
    moves: domains.flatMap((d) => tagged(d.domain, d.diff.moves)),
    domains: domains.map((d) => ({
      domain: domainName(d.domain), store_profile: d.store_profile, profile: d.profile, batches: d.batches,
      identities: d.diff.identities, campaigns_before: d.diff.campaigns_before, campaigns_after: d.diff.campaigns_after,
      merges: d.diff.merges.length, splits: d.diff.splits.length, moves: d.diff.moves.length,
    })),
  }) + '\n';
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`): string => `${fmt(n)} ${n === 1 ? one : many}`;
const more = (shown: number, total: number): string[] => (total > shown ? [`  … and ${fmt(total - shown)} more (--json lists every one)`] : []);
/** A list on one line, its first `n` items and how many more: a merge can join thousands. */
const firstOf = (items: readonly string[], n: number, joiner: string): string =>
  items.slice(0, n).join(joiner) + (items.length > n ? `${joiner}${fmt(items.length - n)} more` : '');

export function diffReadable(domains: readonly DomainDiff[], store: string): string {
  const out: string[] = [];
  for (const d of domains) {
    const { diff } = d;
    if (domains.length > 1 || d.domain !== null) out.push(`domain      ${domainName(d.domain)}`);
    out.push(
      `store       ${store} (${d.store_profile ?? 'nothing recorded'}): ${plural(d.batches, 'batch', 'batches')} re-clustered under ${d.profile}`,
      `identities  ${fmt(diff.identities)} in ${plural(diff.campaigns_before, 'campaign')}; under ${d.profile} in ${plural(diff.campaigns_after, 'campaign')}`,
    );
    if (diff.merges.length + diff.splits.length + diff.moves.length === 0) {
      out.push('no change   no campaign would merge, split or move', '');
      continue;
    }
    const joined = diff.merges.reduce((n, m) => n + m.campaigns.length, 0);
    const parts = diff.splits.reduce((n, s) => n + s.parts.length, 0);
    out.push(
      `merges      ${diff.merges.length === 0 ? 'none' : `${fmt(diff.merges.length)}: ${plural(joined, 'campaign')} would come together into ${fmt(diff.merges.length)}`}`,
      `splits      ${diff.splits.length === 0 ? 'none' : `${fmt(diff.splits.length)}: ${plural(diff.splits.length, 'campaign')} would fall into ${plural(parts, 'part')}`}`,
      `moves       ${diff.moves.length === 0 ? 'none' : `${plural(diff.moves.length, 'identity', 'identities')} would change campaign`}`,
    );
    if (diff.merges.length > 0) {
      out.push('', 'largest merges (identities after; the campaigns that come together; the strongest joining edge)');
      const largest = [...diff.merges].sort((x, y) => y.identities - x.identities).slice(0, LARGEST);
      for (const m of largest) {
        const strongest = m.evidence[0];
        const why = strongest === undefined ? 'no recorded edge' : `${strongest.a} – ${strongest.b} weight ${strongest.weight} (sequence ${strongest.sequence})`;
        out.push(`  ${fmt(m.identities).padStart(6)}  ${firstOf(m.campaigns, 4, ' + ')}  ${why}`);
      }
      out.push(...more(largest.length, diff.merges.length));
    }
    if (diff.splits.length > 0) {
      out.push('', 'largest splits (identities before; the parts, the one that continues the campaign marked *)');
      const largest = [...diff.splits].sort((x, y) => y.identities - x.identities).slice(0, LARGEST);
      for (const s of largest) {
        out.push(`  ${fmt(s.identities).padStart(6)}  ${s.campaign} → ${firstOf(s.parts.map((p) => `${fmt(p.identities)}${p.continues ? '*' : ''}`), 12, ' + ')}`);
      }
      out.push(...more(largest.length, diff.splits.length));
    }
    if (diff.moves.length > 0) {
      out.push('', 'moves (identities; from → to)');
      const byPair = new Map<string, number>();
      for (const m of diff.moves) byPair.set(`${m.from} → ${m.to}`, (byPair.get(`${m.from} → ${m.to}`) ?? 0) + 1);
      const largest = [...byPair].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, LARGEST);
      for (const [pair, n] of largest) out.push(`  ${fmt(n).padStart(6)}  ${pair}`);
      out.push(...more(largest.length, byPair.size));
    }
    out.push('');
  }
  return out.join('\n');
}
