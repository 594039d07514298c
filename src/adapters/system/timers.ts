/** The Timers port on Node's own clock and timers (the only implementation outside tests). */
import type { Timers } from '../../ports/clock.ts';

export const systemTimers: Timers = {
  now: () => Date.now(),
  sleep: (ms, signal) => new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  }),
  every: (ms, task) => {
    const t = setInterval(task, ms);
    t.unref();
    return { cancel: () => clearInterval(t) };
  },
};
