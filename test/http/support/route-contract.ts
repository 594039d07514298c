/**
 * Every read route's answer from two servers over the same log: one answering from the
 * in-memory index, one from a store read model. The JSON must be equal, route by route: the
 * read model is a faster way to the same answers, never different ones.
 */
import assert from 'node:assert/strict';
import type { CampaignEvent } from '../../../src/domain/campaign-events.ts';
import { SORT_KEYS } from '../../../src/ports/campaign-queries.ts';
import type { EventLog } from '../../../src/ports/event-log.ts';
import { request } from './http-client.ts';

/** The paths to compare for a log: every campaign and identity it names, every list and page. */
export async function routesOf(log: EventLog): Promise<string[]> {
  const events: CampaignEvent[] = [];
  for (let from = 1; ; from += 1000) {
    const got = await log.read(from, 1000);
    events.push(...got);
    if (got.length < 1000) break;
  }
  const campaigns = new Set<string>();
  const identities = new Set<string>();
  const values = new Set<string>();
  for (const ev of events) {
    const p = ev.payload as unknown as Record<string, unknown>;
    for (const k of ['campaign_uuid', 'winner_uuid', 'loser_uuid', 'resurrected_uuid', 'former_winner_uuid']) {
      if (typeof p[k] === 'string') campaigns.add(p[k] as string);
    }
    if (typeof p.identity_uuid === 'string') identities.add(p.identity_uuid);
    if (Array.isArray(p.identity_uuids)) for (const i of p.identity_uuids as string[]) identities.add(i);
    if (ev.type === 'campaign.profile.updated') for (const v of [...ev.payload.c2_endpoints.added, ...ev.payload.payload_hashes.added]) values.add(v);
  }
  const enc = encodeURIComponent;
  const paths: string[] = ['/api/v1/domains', '/api/v1/export/stix', '/api/v1/export/stix?min_identities=2'];
  for (const sort of SORT_KEYS) {
    for (const order of ['asc', 'desc']) {
      for (const page of ['limit=1000', 'limit=3', 'limit=3&offset=3', 'limit=7&offset=11']) paths.push(`/api/v1/campaigns?sort=${sort}&order=${order}&${page}`);
    }
  }
  const needles = [...identities].slice(0, 20).map((i) => i.slice(0, 6)).concat([...values].slice(0, 20).map((v) => v.slice(2, 9)), ['op', 'XX', 'ALERT(1', '-4']);
  for (const q of needles) paths.push(`/api/v1/campaigns?limit=1000&q=${enc(q)}`, `/api/v1/campaigns?limit=2&offset=1&sort=identity_count&q=${enc(q)}`);
  for (const c of campaigns) {
    paths.push(`/api/v1/campaigns/${c}`, `/api/v1/campaigns/${c}/identities?limit=1000`, `/api/v1/campaigns/${c}/identities?limit=1&offset=1`,
      `/api/v1/campaigns/${c}/evidence`, `/api/v1/campaigns/${c}/evidence?limit=2&offset=1&edges_limit=1&edges_offset=1`,
      `/api/v1/campaigns/${c}/evidence?types=campaign.profile.updated,campaign.formed&limit=1000`,
      `/api/v1/campaigns/${c}/history?limit=1000`, `/api/v1/campaigns/${c}/history?types=campaign.profile.updated&limit=2&offset=1`,
      `/api/v1/campaigns/${c}/merged`, `/api/v1/campaigns/${c}/merged?limit=1&offset=1`);
  }
  for (const i of identities) paths.push(`/api/v1/identities/${enc(i)}`);
  return paths;
}

/** The same status and JSON (or body) from both servers, for every path. */
export async function assertSameRoutes(expectedBase: string, actualBase: string, paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    const [e, a] = [await request(expectedBase, p), await request(actualBase, p)];
    assert.equal(a.status, e.status, `${p}: status`);
    if (e.json !== undefined) assert.deepStrictEqual(a.json, e.json, p);
    else assert.equal(a.text, e.text, p);
  }
}
