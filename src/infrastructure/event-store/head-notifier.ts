/**
 * Tracks the newest committed global position and wakes whoever waits for a later one.
 * Adapters call `advance` synchronously right after a commit, so a waiter that checks the
 * head and then waits can never miss an append in between.
 */
export class HeadNotifier {
  private waiters: Array<{ position: number; wake: () => void }> = [];
  private closed = false;

  constructor(private head = 0) {}

  get position(): number {
    return this.head;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  advance(position: number): void {
    if (position <= this.head) return;
    this.head = position;
    const ready = this.waiters.filter((w) => w.position <= position);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.position > position);
    for (const w of ready) w.wake();
  }

  /** How many waiters are parked; lets tests see that none is leaked. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves once an event at `position` or later is committed, or on close or abort. */
  waitFor(position: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || this.head >= position || signal?.aborted) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      // The abort listener is removed on wake, so a long-lived subscription that waits
      // thousands of times keeps nothing behind.
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      const waiter = {
        position,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.closed = true;
    const all = this.waiters;
    this.waiters = [];
    for (const w of all) w.wake();
  }
}
