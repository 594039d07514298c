/**
 * The input lag per owned partition, polled from the broker's high watermarks every
 * `lagPollMs` (commits update it too, but a quiet topic commits nothing), and the relay's lag.
 * Feeds health (readiness) and `/metrics`. A failed poll changes nothing: the next one, or the
 * next batch, updates the numbers.
 */
import type { Repeating } from '../../ports/clock.ts';
import type { PipelineContext } from './context.ts';

/** What the monitor needs of whoever holds the partitions. */
export interface LagSource {
  /** The next offset to consume, per owned partition (none while a standby). */
  positions(): Iterable<readonly [number, number]>;
  /** Events appended but not yet published, or null while nothing is held. */
  relayLag(): number | null;
}

export class LagMonitor {
  private timer: Repeating | null = null;

  constructor(private readonly c: PipelineContext, private readonly held: LagSource) {}

  start(): void {
    this.timer ??= this.c.deps.timers.every(this.c.options.lagPollMs ?? 2_000, () => void this.poll());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private async poll(): Promise<void> {
    const { c } = this;
    if (c.isStopping()) return;
    const positions = [...this.held.positions()];
    if (positions.length === 0) return;
    try {
      const offsets = await c.deps.input.offsets();
      for (const [p, next] of positions) {
        const o = offsets.get(p);
        if (o !== undefined && c.deps.group.assigned().includes(p)) c.health.lag.set(p, Math.max(0, o.high - next));
      }
      c.health.relayLag = this.held.relayLag();
    } catch {
      // The next poll, or the next batch, updates the lag.
    }
  }
}
