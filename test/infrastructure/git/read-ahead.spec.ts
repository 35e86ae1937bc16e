import { createHash } from 'node:crypto';
import {
  readAhead,
  READ_AHEAD_LIMITS,
  type ReadAheadSource,
} from '../../../src/infrastructure/git/read-ahead';
import type { TreeEntry } from '../../../src/infrastructure/git/tree-merge';

/** A folder: file name → content, or folder name → folder. */
interface Folder {
  [name: string]: string | Folder;
}

/**
 * An object database in memory behind a source that answers in rounds: every read asked for
 * in the same turn is answered in one round, as a batch of requests to the object reader is.
 */
class RoundStore implements ReadAheadSource {
  readonly trees = new Map<string, TreeEntry[]>();
  readonly commits = new Map<string, { tree: string; parents: string[] }>();
  readonly treeReads: string[] = [];
  readonly commitReads: string[] = [];
  readonly failing = new Set<string>();
  rounds = 0;
  private queued: (() => void)[] = [];

  tree(folder: Folder): string {
    const entries = Object.entries(folder).map(([name, value]) =>
      typeof value === 'string'
        ? { mode: '100644', name: Buffer.from(name), oid: this.hash(value) }
        : { mode: '40000', name: Buffer.from(name), oid: this.tree(value) },
    );
    const oid = this.hash(JSON.stringify(entries));
    this.trees.set(oid, entries);
    return oid;
  }

  commit(oid: string): Promise<{ tree: string; parents: string[] }> {
    this.commitReads.push(oid);
    return this.answer(oid, this.commits.get(oid));
  }

  makeCommit(folder: Folder, parents: string[]): string {
    const tree = this.tree(folder);
    const oid = this.hash(`${tree} ${parents.join(' ')} ${this.commits.size}`);
    this.commits.set(oid, { tree, parents });
    return oid;
  }

  readTree(oid: string): Promise<readonly TreeEntry[]> {
    this.treeReads.push(oid);
    return this.answer(oid, this.trees.get(oid));
  }

  private answer<T>(oid: string, value: T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      if (this.queued.length === 0)
        setImmediate(() => {
          this.rounds++;
          for (const settle of this.queued.splice(0)) settle();
        });
      this.queued.push(() =>
        value === undefined || this.failing.has(oid)
          ? reject(new Error(`${oid} not found`))
          : resolve(value),
      );
    });
  }

  private hash(text: string): string {
    return createHash('sha1').update(text).digest('hex');
  }
}

/** 20 folders of 10 files; `changes` replaces files by path ("dir3/f1"). */
function layout(changes: Record<string, string> = {}): Folder {
  const root: Folder = {};
  for (let d = 0; d < 20; d++) {
    const dir: Folder = {};
    for (let f = 0; f < 10; f++) dir[`f${f}`] = `dir${d}/f${f} v0`;
    root[`dir${d}`] = dir;
  }
  for (const [path, content] of Object.entries(changes)) {
    const [dir, file] = path.split('/');
    (root[dir!] as Folder)[file!] = content;
  }
  return root;
}

/**
 * A linear stack on an old trunk: `branches` branches of `commits` commits, branch i's commit k
 * changing `dir<i>/f<k>`; and a new trunk that changed `trunkChanges`.
 */
function stackOf(
  store: RoundStore,
  branches: number,
  commits: number,
  trunkChanges: Record<string, string>,
) {
  const oldTrunk = store.makeCommit(layout(), []);
  const newTrunk = store.makeCommit(layout(trunkChanges), [oldTrunk]);
  const changes: Record<string, string> = {};
  const ranges: { from: string; to: string; onto?: string }[] = [];
  let head = oldTrunk;
  for (let b = 0; b < branches; b++) {
    const from = head;
    for (let k = 0; k < commits; k++) {
      changes[`dir${b}/f${k}`] = `branch ${b} commit ${k}`;
      head = store.makeCommit(layout(changes), [head]);
    }
    ranges.push({ from, to: head });
  }
  return { oldTrunk, newTrunk, ranges };
}

describe('readAhead', () => {
  it('reads every commit of the ranges in as many rounds as the longest range has commits, however many ranges', async () => {
    const rounds = async (branches: number) => {
      const store = new RoundStore();
      const { ranges } = stackOf(store, branches, 3, {});
      const count = await readAhead(store, ranges);
      expect(count.commits).toBe(branches * 3);
      for (const r of ranges) expect(store.commitReads).toContain(r.to);
      return store.rounds;
    };

    const one = await rounds(1);
    expect(await rounds(8)).toBe(one);
  });

  it('goes down only into the folders that both the commit and its new base changed', async () => {
    const store = new RoundStore();
    // Trunk changed dir0 and dir5; the branches change dir0, dir1 and dir2.
    const { newTrunk, ranges } = stackOf(store, 3, 2, {
      'dir0/f9': 'trunk',
      'dir5/f9': 'trunk',
    });
    const withOnto = ranges.map((r, i) =>
      i === 0 ? { ...r, onto: newTrunk } : r,
    );

    await readAhead(store, withOnto);

    const folderOf = new Map<string, string>();
    for (const entries of store.trees.values())
      for (const e of entries) folderOf.set(e.oid, e.name.toString());
    const read = new Set(store.treeReads.map((oid) => folderOf.get(oid)));
    // The new base's own change is read (both sides), and so is dir0, which the first
    // branch changed as well; dir1 and dir2, which only the branches changed, are not.
    expect(read.has('dir5')).toBe(true);
    expect(read.has('dir0')).toBe(true);
    expect(read.has('dir1')).toBe(false);
    expect(read.has('dir2')).toBe(false);
  });

  it('reads only the root trees when no new base is known', async () => {
    const store = new RoundStore();
    const { ranges } = stackOf(store, 2, 2, {});

    const count = await readAhead(store, ranges);

    const roots = new Set(
      [...store.commits.values()].map((commit) => commit.tree),
    );
    expect(count.trees).toBeGreaterThan(0);
    for (const oid of store.treeReads) expect(roots.has(oid)).toBe(true);
  });

  it('never fails: a read that fails is left to the replay, and the rest is still read', async () => {
    const store = new RoundStore();
    const { ranges } = stackOf(store, 3, 2, {});
    store.failing.add(ranges[1]!.to);

    const count = await readAhead(store, ranges);

    // The second range's head cannot be read, so its walk ends there; the others go on.
    expect(count.commits).toBe(2 + 1 + 2);
    expect(store.treeReads).toContain(store.commits.get(ranges[2]!.to)!.tree);
  });

  it('ends a range at a merge commit, and stops at its limits', async () => {
    const store = new RoundStore();
    const base = store.makeCommit(layout(), []);
    const side = store.makeCommit(layout({ 'dir1/f1': 'side' }), [base]);
    const merge = store.makeCommit(layout({ 'dir1/f1': 'side' }), [base, side]);
    const top = store.makeCommit(layout({ 'dir1/f2': 'top' }), [merge]);

    const count = await readAhead(store, [{ from: base, to: top }]);
    expect(count.commits).toBe(2); // top, then the merge, where the walk ends

    const limited = new RoundStore();
    const { ranges, newTrunk } = stackOf(limited, 10, 3, {
      'dir0/f9': 'trunk',
    });
    const few = await readAhead(
      limited,
      ranges.map((r) => ({ ...r, onto: newTrunk })),
      { ...READ_AHEAD_LIMITS, commits: 7, treeEntries: 30, batch: 2 },
    );
    expect(few.commits).toBe(7);
    // It stops before the first part that would start beyond the limit.
    expect(few.treeEntries).toBeLessThan(30 + 2 * 20);
  });
});
