/**
 * The live campaigns as a STIX 2.1 bundle, for threat-intelligence platforms (OpenCTI, MISP;
 * docs/ANALYSTS.md). Pure: the same rows give the same bytes, so an export can be diffed,
 * re-imported (ids are stable, ids.ts) and reproduced at any past log position (`--as-of`).
 *
 * Per live campaign with at least `minIdentities` live identities:
 *
 *   campaign ── name and labels from the analyst's overrides when given (else `campaign <uuid>`),
 *               first_seen/last_seen = the members' activity span, confidence 0–100, created =
 *               its formation's log time, modified = its row's last change (log times, never the
 *               clock), an external reference carrying the campaign uuid
 *   per C2 endpoint and payload hash (observables.ts):
 *     the observable (shared by every campaign that names it)
 *     an indicator of this campaign matching it ── indicates ──▶ campaign
 *                                              ── related-to ─▶ observable
 *
 * Values that fit no STIX observable are left out and listed in `skipped`.
 */
import type { CampaignLabel } from '../../domain/campaign-labels.ts';
import { formatIso, parseIso } from '../../domain/time.ts';
import type { CampaignRow } from '../../domain/tables.ts';
import { derivedId } from './ids.ts';
import { c2Observable, payloadObservable, type Observable } from './observables.ts';

export interface StixCampaign {
  /** Its row; the literal member list is not read. */
  readonly row: Omit<CampaignRow, 'members'>;
  /** The analyst's name for it (overrides); absent: `campaign <its uuid>` (see defaultName). */
  readonly name?: string;
  /** The analyst's labels (overrides); absent or empty: none. */
  readonly labels?: readonly string[];
  /** Its clustering domain when not the default one (named in the description). */
  readonly domain?: string | null;
}

/**
 * A campaign's analyst label as the campaign's STIX name and labels (its tags); no label: neither
 * (the default name). The notes stay out: the description says what the clustering found.
 */
export const stixLabel = (label: CampaignLabel | undefined): Pick<StixCampaign, 'name' | 'labels'> =>
  label === undefined ? {} : { name: label.name, labels: label.tags };

export interface StixOptions {
  /** Live identities a campaign needs to be exported (default 1: every campaign with a member). */
  readonly minIdentities?: number;
}

export interface StixSkip {
  readonly campaign_uuid: string;
  readonly kind: 'c2_endpoint' | 'payload_hash';
  readonly value: string;
  readonly reason: string;
}

export type StixObject = Readonly<Record<string, unknown>> & { readonly type: string; readonly id: string };

export interface StixBundle {
  readonly type: 'bundle';
  readonly id: string;
  readonly objects: readonly StixObject[];
}

export interface StixExport {
  readonly bundle: StixBundle;
  /** Campaigns exported. */
  readonly campaigns: number;
  readonly skipped: readonly StixSkip[];
}

/** Where a campaign's ids come from outside: the external reference's source name. */
export const SOURCE_NAME = 'campaign-stream';

/**
 * The whole uuid, not a short prefix: OpenCTI merges campaigns that share a name (its
 * deduplication rule), and 8 hex digits are shared by two of 100,000 campaigns more often than
 * not. The uuid is also what the explorer and the API search for.
 */
export const defaultName = (uuid: string): string => `campaign ${uuid}`;

/** A STIX timestamp: UTC, always with milliseconds (`created`/`modified` must have them). */
export function stixTimestamp(iso: string): string {
  const epoch = parseIso(iso);
  if (epoch === null) throw new RangeError(`not an ISO-8601 time: ${iso}`);
  const s = formatIso(epoch);
  return s.length === 20 ? `${s.slice(0, 19)}.000Z` : s;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

function description(c: StixCampaign): string {
  const r = c.row;
  const where = c.domain ? `, domain ${c.domain}` : '';
  return `Campaign of ${plural(r.identity_count, 'attacker identity', 'attacker identities')} on ${plural(r.deckies.length, 'decky', 'deckies')} ` +
    `from ${plural(r.asns.length, 'ASN', 'ASNs')}, clustered by campaign-stream (campaign ${r.uuid}${where}).`;
}

export function buildStixBundle(campaigns: Iterable<StixCampaign>, options: StixOptions = {}): StixExport {
  const minIdentities = options.minIdentities ?? 1;
  const chosen = [...campaigns]
    .filter((c) => c.row.merged_into === null && c.row.identity_count >= minIdentities)
    .sort((a, b) => (a.row.uuid < b.row.uuid ? -1 : a.row.uuid > b.row.uuid ? 1 : 0));
  const objects: StixObject[] = [];
  const seen = new Set<string>();
  const skipped: StixSkip[] = [];
  const add = (o: StixObject): void => {
    if (seen.has(o.id)) return;
    seen.add(o.id);
    objects.push(o);
  };

  for (const c of chosen) {
    const r = c.row;
    const created = stixTimestamp(r.formed_at ?? r.updated_at);
    const updated = stixTimestamp(r.updated_at);
    // Batch times follow the input, not the log order: a row may change "before" it formed.
    const modified = updated > created ? updated : created;
    const name = c.name ?? defaultName(r.uuid);
    const campaign: StixObject = {
      type: 'campaign', spec_version: '2.1', id: derivedId('campaign', r.uuid), created, modified, name,
      description: description(c),
      ...(c.labels !== undefined && c.labels.length > 0 ? { labels: [...c.labels] } : {}),
      ...(r.first_activity !== null ? { first_seen: stixTimestamp(r.first_activity) } : {}),
      ...(r.last_activity !== null ? { last_seen: stixTimestamp(r.last_activity) } : {}),
      confidence: Math.round(Math.min(1, Math.max(0, r.confidence)) * 100),
      external_references: [{ source_name: SOURCE_NAME, external_id: r.uuid }],
    };
    add(campaign);
    const validFrom = r.first_activity !== null ? stixTimestamp(r.first_activity) : created;
    const link = (source: string, type: string, target: string): void => add({
      type: 'relationship', spec_version: '2.1', id: derivedId('relationship', `${source}/${type}/${target}`),
      created, modified, relationship_type: type, source_ref: source, target_ref: target,
    });
    const indicate = (o: Observable): void => {
      add(o.object);
      const indicator: StixObject = {
        type: 'indicator', spec_version: '2.1', id: derivedId('indicator', `${r.uuid}/${o.object.id}`), created, modified,
        name: o.title, description: `${capitalized(o.title)}, seen in ${name}.`,
        indicator_types: ['malicious-activity'], pattern: o.pattern, pattern_type: 'stix', pattern_version: '2.1', valid_from: validFrom,
      };
      add(indicator);
      link(indicator.id, 'indicates', campaign.id);
      link(indicator.id, 'related-to', o.object.id);
    };
    for (const value of r.c2_endpoints) {
      const got = c2Observable(value);
      if (got.ok) indicate(got.observable);
      else skipped.push({ campaign_uuid: r.uuid, kind: 'c2_endpoint', value, reason: got.reason });
    }
    for (const value of r.payload_hashes) {
      const got = payloadObservable(value);
      if (got.ok) indicate(got.observable);
      else skipped.push({ campaign_uuid: r.uuid, kind: 'payload_hash', value, reason: got.reason });
    }
  }
  // Named by its content: the same export is the same bundle.
  const id = derivedId('bundle', JSON.stringify(objects));
  return { bundle: { type: 'bundle', id, objects }, campaigns: chosen.length, skipped };
}

const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
