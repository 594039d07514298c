/**
 * What the Kafka pipeline's parts share: its ports, its options, its health, the stop signal,
 * and how they report and fail. One object, built by KafkaPipeline, handed to the roles
 * (ownership.ts, partition-batches.ts, recovery.ts, lag-monitor.ts).
 */
import type { Domain } from '../../domain/domains.ts';
import type { Timers } from '../../ports/clock.ts';
import type { BatchObserver } from '../../ports/pipeline-metrics.ts';
import type { Publisher } from '../../ports/publisher.ts';
import type { DeadLetterSink, GroupMembership, TopicInput } from '../../ports/topic-input.ts';
import type { EngineFactory } from '../engine-factory.ts';
import { withBackoff, type BackoffOptions } from '../retry.ts';
import type { HealthState } from './health.ts';
import type { RelayOptions } from './outbox-relay.ts';
import type { DomainStores, StoreOpener } from './store.ts';

export interface KafkaPipelineDeps {
  /** This process's membership in the identity topic's consumer group. */
  readonly group: GroupMembership;
  /** The identity topic: offsets, exact reads, partitions as sources. */
  readonly input: TopicInput;
  /** Where refused input goes (the dead-letter topic). */
  readonly deadLetters: DeadLetterSink;
  readonly publisher: Publisher;
  readonly openStore: StoreOpener;
  readonly engines: EngineFactory;
  readonly timers: Timers;
  /** Operator messages (one line each, no newline). */
  readonly notice?: (line: string) => void;
  /** Per-batch counters and latency for `/metrics`. */
  readonly metrics?: BatchObserver;
  /**
   * Present: this member clusters the domains on the partitions the group assigns it, each in
   * its own store (domain-ownership.ts). Absent: one member owns the whole topic as the default
   * domain (ownership.ts), and `openStore` is its store.
   */
  readonly domains?: {
    readonly stores: DomainStores;
    readonly engines: (domain: Domain) => EngineFactory;
  };
}

export interface KafkaPipelineOptions {
  readonly group: string;
  /** The outbox cursor's name (the events topic). */
  readonly outboxName: string;
  readonly batchSize: number;
  readonly snapshotEveryRecords: number;
  /** Largest total lag still reported as caught up (ready). */
  readonly readyMaxLag?: number;
  readonly relay?: RelayOptions;
  /** How long `stop()` lets the relay publish what is pending. */
  readonly drainMs?: number;
  readonly lagPollMs?: number;
  /** Failed commits in a row at one position with no poison found before giving up. */
  readonly maxCommitFailures?: number;
}

export interface PipelineContext {
  readonly deps: KafkaPipelineDeps;
  readonly options: KafkaPipelineOptions;
  readonly health: HealthState;
  /** Aborts waits (outage backoffs) when the pipeline stops. */
  readonly signal: AbortSignal;
  notice(line: string): void;
  /** Stops the pipeline with this failure (not awaited from inside a batch handler). */
  fail(e: unknown): void;
  isStopping(): boolean;
  /** `withBackoff` on the pipeline's timers, aborted when it stops. */
  patiently<T>(fn: () => Promise<T>, o?: Omit<BackoffOptions, 'signal'>): Promise<T>;
}

export const describeError = (e: unknown): string =>
  e instanceof Error ? `${(e as { code?: string }).code ? `[${(e as { code?: string }).code}] ` : ''}${e.message}` : String(e);

export function pipelineContext(
  deps: KafkaPipelineDeps, options: KafkaPipelineOptions, health: HealthState, signal: AbortSignal,
  fail: (e: unknown) => void, isStopping: () => boolean,
): PipelineContext {
  return {
    deps, options, health, signal, fail, isStopping,
    notice: (line) => deps.notice?.(line),
    patiently: (fn, o = {}) => withBackoff(deps.timers, fn, { ...o, signal }),
  };
}
