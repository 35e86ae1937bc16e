/** Picks sent straight to git at most between two tries of the tree-entry merge. */
export const MAX_PICKS_TO_GIT = 16;

/**
 * Which merge a pick tries first. A pick is merged by tree entries in this process when its
 * commit and its new base changed different paths (`mergeTrees`); otherwise git merges the
 * contents, and the entry merge tried first was wasted: it read the new base's trees, which
 * the merge before had just written in git, level by level, for nothing.
 *
 * In a stack whose branches change what trunk changed, every pick is such a merge. So after
 * an entry merge gives up, the next picks go straight to git, as many as a backoff says: 1
 * after the first that gives up, twice as many after each that gives up next, at most
 * `MAX_PICKS_TO_GIT`; an entry merge that succeeds ends the backoff. Either way the tree is
 * the one git makes: the entry merge only takes the cases in which the two agree.
 */
export class MergeRouting {
  private skip = 0;
  private left = 0;

  /** `entryMerges` false: every pick goes to git (tests compare the two ways). */
  constructor(private readonly entryMerges = true) {}

  /** Whether this pick tries the entry merge first (false: straight to git). */
  tryEntriesFirst(): boolean {
    if (!this.entryMerges) return false;
    if (this.left === 0) return true;
    this.left--;
    return false;
  }

  /** The entry merge gave up: git merged. */
  entriesGaveUp(): void {
    this.skip = Math.min(this.skip === 0 ? 1 : this.skip * 2, MAX_PICKS_TO_GIT);
    this.left = this.skip;
  }

  /** The entry merge merged. */
  entriesMerged(): void {
    this.skip = 0;
    this.left = 0;
  }
}
