/**
 * Wall-clock time, for the shell only (progress rates, elapsed time in a summary). Nothing
 * that reaches the event log or the tables may read it: their times come from the events.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}
