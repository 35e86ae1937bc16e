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

  /** Resolves once an event at `position` or later is committed, or on close/cancel. */
  waitFor(position: number, cancelled?: Promise<void>): Promise<void> {
    if (this.closed || this.head >= position) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { position, wake: resolve };
      this.waiters.push(waiter);
      void cancelled?.then(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      });
    });
  }

  close(): void {
    this.closed = true;
    const all = this.waiters;
    this.waiters = [];
    for (const w of all) w.wake();
  }
}
