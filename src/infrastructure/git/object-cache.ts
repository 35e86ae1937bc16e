/**
 * Parsed objects of one repository (trees, commits), newest use last, by object id: an
 * object's content never changes, so an entry is never stale. A restack reads the same
 * objects again and again (a pick's new base is the tree the pick before it wrote, its old
 * parent the commit the pick before it read, a child branch starts where its parent's replay
 * ended), and each read through `cat-file --batch` is a pipe round trip to a niced process.
 * Bounded by a weight (a tree weighs its entries, a commit one), least recently used out
 * first. Reads of one object at the same time share one read; a failed read is not kept.
 */
export class ObjectCache<T extends object> {
  private readonly objects = new Map<string, Promise<T>>();
  private readonly weights = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (value: T) => number = () => 1,
  ) {}

  /** The object `oid`, from the cache or from `read`. */
  get(oid: string, read: () => Promise<T>): Promise<T> {
    const cached = this.objects.get(oid);
    if (cached) {
      this.objects.delete(oid);
      this.objects.set(oid, cached);
      return cached;
    }
    const reading = read().then(
      (value) => {
        this.account(oid, value);
        return value;
      },
      (error: unknown) => {
        if (this.objects.get(oid) === reading) this.objects.delete(oid);
        throw error;
      },
    );
    this.objects.set(oid, reading);
    return reading;
  }

  /** Keeps an object just written, as a read of `oid` would give it. */
  put(oid: string, value: T): void {
    if (this.objects.has(oid)) return;
    this.objects.set(oid, Promise.resolve(value));
    this.account(oid, value);
  }

  /** How many objects it holds (read or being read). */
  get size(): number {
    return this.objects.size;
  }

  private account(oid: string, value: T): void {
    if (!this.objects.has(oid) || this.weights.has(oid)) return;
    // Shared by every reader from now on: none may change it.
    Object.freeze(value);
    const weight = this.weigh(value);
    this.weights.set(oid, weight);
    this.total += weight;
    for (const [old] of this.objects) {
      if (this.total <= this.maxWeight) break;
      const w = this.weights.get(old);
      // Still being read: not counted yet.
      if (w === undefined) continue;
      this.objects.delete(old);
      this.weights.delete(old);
      this.total -= w;
    }
  }
}
