/**
 * What the pipeline reports about itself, for the health endpoint and logs.
 *
 * - live: the process is doing its job or waiting correctly. False only after a failure the
 *   pipeline will not recover from by itself (restart it).
 * - ready: connected to the group and either a standby (ready to take over) or the owner
 *   with every partition caught up (lag at most `readyMaxLag`).
 */
export type Role = 'starting' | 'standby' | 'activating' | 'active' | 'stopping' | 'stopped' | 'failed';

export interface HealthReport {
  readonly live: boolean;
  readonly ready: boolean;
  readonly role: Role;
  readonly connected: boolean;
  readonly group: string;
  readonly topic: string;
  readonly partitions: readonly number[];
  /** Messages not yet consumed, per owned partition. */
  readonly lag: Readonly<Record<string, number>>;
  readonly total_lag: number | null;
  readonly caught_up: boolean;
  readonly last_batch: number | null;
  readonly last_commit_at: string | null;
  readonly head_sequence: number | null;
  readonly published_sequence: number | null;
  readonly relay_lag: number | null;
  readonly dead_letters: number;
  readonly topic_mismatches: readonly string[];
  readonly last_error: string | null;
  /**
   * `--assignment domain` only: the domains this member holds. `last_batch`, `head_sequence`
   * and `published_sequence` are then those of the domain that committed or published last.
   */
  readonly domains?: number;
}

export class HealthState {
  role: Role = 'starting';
  connected = false;
  partitions: readonly number[] = [];
  readonly lag = new Map<number, number>();
  lastBatch: number | null = null;
  lastCommitAt: number | null = null;
  headSequence: number | null = null;
  publishedSequence: number | null = null;
  relayLag: number | null = null;
  deadLetters = 0;
  /** Domains held (`--assignment domain`); null: one owner of the whole topic. */
  ownedDomains: number | null = null;
  topicMismatches: readonly string[] = [];
  lastError: string | null = null;

  constructor(readonly group: string, readonly topic: string, readonly readyMaxLag: number) {}

  totalLag(): number | null {
    if (this.role !== 'active') return null;
    let n = 0;
    for (const p of this.partitions) {
      const l = this.lag.get(p);
      if (l === undefined) return null; // not measured yet
      n += l;
    }
    return n;
  }

  report(): HealthReport {
    const total = this.totalLag();
    const caughtUp = total !== null && total <= this.readyMaxLag;
    const live = this.role !== 'failed' && this.role !== 'stopped';
    const ready = live && this.connected && (this.role === 'standby' || (this.role === 'active' && caughtUp));
    return {
      live,
      ready,
      role: this.role,
      connected: this.connected,
      group: this.group,
      topic: this.topic,
      partitions: this.partitions,
      lag: Object.fromEntries([...this.lag].filter(([p]) => this.partitions.includes(p)).map(([p, l]) => [String(p), l])),
      total_lag: total,
      caught_up: caughtUp,
      last_batch: this.lastBatch,
      last_commit_at: this.lastCommitAt === null ? null : new Date(this.lastCommitAt).toISOString(),
      head_sequence: this.headSequence,
      published_sequence: this.publishedSequence,
      relay_lag: this.relayLag,
      dead_letters: this.deadLetters,
      topic_mismatches: this.topicMismatches,
      last_error: this.lastError,
      ...(this.ownedDomains !== null ? { domains: this.ownedDomains } : {}),
    };
  }
}
