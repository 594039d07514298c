/**
 * A one-line progress bar on stderr, only on a terminal: piped or redirected output (a log
 * file, another tool parsing stdout) never gets carriage returns and escape codes.
 */
import type { Clock } from '../ports/clock.ts';
import type { OutStream } from './io.ts';

/** Redraws more often than this only flicker and cost time on a fast run. */
const MIN_REDRAW_MS = 100;
const BAR_WIDTH = 24;

export interface Progress {
  update(done: number, total: number, detail: string): void;
  finish(): void;
}

/** No bar at all (not a terminal, or no total to measure against). */
export const silentProgress: Progress = { update: () => {}, finish: () => {} };
const silent = silentProgress;

export function progressBar(stream: OutStream, clock: Clock, label: string): Progress {
  if (stream.isTTY !== true) return silent;
  let last = -Infinity;
  let drawn = false;
  return {
    update(done, total, detail) {
      const now = clock.now();
      if (now - last < MIN_REDRAW_MS && done < total) return;
      last = now;
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(ratio * BAR_WIDTH);
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(ratio * 100).toFixed(1).padStart(5)}% ${detail}`;
      const width = stream.columns || 80; // a pty without a size reports 0
      stream.write(`\r${line.slice(0, Math.max(10, width - 1))}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
