import type { CommitInfo } from './cat-file-batch';
import type { TreeEntry } from './tree-merge';

/** Where reading ahead reads from: the repository's caches, in front of its object reader. */
export interface ReadAheadSource {
  commit(oid: string): Promise<Pick<CommitInfo, 'tree' | 'parents'>>;
  readTree(oid: string): Promise<readonly TreeEntry[]>;
}

/** Commits in (from..to], about to be replayed onto `onto` when that is known already. */
export interface ReadAheadRange {
  from: string;
  to: string;
  onto?: string;
}

export interface ReadAheadLimits {
  /** Commits read at most. */
  commits: number;
  /** Tree entries read at most, summed over the trees read (a quarter of a repository's cache). */
  treeEntries: number;
  /** Trees asked for at once at most: a level with more is read in parts. */
  batch: number;
}

export const READ_AHEAD_LIMITS: ReadAheadLimits = {
  commits: 512,
  treeEntries: 8_192,
  batch: 128,
};

export interface ReadAheadCount {
  commits: number;
  trees: number;
  treeEntries: number;
}

const TREE_MODE = '40000';

/** Two trees at one folder (`path`, '' for the root), before and after a change. */
interface TreePair {
  path: string;
  before: string;
  after: string;
}

/**
 * The value, or undefined if it failed (synchronously too): what cannot be read ahead is read,
 * or fails, later.
 */
async function settled<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

/**
 * Reads what replaying `ranges` will read, a level at a time across all of them, so that the
 * object reader gets a batch of requests per level instead of one request per object, and the
 * replays that follow find the objects in the caches.
 *
 * A pick merges by tree entries (see `mergeTrees`): it reads the three root trees, and goes
 * down only into the folders that both its commit and its new base changed. The new base
 * differs from the commit's parent by what moved under the branch, which is what moved from
 * a range's `from` to its `onto`: so first the commits, from each range's head down to its
 * start (a merge commit ends a range: the replay leaves those to git); then, where an `onto`
 * is given, the folders that changed from `from` to `onto`, both sides; then each commit's
 * trees and its parent's, from the roots down through the folders that changed in both. A
 * range without `onto` (its parent is replayed first) is taken to move as those that have one.
 *
 * It never fails and writes nothing. It stops at its limits, so as not to push out of the
 * caches what it read first; what it did not read is read when needed.
 */
export async function readAhead(
  source: ReadAheadSource,
  ranges: readonly ReadAheadRange[],
  limits: ReadAheadLimits = READ_AHEAD_LIMITS,
): Promise<ReadAheadCount> {
  const count: ReadAheadCount = { commits: 0, trees: 0, treeEntries: 0 };
  const picks = await commitsOf(source, ranges, limits, count);
  if (picks.length === 0) return count;

  const commits = new Map<string, Pick<CommitInfo, 'tree'> | undefined>();
  const bases = ranges.flatMap((r) => (r.onto ? [[r.from, r.onto]] : []));
  await Promise.all(
    [...new Set([...picks.flat(), ...bases.flat()])].map(async (oid) =>
      commits.set(oid, await settled(() => source.commit(oid))),
    ),
  );
  const treePairs = (pairs: readonly (readonly string[])[]): TreePair[] =>
    pairs.flatMap(([a, b]) => {
      const before = commits.get(a!)?.tree;
      const after = commits.get(b!)?.tree;
      return before && after && before !== after
        ? [{ path: '', before, after }]
        : [];
    });

  const reader = new LevelReader(source, limits, count);
  // The folders the new bases changed: every changed folder, all the way down.
  const moved = new Set<string>();
  await reader.walk(treePairs(bases), (path) => {
    moved.add(path);
    return true;
  });
  // The picks' own trees, down through the folders their bases changed too.
  await reader.walk(treePairs(picks), (path) => moved.has(path));
  return count;
}

/** [parent, commit] of every commit of the ranges, read a level at a time. */
async function commitsOf(
  source: ReadAheadSource,
  ranges: readonly ReadAheadRange[],
  limits: ReadAheadLimits,
  count: ReadAheadCount,
): Promise<[string, string][]> {
  const picks: [string, string][] = [];
  let walks = ranges
    .filter((r) => r.from !== r.to)
    .map((r) => ({ from: r.from, at: r.to }));
  while (walks.length > 0 && count.commits < limits.commits) {
    walks = walks.slice(0, limits.commits - count.commits);
    const read = await Promise.all(
      walks.map((w) => settled(() => source.commit(w.at))),
    );
    count.commits += walks.length;
    const next: typeof walks = [];
    walks.forEach((walk, i) => {
      const commit = read[i];
      if (commit?.parents.length !== 1) return;
      const parent = commit.parents[0]!;
      picks.push([parent, walk.at]);
      if (parent !== walk.from) next.push({ from: walk.from, at: parent });
    });
    walks = next;
  }
  return picks;
}

/** Reads pairs of trees a level at a time, within the limits, each tree once. */
class LevelReader {
  private readonly trees = new Map<string, readonly TreeEntry[] | undefined>();

  constructor(
    private readonly source: ReadAheadSource,
    private readonly limits: ReadAheadLimits,
    private readonly count: ReadAheadCount,
  ) {}

  /** Reads `pairs`, then the changed folders under them that `descend` accepts, and so on. */
  async walk(
    pairs: readonly TreePair[],
    descend: (path: string) => boolean,
  ): Promise<void> {
    let level = unique(pairs);
    while (level.length > 0) {
      if (!(await this.read(level.flatMap((p) => [p.before, p.after])))) return;
      const next: TreePair[] = [];
      for (const pair of level) {
        const before = this.trees.get(pair.before);
        const after = this.trees.get(pair.after);
        if (!before || !after) continue;
        for (const [name, was, now] of changedFolders(before, after)) {
          const path = pair.path ? `${pair.path}/${name}` : name;
          if (descend(path)) next.push({ path, before: was, after: now });
        }
      }
      level = unique(next);
    }
  }

  /** Reads the trees not read yet; false once the limit is reached. */
  private async read(oids: readonly string[]): Promise<boolean> {
    const wanted = [...new Set(oids)].filter((oid) => !this.trees.has(oid));
    for (let at = 0; at < wanted.length;) {
      const left = this.limits.treeEntries - this.count.treeEntries;
      if (left <= 0) return false;
      // As many trees as the entries left allow, at the size of those read so far.
      const perTree =
        this.count.trees > 0 ? this.count.treeEntries / this.count.trees : 256;
      const size = Math.max(
        1,
        Math.min(this.limits.batch, Math.floor(left / perTree)),
      );
      const part = wanted.slice(at, at + size);
      at += part.length;
      const read = await Promise.all(
        part.map((oid) => settled(() => this.source.readTree(oid))),
      );
      part.forEach((oid, i) => {
        const tree = read[i];
        this.trees.set(oid, tree);
        if (!tree) return;
        this.count.trees++;
        this.count.treeEntries += tree.length;
      });
    }
    return true;
  }
}

/**
 * [name, before, after] of each folder present in both trees whose tree changed. Most entries
 * are files and most folders are unchanged: those are told by their ids, and names are
 * compared only for the folders whose id changed.
 */
function changedFolders(
  before: readonly TreeEntry[],
  after: readonly TreeEntry[],
): [string, string, string][] {
  const folders = before.filter((e) => e.mode === TREE_MODE);
  if (folders.length === 0) return [];
  const unchanged = new Set(folders.map((e) => e.oid));
  const changed: [string, string, string][] = [];
  for (const entry of after) {
    if (entry.mode !== TREE_MODE || unchanged.has(entry.oid)) continue;
    const was = folders.find((e) => e.name.equals(entry.name));
    if (was) changed.push([entry.name.toString('latin1'), was.oid, entry.oid]);
  }
  return changed;
}

function unique(pairs: readonly TreePair[]): TreePair[] {
  const seen = new Set<string>();
  return pairs.filter((p) => {
    const key = `${p.path}\0${p.before}\0${p.after}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
