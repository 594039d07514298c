/**
 * At most N heavy requests at once. A heavy route (evidence, a campaign's identities, an
 * identity) walks a whole campaign in memory on the event loop and sends megabytes; twenty of
 * them at once kept a one-line list request waiting 10 s. Past N, a heavy request is refused
 * at once with 503 `busy` and `Retry-After`, so a light request waits behind at most N heavy
 * ones, never behind a queue of them. A slot is held until its response is sent (or the
 * client goes away), so the bytes in flight are bounded too.
 */
import type { ServerResponse } from 'node:http';
import { HttpError } from './errors.ts';

/** Seconds a refused client is told to wait: heavy answers take well under a second each. */
export const BUSY_RETRY_AFTER_S = 1;

export class HeavyGate {
  private used = 0;

  constructor(readonly max: number, private readonly onChange: (running: number) => void = () => {}) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxHeavyRequests must be a positive integer, got ${max}`);
  }

  get running(): number {
    return this.used;
  }

  /** Takes a slot until `res` closes; throws 503 `busy` when none is free. */
  enter(res: ServerResponse): void {
    if (this.used >= this.max) {
      throw new HttpError(503, 'busy', `at most ${this.max} heavy requests (evidence, identities, identity) run at once; retry shortly`, undefined, {
        'Retry-After': String(BUSY_RETRY_AFTER_S),
      });
    }
    this.used++;
    this.onChange(this.used);
    res.once('close', () => {
      this.used--;
      this.onChange(this.used);
    });
  }
}
