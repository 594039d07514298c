/**
 * The contract every store read model passes: for the same log, every question of the query
 * port (ports/campaign-queries.ts) gets the same answer as from the in-memory index, after every
 * page the follower applies. Call it from a store's `*.int.test.ts` with a function that
 * makes a store holding a given log and opens read models of it:
 *
 *     readModelContract('sqlite', makeSqliteContractStore);
 *
 * The logs: a scripted one (merges, a split, removals, a re-join, echoes of unknown
 * identities, a merge cycle, hostile ids and ids past U+FFFF), and seeded random ones that do
 * everything the fold accepts in any order, including what a correct engine never writes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryReadModel } from '../../src/adapters/http/log-index-view.ts';
import { READ_MODEL_FILE, SqliteReadModel } from '../../src/adapters/sqlite/read-model.ts';
import { openSqliteStore, type SqliteStore } from '../../src/adapters/sqlite/store.ts';
import { CAMPAIGN_EVENT_TYPES, type CampaignEvent, type CampaignEventType, type EdgeEvidence } from '../../src/domain/campaign-events.ts';
import {
  SORT_KEYS, type CampaignView, type FollowedReadModel, type Order,
} from '../../src/ports/campaign-queries.ts';
import type { EventLog } from '../../src/ports/event-log.ts';

/** A store holding a log, whose read model opens on the same place every time. */
export interface ContractStore {
  readonly log: EventLog;
  openModel(): Promise<FollowedReadModel>;
  close(): Promise<void>;
}
export type MakeStore = (batches: readonly CampaignEvent[][]) => Promise<ContractStore>;

// ---- log builders ------------------------------------------------------------------------

type Draft = Omit<CampaignEvent, 'event_id' | 'sequence' | 'time' | 'batch'>;

const edge = (a: string, b: string, weight: number, f: Partial<EdgeEvidence> = {}): EdgeEvidence => {
  const [x, y] = a < b ? [a, b] : [b, a];
  return { a: x, b: y, weight, handoff: 0, shared_infra: 0, temporal: 0, cohort: 0, keystroke: 0, ...f };
};

/** Batches of drafts as logged events: sequences from 1, one time and range per batch. */
function logOf(batches: readonly (readonly Draft[])[]): CampaignEvent[][] {
  let seq = 0;
  return batches.map((drafts, b) => drafts.map((d) => {
    seq++;
    return {
      ...d, event_id: `ev-${seq}`, sequence: seq, time: `2026-02-${String(1 + (b % 28)).padStart(2, '0')}T${String(b % 24).padStart(2, '0')}:00:00Z`,
      batch: { from: `in:${b}`, to: `in:${b + 1}` },
    } as CampaignEvent;
  }));
}

const C = (n: number): string => `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`;
const formed = (c: string, ids: string[], evidence: EdgeEvidence[] = []): Draft => ({ type: 'campaign.formed', payload: { campaign_uuid: c, identity_uuids: ids }, evidence });
const echo = (i: string, c: string, prior: string | null = null): Draft => ({ type: 'identity.campaign.assigned', payload: { identity_uuid: i, campaign_uuid: c, prior_campaign_uuid: prior }, evidence: [] });
const assigned = (i: string, c: string, prior: string | null, evidence: EdgeEvidence[] = []): Draft =>
  ({ type: 'campaign.identity.assigned', payload: { campaign_uuid: c, identity_uuid: i, prior_campaign_uuid: prior }, evidence });
const merged = (w: string, l: string, evidence: EdgeEvidence[] = []): Draft => ({ type: 'campaign.merged', payload: { winner_uuid: w, loser_uuid: l }, evidence });
const unmerged = (r: string, w: string): Draft => ({ type: 'campaign.unmerged', payload: { resurrected_uuid: r, former_winner_uuid: w }, evidence: [] });
const removed = (c: string, i: string): Draft => ({ type: 'campaign.identity.removed', payload: { campaign_uuid: c, identity_uuid: i, reason: 'retired' }, evidence: [] });
const profile = (c: string, add: { c2?: string[]; payload?: string[]; deckies?: string[]; asns?: number[] }, drop: { c2?: string[]; payload?: string[] } = {}, confidence = 0.5): Draft => ({
  type: 'campaign.profile.updated',
  payload: {
    campaign_uuid: c, first_activity: '2026-01-01T00:00:00Z', last_activity: `2026-01-0${1 + (c.length % 8)}T00:00:00Z`, confidence,
    payload_hashes: { added: add.payload ?? [], removed: drop.payload ?? [] },
    c2_endpoints: { added: add.c2 ?? [], removed: drop.c2 ?? [] },
    deckies: { added: add.deckies ?? [], removed: [] },
    asns: { added: add.asns ?? [], removed: [] },
  },
  evidence: [],
});

const labelled = (c: string, name: string | null): Draft => ({
  type: 'campaign.labelled',
  payload: { campaign_uuid: c, name, tags: name === null ? [] : ['apt'], notes: null, author: 'kim', override_event_id: name === null ? null : `ov-${name.length}` },
  evidence: [],
});

/** Ids that sort differently by UTF-16 units and by code points, and markup. */
const ID = { astral: 'id-\u{1D518}', private: 'id-\uE000', markup: '"><img src=x>', a: 'id-a', b: 'id-b', c: 'id-c', d: 'id-d', e: 'id-e', f: 'id-f' };

export function scriptedLog(): CampaignEvent[][] {
  const [A, B, D, E] = [C(1), C(2), C(4), C(5)];
  return logOf([
    [formed(A, [ID.a, ID.astral], [edge(ID.a, ID.astral, 1, { shared_infra: 1 })]), echo(ID.a, A), echo(ID.astral, A),
      profile(A, { c2: ['C2.Example:443'], payload: ['ABCDEF01'], deckies: ['d1'], asns: [64500] })],
    [formed(B, [ID.b, ID.private], [edge(ID.b, ID.private, 1.2, { handoff: 1, temporal: 0.4 })]), echo(ID.b, B), echo(ID.private, B),
      profile(B, { c2: ['evil.example'], payload: ['deadbeef'] })],
    [merged(A, B, [edge(ID.astral, ID.b, 1.05, { keystroke: 1, temporal: 0.4 })]), profile(A, { c2: ['evil.example'] }, {}, 0.75)],
    [assigned(ID.markup, A, null, [edge(ID.markup, ID.a, 1, { shared_infra: 1 }), edge(ID.markup, ID.private, 1, { cohort: 1 })]), echo(ID.markup, A)],
    // an identity the log names first in an echo (another producer), and a removal
    [echo(ID.c, A), removed(A, ID.a)],
    // a split: B comes back with its own id, taking its members
    [unmerged(B, A), profile(A, {}, { c2: ['evil.example'] })],
    // B's member moves to A (and its edge scores change), the removed identity re-joins
    [assigned(ID.private, A, B, [edge(ID.b, ID.private, 2, { handoff: 1, shared_infra: 1 })]), echo(ID.private, A, B),
      assigned(ID.a, B, null, [edge(ID.a, ID.b, 1, { temporal: 1 })])],
    // D and E: a merge cycle, which only a broken engine writes (the fold recounts everything)
    [formed(D, [ID.d]), formed(E, [ID.e, ID.f], [edge(ID.e, ID.f, 1, { cohort: 1 })]), merged(D, E), merged(E, D)],
    [merged(A, D), unmerged(E, D), profile(E, { c2: ['c2.example:443'] })],
  ]);
}

/** xorshift32, seeded: the same seed gives the same log. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

/** A random log: every event type, any order, campaigns and identities reused at random. */
export function randomLog(seed: number, batches = 40): CampaignEvent[][] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const ids = [ID.a, ID.b, ID.c, ID.d, ID.e, ID.f, ID.astral, ID.private, ID.markup, ...Array.from({ length: 12 }, (_, k) => `i-${k}`)];
  const campaigns: string[] = [];
  const values = ['c2.one.example', 'C2.TWO.example', 'ab12cd34', 'AB12CD99', '10.0.0.1:22', 'hash-\u{1D518}x'];
  const scores = [0, 0, 0.25, 0.5, 1];
  const randomEdge = (): EdgeEvidence => {
    const a = pick(ids);
    let b = pick(ids);
    if (b === a) b = ids[(ids.indexOf(a) + 1) % ids.length];
    // Analysts' overrides: an edge an override makes (any weight), or one a cannot-link cut.
    const o = r();
    const analyst: Partial<EdgeEvidence> = o < 0.08 ? { override: `ov-${Math.floor(o * 100)}` } : o < 0.16 ? { override: 'ov-cut', cut: true } : {};
    return edge(a, b, pick([1, 1, 1.05, 1.5, 2]), { handoff: pick(scores), shared_infra: pick(scores), temporal: pick(scores), cohort: pick(scores), keystroke: pick(scores), ...analyst });
  };
  const out: Draft[][] = [];
  for (let b = 0; b < batches; b++) {
    const batch: Draft[] = [];
    const n = 1 + Math.floor(r() * 6);
    for (let k = 0; k < n; k++) {
      const roll = r();
      const ev = (): EdgeEvidence[] => Array.from({ length: Math.floor(r() * 3) }, randomEdge);
      if (campaigns.length === 0 || roll < 0.2) {
        const c = C(100 + campaigns.length);
        campaigns.push(c);
        const members = [...new Set([pick(ids), pick(ids)])];
        batch.push(formed(c, members, ev()));
        for (const m of members) batch.push(echo(m, c));
      } else if (roll < 0.4) {
        const i = pick(ids);
        batch.push(assigned(i, pick(campaigns), r() < 0.5 ? null : pick(campaigns), ev()));
        if (r() < 0.7) batch.push(echo(i, pick(campaigns)));
      } else if (roll < 0.55) {
        batch.push(merged(pick(campaigns), pick(campaigns), ev()));
      } else if (roll < 0.62) {
        batch.push(unmerged(pick(campaigns), pick(campaigns)));
      } else if (roll < 0.72) {
        batch.push(removed(pick(campaigns), pick(ids)));
      } else if (roll < 0.77) {
        batch.push(echo(pick(ids), pick(campaigns)));
      } else if (roll < 0.8) {
        batch.push(labelled(pick(campaigns), r() < 0.8 ? pick(['Kettle', '"><b>x', 'crew \u{1D518}']) : null));
      } else {
        const some = () => values.filter(() => r() < 0.3);
        batch.push(profile(pick(campaigns), { c2: some(), payload: some(), deckies: r() < 0.3 ? ['d-1'] : [], asns: r() < 0.3 ? [64512] : [] },
          { c2: some(), payload: some() }, pick([0, 0.5, 0.9])));
      }
    }
    out.push(batch);
  }
  return logOf(out);
}

// ---- comparing two views ---------------------------------------------------------------------

const PAGES = [{ limit: 1000, offset: 0 }, { limit: 2, offset: 0 }, { limit: 2, offset: 1 }, { limit: 3, offset: 2 }, { limit: 1, offset: 50 }];
const TYPE_SETS: readonly (readonly CampaignEventType[])[] = [
  CAMPAIGN_EVENT_TYPES.filter((t) => t !== 'campaign.profile.updated' && t !== 'identity.campaign.assigned'),
  ['campaign.profile.updated'],
  CAMPAIGN_EVENT_TYPES,
];

/** Every question of the port, asked of both views; the first difference fails with its question. */
export async function assertSameAnswers(expected: CampaignView, actual: CampaignView, events: readonly CampaignEvent[], where: string): Promise<void> {
  const same = async (what: string, ask: (v: CampaignView) => Promise<unknown>): Promise<void> => {
    // As JSON, which is what the API sends (undefined: absent).
    const json = (v: unknown): unknown => (v === undefined ? 'absent' : JSON.parse(JSON.stringify(v)));
    assert.deepStrictEqual(json(await ask(actual)), json(await ask(expected)), `${where}: ${what}`);
  };
  assert.equal(actual.sequence, expected.sequence, `${where}: sequence`);
  await same('stats', async (v) => {
    const s = await v.stats();
    return { ...s, typeCounts: Object.fromEntries([...s.typeCounts].filter(([, n]) => n > 0).sort()) };
  });
  const campaigns = new Set<string>();
  const identities = new Set<string>();
  const searchable = new Set<string>();
  for (const ev of events) {
    const p = ev.payload as unknown as Record<string, unknown>;
    for (const k of ['campaign_uuid', 'winner_uuid', 'loser_uuid', 'resurrected_uuid', 'former_winner_uuid', 'prior_campaign_uuid']) {
      if (typeof p[k] === 'string') campaigns.add(p[k] as string);
    }
    if (typeof p.identity_uuid === 'string') identities.add(p.identity_uuid);
    if (Array.isArray(p.identity_uuids)) for (const i of p.identity_uuids as string[]) identities.add(i);
    for (const e of ev.evidence) identities.add(e.a).add(e.b);
    if (ev.type === 'campaign.profile.updated') for (const v of [...ev.payload.c2_endpoints.added, ...ev.payload.payload_hashes.added]) searchable.add(v);
  }
  for (const c of campaigns) {
    await same(`campaign ${c}`, (v) => v.campaign(c));
    if ((await expected.campaign(c)) === undefined) continue;
    await same(`canonical ${c}`, (v) => v.canonical(c));
    await same(`merge path ${c}`, (v) => v.mergePath(c));
    const canonical = await expected.canonical(c);
    if (canonical !== c) continue;
    await same(`families ${c}`, (v) => v.families(c));
    for (const page of PAGES) {
      await same(`merged in ${c} ${JSON.stringify(page)}`, (v) => v.mergedIn(c, page));
      await same(`members ${c} ${JSON.stringify(page)}`, (v) => v.members(c, page));
      await same(`edges ${c} ${JSON.stringify(page)}`, (v) => v.edges(c, page));
      for (const types of TYPE_SETS) await same(`history ${c} ${types.join(',')} ${JSON.stringify(page)}`, (v) => v.history(c, types, page));
    }
  }
  for (const i of identities) {
    await same(`identity ${i}`, (v) => v.identity(i));
    await same(`identity edges ${i}`, (v) => v.identityEdges(i));
    await same(`identity history ${i}`, (v) => v.identityHistory(i));
  }
  for (const min of [1, 2]) await same(`live campaigns ≥ ${min}`, (v) => v.liveCampaigns(min));
  const needles = [undefined, 'id-', 'ID-A', '\u{1D518}', 'img', 'EXAMPLE', 'ab12', '0000-0000-5000', 'x', 'nothing-matches', ...[...searchable].map((s) => s.slice(1, 5))];
  for (const q of needles) {
    for (const sort of SORT_KEYS) {
      for (const order of ['asc', 'desc'] as Order[]) {
        for (const page of q === undefined ? PAGES : PAGES.slice(0, 2)) {
          await same(`list q=${q} ${sort} ${order} ${JSON.stringify(page)}`, (v) => v.list({ ...page, sort, order, q }));
        }
      }
    }
  }
}

// ---- the suite -------------------------------------------------------------------------------

/** Appends `batches` to `log`, one batch record each. */
export async function appendBatches(log: EventLog, batches: readonly CampaignEvent[][]): Promise<void> {
  let index = 0;
  for (const events of batches) {
    index++;
    await log.append({
      batch: { index, range: events[0].batch, segments: [], input_count: events.length, first_sequence: events[0].sequence, event_count: events.length, rejects_mark: '0' },
      events,
    });
  }
}

/** A SQLite store in a temporary directory, its read model beside it (written on a thread of its own with `writerThread`). */
export async function makeSqliteContractStore(batches: readonly CampaignEvent[][], writerThread = false): Promise<ContractStore> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cs-rm-contract-'));
  const store: SqliteStore = openSqliteStore(path.join(dir, 'campaigns.sqlite'));
  await appendBatches(store.log, batches);
  return {
    log: store.log,
    openModel: () => SqliteReadModel.open(path.join(dir, READ_MODEL_FILE), store.log, { writerThread }),
    async close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Follows `batches` with both models, a few batches per page (pages always end at a batch end),
 * and compares every answer after each page.
 */
async function follow(batches: readonly CampaignEvent[][], make: MakeStore, where: string, pageBatches: (k: number) => number): Promise<void> {
  const store = await make(batches);
  const memory = new MemoryReadModel();
  const model = await store.openModel();
  try {
    const all = batches.flat();
    for (let b = 0, k = 0; b < batches.length; k++) {
      const n = Math.max(1, pageBatches(k));
      const page = batches.slice(b, b + n).flat();
      b += n;
      await memory.apply(page);
      await model.apply(page);
      assert.equal(model.sequence, memory.sequence);
      const seen = all.slice(0, memory.sequence);
      await memory.read((expected) => model.read((actual) => assertSameAnswers(expected, actual, seen, `${where}, after sequence ${memory.sequence}`)));
    }
  } finally {
    await model.close();
    await store.close();
  }
}

export function readModelContract(name: string, make: MakeStore): void {
  describe(`read model contract: ${name}`, () => {
    it('answers every question like the in-memory index after every page of a scripted log (merges, a split, removals, a cycle, astral ids)', async () => {
      await follow(scriptedLog(), make, 'scripted', () => 1);
    });

    it('answers like the in-memory index over random logs, in pages of one to four batches', async () => {
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        await follow(randomLog(seed), make, `random seed ${seed}`, (k) => 1 + ((k * 7 + seed) % 4));
      }
    });

    it('starts again where it stood: a model reopened on the same store resumes after its last page', async () => {
      const batches = scriptedLog();
      const store = await make(batches);
      const memory = new MemoryReadModel();
      try {
        const first = await store.openModel();
        await first.apply(batches.slice(0, 4).flat());
        await first.close();
        const second = await store.openModel();
        try {
          assert.equal(second.sequence, batches.slice(0, 4).flat().length, 'resumed at the stored position');
          await second.apply(batches.slice(4).flat());
          await memory.apply(batches.flat());
          await memory.read((expected) => second.read((actual) => assertSameAnswers(expected, actual, batches.flat(), 'resumed')));
        } finally {
          await second.close();
        }
      } finally {
        await store.close();
      }
    });
  });
}
