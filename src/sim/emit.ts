/**
 * Upstream emulation: a generated corpus becomes the identity events campaign-stream consumes
 * (the NDJSON input contract), plus the truth labels to score against.
 *
 * One `identity.observed` per session of every attacker row, carrying that session's window and
 * ttp entry, its payload hash and C2 (when present), and the row's ASN, JA3 and HASSH. The
 * identity is the row's identity from the identity layer. Events are ordered by (time, event_id)
 * with time = session start; `version` counts per identity in that order; `event_id` is
 * `obs-<session id>`. Nothing here depends on wall-clock time or randomness.
 *
 * Fleet rows add two things (absent from reference rows, whose events are unchanged): a session
 * with `reported` is a late observation, its event time is `reported` instead of its start; and
 * each sighting is one more event carrying only its C2 (no session window, no ttp entry).
 */
import type { IdentityObserved, Observation } from '../domain/identity-events.ts';
import type { AttackerRow } from './corpus-types.ts';
import type { IdentityAssignment } from './identity-layer.ts';

export interface RowLabels {
  readonly identity_uuid: string;
  readonly truth_campaign: string;
  readonly truth_identity: string;
  readonly truth_actor: string;
}

export interface EmittedCorpus {
  readonly events: readonly IdentityObserved[];
  /** The same events as NDJSON lines (no trailing newline on each); built on first use. */
  readonly lines: readonly string[];
  /** Attacker row id → its identity and truth labels, in row order. */
  readonly truth: ReadonlyMap<string, RowLabels>;
}

export function emitIdentityEvents(rows: readonly AttackerRow[], identities: IdentityAssignment): EmittedCorpus {
  const truth = new Map<string, RowLabels>();
  const drafts: { time: number; event_id: string; identity_uuid: string; observation: Observation }[] = [];
  for (const row of rows) {
    const identity_uuid = identities.identityOf.get(row.id);
    if (identity_uuid === undefined) throw new Error(`emitIdentityEvents: attacker row ${row.id} has no identity`);
    truth.set(row.id, { identity_uuid, truth_campaign: row.truth.campaign, truth_identity: row.truth.identity, truth_actor: row.truth.actor });
    for (const s of row.sessions) {
      drafts.push({
        time: s.reported ?? s.start,
        event_id: `obs-${s.id}`,
        identity_uuid,
        observation: {
          sessions: [{ start: s.start, end: s.end, decky: s.decky }],
          ttp: [{ decky: s.decky, phase: s.phase, start: s.start, end: s.end }],
          payload_hashes: s.payload_hash ? [s.payload_hash] : [],
          c2_endpoints: s.c2_callback ? [s.c2_callback] : [],
          asn: row.asn,
          tools: [],
          ja3: row.ja3,
          hassh: row.hassh,
          kd_simhash: s.keystroke === null ? null : BigInt('0x' + s.keystroke),
        },
      });
    }
    for (const s of row.sightings ?? []) {
      drafts.push({
        time: s.time,
        event_id: `obs-${s.id}`,
        identity_uuid,
        observation: {
          sessions: [], ttp: [], payload_hashes: [], c2_endpoints: [s.c2_callback],
          asn: row.asn, tools: [], ja3: row.ja3, hassh: row.hassh, kd_simhash: null,
        },
      });
    }
  }
  drafts.sort((a, b) => a.time - b.time || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
  const versions = new Map<string, number>();
  const events: IdentityObserved[] = drafts.map((d) => {
    const version = (versions.get(d.identity_uuid) ?? 0) + 1;
    versions.set(d.identity_uuid, version);
    return { type: 'identity.observed', event_id: d.event_id, identity_uuid: d.identity_uuid, version, time: d.time, observation: d.observation };
  });
  // A million-identity fleet has millions of events: their wire lines are only built for the
  // callers that read them (simulate, the runtime tests), not for scoring.
  let lines: string[] | undefined;
  return {
    events,
    get lines() {
      return (lines ??= events.map(toWireLine));
    },
    truth,
  };
}

/** Epoch seconds → ISO-8601 UTC with a `Z`; milliseconds only when non-zero. */
export function isoTime(epochSeconds: number): string {
  const iso = new Date(Math.round(epochSeconds * 1000)).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** A 64-bit SimHash as 16 lowercase hex digits (REFERENCE §1.6). */
export const simhashHex = (v: bigint): string => BigInt.asUintN(64, v).toString(16).padStart(16, '0');

/** The wire form of one event, keys in contract order. */
export function toWireLine(e: IdentityObserved): string {
  const o = e.observation;
  return JSON.stringify({
    type: e.type,
    event_id: e.event_id,
    identity_uuid: e.identity_uuid,
    version: e.version,
    time: isoTime(e.time),
    observation: {
      sessions: o.sessions.map((s) => ({ start: isoTime(s.start), end: isoTime(s.end), decky: s.decky })),
      ttp: o.ttp.map((t) => ({ decky: t.decky, phase: t.phase, start: isoTime(t.start), end: isoTime(t.end) })),
      payload_hashes: o.payload_hashes,
      c2_endpoints: o.c2_endpoints,
      asn: o.asn,
      tools: o.tools,
      ja3: o.ja3,
      hassh: o.hassh,
      kd_simhash: o.kd_simhash === null ? null : simhashHex(o.kd_simhash),
    },
  });
}
