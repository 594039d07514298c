/**
 * What the clusterer knows about one identity, read from an engine snapshot, as plain JSON data
 * for analysts: sessions, phases per decky, payload hashes, C2 endpoints, ASNs, tools and the
 * keystroke centroid. The campaign log carries none of these (only edges and campaign
 * aggregates); a snapshot holds every identity's evidence.
 *
 * Which values: the clusterer scores graph *nodes*, and a node's features are its own evidence
 * plus that of every non-retired identity merged into it (`Projection.featuresOf`). A node's
 * record therefore shows those features, and `evidence_from` names whose evidence they cover.
 * An identity merged upstream, retired, or never observed is not a node: its record shows its
 * own evidence and `node` says which node, if any, that evidence counts for.
 *
 * Records are rendered on lookup, not up front: at a million identities, rendering them all
 * would hold the snapshot's evidence twice. Times are ISO-8601 (UTC, `Z`) as everywhere in the
 * API; the keystroke centroid is hex-16, as the identity object's `kd_digraph_simhash`.
 */
import { buildFeatures, evidenceFromParts, type EvidenceParts, type Evidence, type Features } from './features.ts';
import { SNAPSHOT_VERSION, SNAPSHOT_VERSION_OVERRIDES } from './snapshot.ts';
import { formatIso } from './time.ts';
import { simhashToHex } from './validate.ts';

/** How the engine treats an identity, in `Projection.removalReasonOf` precedence. */
export type EngineState = 'node' | 'merged_upstream' | 'retired' | 'no_evidence';

export interface SessionJson {
  readonly start: string;
  readonly end: string;
}

/** The first and last kill-chain phase seen on one decky. */
export interface DeckyPhasesJson {
  readonly decky: string;
  readonly first_phase: string | null;
  readonly first_at: string | null;
  readonly last_phase: string | null;
  readonly last_at: string | null;
}

export interface IdentityFeatureRecord {
  readonly engine_state: EngineState;
  /** The last `identity.observed` version the engine accepted; null if never observed. */
  readonly observed_version: number | null;
  /** The identity it is merged into upstream (one step), or null. */
  readonly merged_into: string | null;
  /**
   * The graph node this identity's evidence is scored in: itself for a node, the root of its
   * merge chain when merged upstream; null when retired, under a retired identity, or a
   * non-node without evidence.
   */
  readonly node: string | null;
  /** Identities whose evidence the values below cover, sorted. */
  readonly evidence_from: readonly string[];
  readonly first_seen_at: string | null;
  readonly last_seen_at: string | null;
  readonly sessions: {
    readonly total: number;
    /** Σ (end − start) over all sessions, in seconds (overlaps count twice, as in scoring). */
    readonly total_seconds: number;
    /** True when `data` holds only the earliest `maxSessions`. */
    readonly truncated: boolean;
    /** Sorted by (start, end). */
    readonly data: readonly SessionJson[];
  };
  readonly deckies: readonly string[];
  /** One entry per decky with TTP entries, sorted by decky. */
  readonly phases: readonly DeckyPhasesJson[];
  /** Gained access by itself somewhere (a delivery or exploitation phase). */
  readonly initial_access: boolean;
  readonly payload_hashes: readonly string[];
  readonly c2_endpoints: readonly string[];
  readonly asns: readonly number[];
  readonly tools: readonly string[];
  readonly keystroke: {
    /** Bitwise-majority SimHash of the keystroke digraph hashes, hex-16; null without any. */
    readonly centroid: string | null;
    /** Keystroke SimHashes folded into the centroid. */
    readonly samples: number;
  };
}

export interface IdentityFeatureLookup {
  /** Identities the snapshot knows (every identity any event named before it was taken). */
  readonly size: number;
  /** The identity's record, or undefined when the snapshot does not know it. */
  get(uuid: string): IdentityFeatureRecord | undefined;
}

/** A snapshot this code cannot read: another format version, or not the shape it should be. */
export class SnapshotFormatError extends Error {
  constructor(readonly code: 'unsupported_version' | 'malformed', message: string) {
    super(message);
    this.name = 'SnapshotFormatError';
  }
}

/** Sessions listed per record: one busy identity must not turn an answer into megabytes. */
export const MAX_SESSIONS = 1_000;

/** [uuid, version, evidence, merged into, retired], as `snapshot.ts` writes it. */
type IdentityTuple = readonly [string, number, EvidenceParts | null, string | null, 0 | 1];

/**
 * Indexes a parsed engine snapshot (`JSON.parse` of `EngineSnapshotRecord.state`). Keeps only its
 * identity list, so the rest of the parsed document can be collected. Throws
 * `SnapshotFormatError` for a foreign version or shape; a record's own defects (a merge cycle,
 * a time outside 0000–9999) throw from `get`.
 */
export function identityFeatureLookup(raw: unknown, options: { maxSessions?: number } = {}): IdentityFeatureLookup {
  const maxSessions = options.maxSessions ?? MAX_SESSIONS;
  if (typeof raw !== 'object' || raw === null) throw new SnapshotFormatError('malformed', 'engine snapshot is not a JSON object');
  const { snapshot_version: version, identities } = raw as { snapshot_version?: unknown; identities?: unknown };
  // Version 3 is version 2 plus the analyst overrides in force: the identity list is the same.
  if (version !== SNAPSHOT_VERSION && version !== SNAPSHOT_VERSION_OVERRIDES) {
    throw new SnapshotFormatError('unsupported_version',
      `engine snapshot format version ${JSON.stringify(version ?? null)}; this server reads versions ${SNAPSHOT_VERSION} and ${SNAPSHOT_VERSION_OVERRIDES}`);
  }
  if (!Array.isArray(identities)) throw new SnapshotFormatError('malformed', 'engine snapshot has no identity list');
  const ids = identities as readonly IdentityTuple[];
  const at = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) {
    const t = ids[i];
    if (!Array.isArray(t) || typeof t[0] !== 'string' || (t[3] !== null && typeof t[3] !== 'string')) {
      throw new SnapshotFormatError('malformed', `engine snapshot identity #${i} is not [uuid, version, evidence, merged into, retired]`);
    }
    at.set(t[0], i);
  }
  // Merge children per parent: a node's features include its whole non-retired subtree.
  const children = new Map<number, number[]>();
  const parent = new Int32Array(ids.length).fill(-1);
  for (let i = 0; i < ids.length; i++) {
    const into = ids[i][3];
    if (into === null) continue;
    const p = at.get(into);
    if (p === undefined) throw new SnapshotFormatError('malformed', `engine snapshot merges ${ids[i][0]} into unknown identity ${into}`);
    parent[i] = p;
    let list = children.get(p);
    if (list === undefined) children.set(p, (list = []));
    list.push(i);
  }
  const retired = (i: number): boolean => ids[i][4] === 1;

  function render(i: number): IdentityFeatureRecord {
    const [uuid, version, , mergedInto] = ids[i];
    // Up the merge chain to its root; evidence under a retired identity counts nowhere.
    let root = i;
    let underRetired = retired(i);
    for (let steps = 0; parent[root] >= 0; steps++) {
      if (steps >= ids.length) throw new SnapshotFormatError('malformed', `engine snapshot merge chain of ${uuid} is a cycle`);
      root = parent[root];
      if (retired(root)) underRetired = true;
    }
    const hasChildren = (children.get(i)?.length ?? 0) > 0;
    const state: EngineState = retired(i) ? 'retired'
      : mergedInto !== null ? 'merged_upstream'
        : version > 0 || hasChildren ? 'node' : 'no_evidence';
    const node = state === 'node' ? uuid : state === 'merged_upstream' && !underRetired ? ids[root][0] : null;
    const from = state === 'node' ? subtree(i) : ids[i][2] !== null ? [i] : [];
    const parts = from.map((j) => evidenceFromParts(ids[j][0], ids[j][2]!));
    const f = buildFeatures(uuid, parts);
    return {
      engine_state: state,
      observed_version: version > 0 ? version : null,
      merged_into: mergedInto,
      node,
      evidence_from: from.map((j) => ids[j][0]).sort(),
      ...featureValues(f, parts, maxSessions),
    };
  }

  /** `i` and its non-retired merge descendants that have evidence (as `Projection.featuresOf`). */
  function subtree(i: number): number[] {
    const out: number[] = [];
    const seen = new Set<number>();
    const stack = [i];
    while (stack.length > 0) {
      const u = stack.pop()!;
      if (seen.has(u)) continue;
      seen.add(u);
      if (retired(u)) continue;
      if (ids[u][2] !== null) out.push(u);
      for (const c of children.get(u) ?? []) stack.push(c);
    }
    return out;
  }

  return {
    size: at.size,
    get(uuid: string) {
      const i = at.get(uuid);
      return i === undefined ? undefined : render(i);
    },
  };
}

type FeatureValues = Omit<IdentityFeatureRecord, 'engine_state' | 'observed_version' | 'merged_into' | 'node' | 'evidence_from'>;

function featureValues(f: Features, parts: readonly Evidence[], maxSessions: number): FeatureValues {
  const w = f.windows;
  const total = w.length >> 1;
  const shown = Math.min(total, maxSessions);
  const sessions: SessionJson[] = [];
  for (let k = 0; k < shown; k++) sessions.push({ start: formatIso(w[2 * k]), end: formatIso(w[2 * k + 1]) });
  const phases: DeckyPhasesJson[] = [];
  for (const decky of [...new Set([...f.first.keys(), ...f.last.keys()])].sort()) {
    const first = f.first.get(decky);
    const last = f.last.get(decky);
    phases.push({
      decky,
      first_phase: first?.phase ?? null,
      first_at: first === undefined ? null : formatIso(first.t),
      last_phase: last?.phase ?? null,
      last_at: last === undefined ? null : formatIso(last.t),
    });
  }
  return {
    first_seen_at: f.firstActivity === null ? null : formatIso(f.firstActivity),
    last_seen_at: f.lastActivity === null ? null : formatIso(f.lastActivity),
    sessions: { total, total_seconds: f.windowTotal, truncated: shown < total, data: sessions },
    deckies: [...f.deckies],
    phases,
    initial_access: f.selfAccess,
    payload_hashes: [...f.payloads],
    c2_endpoints: [...f.c2],
    asns: [...f.asns],
    tools: [...f.tools],
    keystroke: {
      centroid: f.kd === null ? null : simhashToHex(f.kd),
      samples: parts.reduce((n, e) => n + e.kdN, 0),
    },
  };
}
