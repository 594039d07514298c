/**
 * A one-slot rendezvous between a kafkajs batch handler and a reader that pulls. The handler
 * `put`s a batch and waits until the reader has taken it, so kafkajs fetches the partition's
 * next batch only when the reader wants more: memory stays at one batch however slow the
 * reader is (an `await` in the handler is the only demand signal kafkajs understands).
 */
export class Handoff<T> {
  private item: { value: T; taken: () => void } | null = null;
  private waiter: ((v: T | null) => void) | null = null;
  private closed = false;

  /** Resolves once the value is taken, or at once if the handoff is closed. */
  put(value: T): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const w = this.waiter;
      if (w !== null) {
        this.waiter = null;
        w(value);
        resolve();
        return;
      }
      // A previous un-taken item is replaced: it came from a fetch that a seek made stale.
      this.item?.taken();
      this.item = { value, taken: resolve };
    });
  }

  /** The next value; null when closed or after `timeoutMs` without one. */
  take(timeoutMs: number): Promise<T | null> {
    if (this.item !== null) {
      const { value, taken } = this.item;
      this.item = null;
      taken();
      return Promise.resolve(value);
    }
    if (this.closed) return Promise.resolve(null);
    return new Promise<T | null>((resolve) => {
      const timer = setTimeout(() => {
        if (this.waiter === settle) this.waiter = null;
        resolve(null);
      }, timeoutMs);
      const settle = (v: T | null): void => {
        clearTimeout(timer);
        resolve(v);
      };
      this.waiter = settle;
    });
  }

  close(): void {
    this.closed = true;
    this.item?.taken();
    this.item = null;
    const w = this.waiter;
    this.waiter = null;
    w?.(null);
  }
}
