/**
 * At most one fetch in flight per resource. Requests that arrive while one runs fold into a
 * single further run at the newest position asked for, so a burst of events for one job
 * costs two reads, not one per event, and the last read always covers the last event.
 */
export class Coalescer {
  private readonly slots = new Map<
    string,
    { again: boolean; position: number | undefined }
  >();

  constructor(private readonly onError: (error: unknown) => void) {}

  /**
   * Runs `read(minPosition)` for `key` now, or once more after the running read. Positions
   * only grow: the later run reads at the highest one requested meanwhile.
   */
  request(
    key: string,
    position: number | undefined,
    read: (minPosition: number | undefined) => Promise<void>,
  ): void {
    const slot = this.slots.get(key);
    if (slot) {
      slot.again = true;
      slot.position = highest(slot.position, position);
      return;
    }
    const fresh = { again: false, position: undefined };
    this.slots.set(key, fresh);
    void this.run(key, fresh, position, read);
  }

  /** Whether a read for `key` is in flight. */
  busy(key: string): boolean {
    return this.slots.has(key);
  }

  private async run(
    key: string,
    slot: { again: boolean; position: number | undefined },
    position: number | undefined,
    read: (minPosition: number | undefined) => Promise<void>,
  ): Promise<void> {
    let at = position;
    for (;;) {
      try {
        await read(at);
      } catch (error) {
        this.onError(error);
      }
      if (!slot.again) break;
      slot.again = false;
      at = slot.position;
      slot.position = undefined;
    }
    this.slots.delete(key);
  }
}

function highest(a: number | undefined, b: number | undefined) {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}
