/**
 * Patient retries for outages: exponential backoff with jitter, capped, forever or until the
 * signal aborts. Used where giving up would mean skipping input or losing an output (a broker,
 * registry or store restart must pause the pipeline, never make it drop a batch). Waits go
 * through the Timers port.
 */
import type { Timers } from '../ports/clock.ts';
import { aborted } from './errors.ts';

export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  /** Stops the waiting: the pending call's error (or `aborted`) is thrown. */
  readonly signal?: AbortSignal;
  /** Which failures are worth another try; others are thrown at once. */
  readonly retriable?: (e: unknown) => boolean;
  /** Called before each wait, e.g. to log or to heartbeat. */
  readonly onRetry?: (e: unknown, attempt: number, waitMs: number) => void | Promise<void>;
  /** Give up after this many attempts (default: never). */
  readonly attempts?: number;
  /** Runs every `tickMs` while waiting (a consumer heartbeat). */
  readonly tick?: () => Promise<void>;
  readonly tickMs?: number;
}

export const isRetriable = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { retriable?: unknown }).retriable === true;

/** Sleeps `ms`, calling `tick` periodically; rejects with `aborted` when the signal fires. */
export async function pause(timers: Timers, ms: number, signal?: AbortSignal, tick?: () => Promise<void>, tickMs = 1_000): Promise<void> {
  const until = timers.now() + ms;
  while (timers.now() < until) {
    if (signal?.aborted) throw aborted('waiting to retry');
    await timers.sleep(Math.min(tickMs, until - timers.now()), signal);
    if (tick !== undefined && timers.now() < until && !signal?.aborted) await tick().catch(() => {});
  }
  if (signal?.aborted) throw aborted('waiting to retry');
}

export async function withBackoff<T>(timers: Timers, fn: () => Promise<T>, o: BackoffOptions = {}): Promise<T> {
  const initial = o.initialMs ?? 250;
  const max = o.maxMs ?? 30_000;
  const retriable = o.retriable ?? isRetriable;
  for (let attempt = 1; ; attempt++) {
    if (o.signal?.aborted) throw aborted('retrying');
    try {
      return await fn();
    } catch (e) {
      if (!retriable(e) || (o.attempts !== undefined && attempt >= o.attempts) || o.signal?.aborted) throw e;
      const base = Math.min(max, initial * 2 ** Math.min(attempt - 1, 16));
      const wait = Math.round(base * (0.75 + Math.random() * 0.5));
      await o.onRetry?.(e, attempt, wait);
      await pause(timers, wait, o.signal, o.tick, o.tickMs);
    }
  }
}
