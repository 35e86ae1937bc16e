/** Something holding processes or other resources until it is closed. */
export interface Closable {
  close(): Promise<void>;
}

export interface HelperPoolOptions {
  /** An entry unused for this long is closed (0: as soon as its last use ends). */
  idleMs: number;
  /** At most this many entries stay open: past it, the least recently used idle one closes. */
  maxEntries: number;
}

interface Slot<T> {
  value: T;
  /** Uses in progress: a slot is never closed while this is above 0. */
  users: number;
  idle?: ReturnType<typeof setTimeout>;
}

/**
 * Entries opened on demand per key (a repository's git helpers) and closed when idle or when
 * more than `maxEntries` are open, least recently used first: the number of open entries
 * follows the work in progress, not the number of keys ever seen. Entries in use are never
 * closed, so the bound can be passed while more than `maxEntries` keys are busy at once; the
 * extra ones close as their uses end.
 */
export class HelperPool<T extends Closable> {
  /** In order of last use, the least recent first. */
  private readonly slots = new Map<string, Slot<T>>();
  private readonly closing = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly open: (key: string) => T,
    private readonly options: HelperPoolOptions,
  ) {}

  /** Runs `work` with the key's entry, opening it if needed and keeping it open meanwhile. */
  async use<R>(key: string, work: (value: T) => Promise<R>): Promise<R> {
    if (this.closed) throw new Error('the helper pool is closed');
    const slot = this.acquire(key);
    try {
      return await work(slot.value);
    } finally {
      this.release(key, slot);
    }
  }

  /** Keys with an open entry, the least recently used first. */
  keys(): string[] {
    return [...this.slots.keys()];
  }

  /**
   * Closes the key's entry now, in use or not (its users' work was aborted): the next use
   * opens a fresh one. Resolves once it is closed.
   */
  async discard(key: string): Promise<void> {
    const slot = this.slots.get(key);
    if (slot) this.retire(key, slot);
    await Promise.all(this.closing);
  }

  /** Closes every entry, in use or not, and refuses later uses. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [key, slot] of this.slots) this.retire(key, slot);
    await Promise.all(this.closing);
  }

  private acquire(key: string): Slot<T> {
    let slot = this.slots.get(key);
    if (slot) {
      clearTimeout(slot.idle);
      slot.idle = undefined;
      this.slots.delete(key);
    } else {
      slot = { value: this.open(key), users: 0 };
    }
    this.slots.set(key, slot);
    slot.users++;
    this.evict();
    return slot;
  }

  private release(key: string, slot: Slot<T>): void {
    slot.users--;
    if (slot.users > 0 || this.slots.get(key) !== slot) return;
    this.evict();
    if (this.slots.get(key) !== slot) return;
    slot.idle = setTimeout(() => this.retire(key, slot), this.options.idleMs);
    // An idle helper is no reason to keep the process alive.
    slot.idle.unref();
  }

  /** Closes idle entries, least recently used first, until at most `maxEntries` are open. */
  private evict(): void {
    for (const [key, slot] of this.slots) {
      if (this.slots.size <= this.options.maxEntries) return;
      if (slot.users === 0) this.retire(key, slot);
    }
  }

  private retire(key: string, slot: Slot<T>): void {
    clearTimeout(slot.idle);
    if (this.slots.get(key) === slot) this.slots.delete(key);
    const done: Promise<void> = slot.value
      .close()
      // Closing is best effort: a helper that fails to close is already of no use.
      .catch(() => undefined)
      .finally(() => this.closing.delete(done));
    this.closing.add(done);
  }
}
