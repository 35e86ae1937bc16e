import type { TreeEntry } from './tree-merge';

/** Tree entries a repository's cache holds at most, summed over its trees. */
const MAX_ENTRIES = 200_000;

/**
 * The parsed trees of one repository, newest use last, by object id: a tree's content never
 * changes, so an entry is never stale. A restack reads the same trees again and again (a
 * pick's new base is the tree the pick before it wrote, its old parent the tree the pick
 * before it read, a child branch starts where its parent's replay ended), and each read
 * through `cat-file --batch` is a pipe round trip to a niced process. Trees written in
 * process are put in as they will read back. Bounded by the entries it holds, oldest use
 * out first. Reads of one tree at the same time share one read.
 */
export class TreeCache {
  private readonly trees = new Map<string, Promise<readonly TreeEntry[]>>();
  private readonly sizes = new Map<string, number>();
  private entries = 0;

  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  /** The tree `oid`, from the cache or from `read` (whose failure is not kept). */
  get(
    oid: string,
    read: () => Promise<readonly TreeEntry[]>,
  ): Promise<readonly TreeEntry[]> {
    const cached = this.trees.get(oid);
    if (cached) {
      this.trees.delete(oid);
      this.trees.set(oid, cached);
      return cached;
    }
    const reading = read().then(
      (entries) => {
        this.account(oid, entries);
        return entries;
      },
      (error: unknown) => {
        if (this.trees.get(oid) === reading) this.trees.delete(oid);
        throw error;
      },
    );
    this.trees.set(oid, reading);
    return reading;
  }

  /** Keeps a tree just written, as a read of `oid` would give it. */
  put(oid: string, entries: readonly TreeEntry[]): void {
    if (this.trees.has(oid)) return;
    this.trees.set(oid, Promise.resolve(entries));
    this.account(oid, entries);
  }

  /** How many trees it holds (read or being read). */
  get size(): number {
    return this.trees.size;
  }

  private account(oid: string, entries: readonly TreeEntry[]): void {
    if (!this.trees.has(oid) || this.sizes.has(oid)) return;
    Object.freeze(entries);
    this.sizes.set(oid, entries.length);
    this.entries += entries.length;
    for (const [old] of this.trees) {
      if (this.entries <= this.maxEntries) break;
      const size = this.sizes.get(old);
      // Still being read: its size is not counted yet.
      if (size === undefined) continue;
      this.trees.delete(old);
      this.sizes.delete(old);
      this.entries -= size;
    }
  }
}
