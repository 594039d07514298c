/**
 * The input lag per owned partition, polled from the broker's high watermarks every
 * `lagPollMs` (commits update it too, but a quiet topic commits nothing), and the relay's lag.
 * Feeds health (readiness) and `/metrics`. A failed poll changes nothing: the next one, or the
 * next batch, updates the numbers.
 */
import type { Repeating } from '../../ports/clock.ts';
import type { PipelineContext } from './context.ts';
import type { Ownership } from './ownership.ts';

export class LagMonitor {
  private timer: Repeating | null = null;

  constructor(private readonly c: PipelineContext, private readonly ownership: Ownership) {}

  start(): void {
    this.timer ??= this.c.deps.timers.every(this.c.options.lagPollMs ?? 2_000, () => void this.poll());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private async poll(): Promise<void> {
    const { c } = this;
    const a = this.ownership.state;
    if (a === null || c.isStopping()) return;
    try {
      const offsets = await c.deps.input.offsets();
      for (const [p, next] of a.expected) {
        const o = offsets.get(p);
        if (o !== undefined && c.deps.group.assigned().includes(p)) c.health.lag.set(p, Math.max(0, o.high - next));
      }
      c.health.relayLag = a.relay.lag();
    } catch {
      // The next poll, or the next batch, updates the lag.
    }
  }
}
