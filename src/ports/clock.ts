/**
 * Wall-clock time, for the shell only (progress rates, elapsed time in a summary). Nothing
 * that reaches the event log or the tables may read it: their times come from the events.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** A periodic task started with `Timers.every`. */
export interface Repeating {
  cancel(): void;
}

/**
 * Waiting, through a port like the time itself: the pipeline's backoffs, polls and heartbeats
 * never call setTimeout or setInterval, so a test can run them on a clock of its own.
 */
export interface Timers extends Clock {
  /** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `task` every `ms` until cancelled. Never keeps the process alive by itself. */
  every(ms: number, task: () => void): Repeating;
}
