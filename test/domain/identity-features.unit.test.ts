/**
 * Engine features per identity, read back from a real engine snapshot: exact values from the
 * input events, merges (node features cover the merged-in evidence), retirements, identities
 * without evidence, and snapshots this code must refuse.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine, type CampaignEngine } from '../../src/domain/engine.ts';
import type { IdentityEvent } from '../../src/domain/identity-events.ts';
import { identityFeatureLookup, SnapshotFormatError, type IdentityFeatureRecord } from '../../src/domain/identity-features.ts';
import { merged, observed, positioned, retired, session, ttp, unmerged } from '../support/builders.ts';

/** 2026-01-01T00:00:00Z */
const T0 = 1_767_225_600;
const KD1 = 0xf0f0_0000_0000_000fn;
const KD2 = 0xf000_0000_0000_00ffn;
const KD3 = 0x0f00_0000_0000_0f0fn;

function engineWith(...batches: IdentityEvent[][]): CampaignEngine {
  const e = createEngine();
  batches.forEach((events, b) => e.applyBatch(positioned(events, `b${b}`), { from: `b${b}:0`, to: `b${b}:${events.length}` }));
  return e;
}

/** What the server does: the snapshot through JSON and back. */
const lookupOf = (e: CampaignEngine, options?: { maxSessions?: number }) =>
  identityFeatureLookup(JSON.parse(JSON.stringify(e.snapshot())), options);

const EMPTY_VALUES = {
  first_seen_at: null, last_seen_at: null,
  sessions: { total: 0, total_seconds: 0, truncated: false, data: [] },
  deckies: [], phases: [], initial_access: false, payload_hashes: [], c2_endpoints: [], asns: [], tools: [],
  keystroke: { centroid: null, samples: 0 },
};

describe('identity features from an engine snapshot', () => {
  it('renders an identity\'s own observations exactly: sessions, phases, infrastructure, ASN, tools, keystroke centroid', () => {
    const e = engineWith([
      observed('op', {
        sessions: [session(T0 + 3_600, T0 + 3_660, 'decky-b'), session(T0, T0 + 600, 'decky-a')],
        ttp: [ttp('decky-a', 'exploitation', T0 + 10, T0 + 20), ttp('decky-a', 'persistence', T0 + 500, T0 + 590)],
        payload_hashes: ['p2', 'p1'], c2_endpoints: ['c2.example:443'], asn: 64_512, tools: ['nmap'], kd_simhash: KD1,
      }, { version: 1 }),
      observed('op', { asn: 64_500, tools: ['hydra'], kd_simhash: KD2 }, { version: 3 }),
    ]);
    const expected: IdentityFeatureRecord = {
      engine_state: 'node', observed_version: 3, merged_into: null, node: 'op', evidence_from: ['op'],
      first_seen_at: '2026-01-01T00:00:00Z', last_seen_at: '2026-01-01T01:01:00Z',
      sessions: {
        total: 2, total_seconds: 660, truncated: false,
        data: [{ start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:10:00Z' }, { start: '2026-01-01T01:00:00Z', end: '2026-01-01T01:01:00Z' }],
      },
      deckies: ['decky-a', 'decky-b'],
      phases: [{ decky: 'decky-a', first_phase: 'exploitation', first_at: '2026-01-01T00:00:10Z', last_phase: 'persistence', last_at: '2026-01-01T00:09:50Z' }],
      initial_access: true,
      payload_hashes: ['p1', 'p2'], c2_endpoints: ['c2.example:443'], asns: [64_500, 64_512], tools: ['hydra', 'nmap'],
      // Two samples: a bit is set only where both have it (strict majority).
      keystroke: { centroid: 'f00000000000000f', samples: 2 },
    };
    assert.deepEqual(lookupOf(e).get('op'), expected);
  });

  it('gives a merge winner the features the clusterer scores: its evidence and the loser\'s, and the loser its own', () => {
    const e = engineWith([
      observed('w', { payload_hashes: ['pw'], sessions: [session(T0, T0 + 100)], kd_simhash: KD1 }),
      observed('l', { c2_endpoints: ['c-l'], sessions: [session(T0 + 50, T0 + 80, 'decky-l')], asn: 7, kd_simhash: KD2 }),
      observed('l2', { tools: ['t'], kd_simhash: KD3 }),
      merged('w', 'l'),
      merged('l', 'l2'),
    ]);
    const lookup = lookupOf(e);
    const w = lookup.get('w')!;
    assert.equal(w.engine_state, 'node');
    assert.equal(w.node, 'w');
    assert.deepEqual(w.evidence_from, ['l', 'l2', 'w']);
    assert.deepEqual(w.payload_hashes, ['pw']);
    assert.deepEqual(w.c2_endpoints, ['c-l']);
    assert.deepEqual(w.tools, ['t']);
    assert.deepEqual(w.asns, [7]);
    assert.deepEqual(w.deckies, ['decky-01', 'decky-l']);
    assert.deepEqual(w.sessions, {
      total: 2, total_seconds: 130, truncated: false,
      data: [{ start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:01:40Z' }, { start: '2026-01-01T00:00:50Z', end: '2026-01-01T00:01:20Z' }],
    });
    // Majority of three: f0f0…000f, f000…00ff, 0f00…0f0f → f000…000f
    assert.deepEqual(w.keystroke, { centroid: 'f00000000000000f', samples: 3 });
    assert.deepEqual(w.payload_hashes, [...e.projection.features('w').payloads], 'the clusterer\'s own view agrees');
    assert.equal(w.keystroke.centroid, e.projection.features('w').kd!.toString(16).padStart(16, '0'));

    const l2 = lookup.get('l2')!;
    assert.deepEqual(
      { state: l2.engine_state, merged_into: l2.merged_into, node: l2.node, from: l2.evidence_from, tools: l2.tools, keystroke: l2.keystroke },
      { state: 'merged_upstream', merged_into: 'l', node: 'w', from: ['l2'], tools: ['t'], keystroke: { centroid: '0f00000000000f0f', samples: 1 } },
      'a loser two steps down shows its own evidence and the node it counts for',
    );
  });

  it('says a retired identity and everything merged under it count for no node', () => {
    const e = engineWith(
      [observed('r', { payload_hashes: ['pr'] }), observed('child', { payload_hashes: ['pc'] }), merged('r', 'child')],
      [retired('r')],
    );
    const lookup = lookupOf(e);
    const r = lookup.get('r')!;
    assert.deepEqual([r.engine_state, r.node, r.evidence_from, r.payload_hashes], ['retired', null, ['r'], ['pr']]);
    const child = lookup.get('child')!;
    assert.deepEqual([child.engine_state, child.merged_into, child.node, child.payload_hashes], ['merged_upstream', 'r', null, ['pc']]);
  });

  it('handles identities without evidence: a winner known only by its merge, an unmerged one, one only retired', () => {
    const e = engineWith(
      [observed('loser', { c2_endpoints: ['c'] }), merged('ghost', 'loser'), observed('x', { payload_hashes: ['px'] }), merged('empty', 'x')],
      [unmerged('x', 'empty'), retired('never-seen')],
    );
    const lookup = lookupOf(e);
    const ghost = lookup.get('ghost')!;
    assert.deepEqual([ghost.engine_state, ghost.observed_version, ghost.node, ghost.evidence_from, ghost.c2_endpoints],
      ['node', null, 'ghost', ['loser'], ['c']], 'a winner never observed is scored with its loser\'s evidence');
    assert.deepEqual(lookup.get('empty'), {
      engine_state: 'no_evidence', observed_version: null, merged_into: null, node: null, evidence_from: [], ...EMPTY_VALUES,
    });
    assert.deepEqual(lookup.get('never-seen'), {
      engine_state: 'retired', observed_version: null, merged_into: null, node: null, evidence_from: [], ...EMPTY_VALUES,
    });
    assert.deepEqual(lookup.get('x')!.engine_state, 'node', 'unmerged: a node again');
  });

  it('knows every identity the snapshot names and nothing else', () => {
    const e = engineWith([observed('a', {}), observed('b', {}), merged('a', 'c')]);
    const lookup = lookupOf(e);
    assert.equal(lookup.size, 3);
    assert.equal(lookup.get('nobody'), undefined);
  });

  it('lists the earliest sessions only, past the cap, and says so', () => {
    const sessions = Array.from({ length: 5 }, (_, i) => session(T0 + 60 * (4 - i), T0 + 60 * (4 - i) + 30));
    const rec = lookupOf(engineWith([observed('busy', { sessions })]), { maxSessions: 2 }).get('busy')!;
    assert.deepEqual(rec.sessions, {
      total: 5, total_seconds: 150, truncated: true,
      data: [{ start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:00:30Z' }, { start: '2026-01-01T00:01:00Z', end: '2026-01-01T00:01:30Z' }],
    });
  });

  it('reads the snapshot of an engine holding analyst overrides (format 3) like any other', () => {
    const e = engineWith([observed('a', { payload_hashes: ['p1'] }), observed('b', { payload_hashes: ['p2'] })]);
    e.applyBatch(positioned([{
      type: 'analyst.cannot_link', event_id: 'ov-1', time: T0 + 60, identity_uuids: ['a', 'b'], author: 'kim', reason: 'test',
    } as unknown as IdentityEvent], 'ov'), { from: 'ov:0', to: 'ov:1' });
    const raw = JSON.parse(JSON.stringify(e.snapshot())) as { snapshot_version: number };
    assert.equal(raw.snapshot_version, 3, 'an engine with overrides writes format 3');
    assert.deepEqual(identityFeatureLookup(raw).get('a')!.payload_hashes, ['p1']);
  });

  it('refuses another snapshot version and a document of the wrong shape', () => {
    const code = (raw: unknown) => {
      try {
        identityFeatureLookup(raw);
        return 'accepted';
      } catch (err) {
        assert.ok(err instanceof SnapshotFormatError, String(err));
        return err.code;
      }
    };
    assert.equal(code({ snapshot_version: 4, identities: [] }), 'unsupported_version');
    assert.equal(code({ identities: [] }), 'unsupported_version');
    assert.equal(code(null), 'malformed');
    assert.equal(code([]), 'unsupported_version');
    assert.equal(code({ snapshot_version: 2 }), 'malformed');
    assert.equal(code({ snapshot_version: 2, identities: [[1, 1, null, null, 0]] }), 'malformed');
    assert.equal(code({ snapshot_version: 2, identities: [['a', 1, null, 'missing', 0]] }), 'malformed');
    assert.equal(code({ snapshot_version: 2, identities: [] }), 'accepted');
  });

  it('throws on lookup, not forever, for a merge cycle a foreign writer left', () => {
    const lookup = identityFeatureLookup({ snapshot_version: 2, identities: [['a', 1, null, 'b', 0], ['b', 1, null, 'a', 0]] });
    assert.throws(() => lookup.get('a'), (err: unknown) => err instanceof SnapshotFormatError && err.code === 'malformed');
  });
});
