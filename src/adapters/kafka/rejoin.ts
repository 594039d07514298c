/**
 * Joining a consumer group again after a crash kafkajs will not restart from (a broker
 * restarting, the coordinator moving): a fresh attempt after 0.5 s, doubling to 10 s, until one
 * joins or the member stops. An outage must be waited out, never end a long-running member;
 * `wake()` ends the wait at once when it stops.
 */
export class RejoinLoop {
  private wakeUp: (() => void) | null = null;

  /** Ends a wait in progress (the member is stopping). */
  wake(): void {
    this.wakeUp?.();
  }

  async run(running: () => boolean, join: () => Promise<void>, onError: (e: unknown) => void): Promise<void> {
    for (let delay = 500; running(); delay = Math.min(delay * 2, 10_000)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = null;
      if (!running()) return;
      try {
        await join();
        return;
      } catch (e) {
        onError(e);
      }
    }
  }
}
