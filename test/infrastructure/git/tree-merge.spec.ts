import { createHash } from 'node:crypto';
import {
  changesContainedIn,
  EMPTY_TREE,
  mergeTrees,
  parseTree,
  serializeTree,
  type TreeEntry,
  type TreeStore,
} from '../../../src/infrastructure/git/tree-merge';

/** Trees kept in memory under their git ids; files given as path -> content. */
class MemoryTrees implements TreeStore {
  private readonly trees = new Map<string, Buffer>([
    [EMPTY_TREE, Buffer.alloc(0)],
  ]);

  readTree(oid: string): Promise<TreeEntry[]> {
    const raw = this.trees.get(oid);
    if (!raw) throw new Error(`tree ${oid} not found`);
    return Promise.resolve(parseTree(raw));
  }

  writeTree(entries: readonly TreeEntry[]): Promise<string> {
    return Promise.resolve(this.put(serializeTree(entries)));
  }

  private put(raw: Buffer): string {
    const oid = createHash('sha1')
      .update(`tree ${raw.length}\0`)
      .update(raw)
      .digest('hex');
    this.trees.set(oid, raw);
    return oid;
  }

  /** The tree of `files`, folders made from the paths' slashes. */
  of(files: Record<string, string>): string {
    const here = new Map<string, Record<string, string>>();
    const entries: TreeEntry[] = [];
    for (const [path, content] of Object.entries(files)) {
      const [first, ...rest] = path.split('/');
      if (rest.length > 0) {
        here.set(first!, { ...here.get(first!), [rest.join('/')]: content });
        continue;
      }
      const blob = createHash('sha1').update(`blob:${content}`).digest('hex');
      entries.push({ mode: '100644', name: Buffer.from(first!), oid: blob });
    }
    for (const [name, sub] of here)
      entries.push({
        mode: '40000',
        name: Buffer.from(name),
        oid: this.of(sub),
      });
    return this.put(serializeTree(entries));
  }
}

describe('mergeTrees', () => {
  const store = new MemoryTrees();
  const merge = (
    base: Record<string, string>,
    ours: Record<string, string>,
    theirs: Record<string, string>,
  ) => mergeTrees(store, store.of(base), store.of(ours), store.of(theirs));

  it('merges changes to different paths, deletions included', async () => {
    const base = { 'a.txt': 'a', 'dir/b.txt': 'b', 'c.txt': 'c' };
    await expect(
      merge(
        base,
        { 'a.txt': 'a2', 'dir/b.txt': 'b', 'c.txt': 'c' },
        { 'a.txt': 'a', 'dir/b.txt': 'b', 'dir/new.txt': 'n' },
      ),
    ).resolves.toBe(
      store.of({ 'a.txt': 'a2', 'dir/b.txt': 'b', 'dir/new.txt': 'n' }),
    );
  });

  it('takes a change both sides made alike when nothing of the base is lost', async () => {
    const base = { 'dir/a.txt': 'a', 'other.txt': 'o' };
    await expect(
      merge(
        base,
        { 'dir/a.txt': 'a2', 'other.txt': 'o2' },
        { 'dir/a.txt': 'a2', 'other.txt': 'o' },
      ),
    ).resolves.toBe(store.of({ 'dir/a.txt': 'a2', 'other.txt': 'o2' }));
  });

  // git reports these as rename/delete and rename/rename conflicts; merging entries alone
  // saw two deletions and an added file, and took the commit as clean (or as empty, and
  // dropped it).
  it('leaves to git a file one side renamed and the other deleted', async () => {
    const base = { 'a.txt': 'a', 'keep.txt': 'k' };
    await expect(
      merge(base, { 'moved/a.txt': 'a', 'keep.txt': 'k' }, { 'keep.txt': 'k' }),
    ).resolves.toBeUndefined();
  });

  it('leaves to git a file each side renamed to another place', async () => {
    await expect(
      merge({ 'a.txt': 'a' }, { 'x.txt': 'a' }, { 'y.txt': 'a' }),
    ).resolves.toBeUndefined();
  });

  it('leaves to git a file gone from a folder both sides left alike', async () => {
    // The folder is the same on both sides, so it was not looked into: but trunk renamed
    // pool/a.txt out of it, and the commit deleted it.
    const base = { 'pool/a.txt': 'a', 'pool/b.txt': 'b' };
    await expect(
      merge(
        base,
        { 'pool/b.txt': 'b', 'moved/a.txt': 'a' },
        { 'pool/b.txt': 'b' },
      ),
    ).resolves.toBeUndefined();
  });

  it('leaves to git a folder gone from both sides', async () => {
    const base = { 'dir/a.txt': 'a', 'keep.txt': 'k' };
    await expect(
      merge(base, { 'keep.txt': 'k', 'new/a.txt': 'a' }, { 'keep.txt': 'k2' }),
    ).resolves.toBeUndefined();
  });

  it('leaves to git a tree holding a mode git does not write, even where one side is the result', async () => {
    const file = (mode: string, name: string, content: string): TreeEntry => ({
      mode,
      name: Buffer.from(name),
      oid: createHash('sha1').update(content).digest('hex'),
    });
    const folder = await store.writeTree([file('100644', 'x', 'x')]);
    const base = await store.writeTree([file('100664', 'f', 'f')]);
    const ours = await store.writeTree([
      file('100664', 'f', 'f'),
      file('100644', 't', 't'),
    ]);
    const theirs = await store.writeTree([
      file('100664', 'f', 'f'),
      file('100644', 'g', 'g'),
    ]);
    // A zero-padded folder mode, which a merge by entries would take for a file.
    const padded = await store.writeTree([
      { mode: '040000', name: Buffer.from('d'), oid: folder },
    ]);
    const plain = await store.writeTree([file('100644', 'f', 'f')]);

    await expect(
      mergeTrees(store, base, ours, theirs),
    ).resolves.toBeUndefined();
    await expect(
      mergeTrees(store, base, theirs, theirs),
    ).resolves.toBeUndefined();
    await expect(
      mergeTrees(store, base, base, theirs),
    ).resolves.toBeUndefined();
    await expect(
      mergeTrees(store, plain, padded, plain),
    ).resolves.toBeUndefined();
    // Below a folder both sides left alike, a zero-padded folder is not taken for a file.
    const other = await store.writeTree([file('100644', 'y', 'y')]);
    const inside = (sub: string) =>
      store.writeTree([{ mode: '040000', name: Buffer.from('q'), oid: sub }]);
    const below = async (sub: string, ...more: TreeEntry[]) =>
      store.writeTree([
        { mode: '40000', name: Buffer.from('p'), oid: await inside(sub) },
        ...more,
      ]);
    await expect(
      mergeTrees(
        store,
        await below(folder),
        await below(other),
        await below(other, file('100644', 'z', 'z')),
      ),
    ).resolves.toBeUndefined();
    // The same trees with git's modes merge.
    await expect(
      merge({ f: 'f' }, { f: 'f', t: 't' }, { f: 'f', g: 'g' }),
    ).resolves.toBe(store.of({ f: 'f', g: 'g', t: 't' }));
  });
});

describe('changesContainedIn', () => {
  const store = new MemoryTrees();
  const base = store.of({
    'a.txt': '1',
    'g.txt': 'y',
    'dir/x': 'x',
    'dir/y': 'y',
  });
  // The branch changes a.txt, renames g.txt to h.txt and removes dir/.
  const head = store.of({ 'a.txt': '2', 'h.txt': 'y' });

  it('holds when upstream has every path the branch changed as the branch has it, whatever else upstream changed', async () => {
    const upstream = store.of({ 'a.txt': '2', 'h.txt': 'y', 't.txt': 'trunk' });
    await expect(changesContainedIn(store, base, head, upstream)).resolves.toBe(
      true,
    );
    // A file trunk added in the folder the branch removed is trunk's own change.
    const withNew = store.of({ 'a.txt': '2', 'h.txt': 'y', 'dir/new': 'n' });
    await expect(changesContainedIn(store, base, head, withNew)).resolves.toBe(
      true,
    );
    await expect(changesContainedIn(store, base, base, upstream)).resolves.toBe(
      true,
    );
  });

  it('fails for a change upstream lacks or has otherwise: a rename half done, other content, a removed file still there', async () => {
    const cases: Array<Record<string, string>> = [
      { 'a.txt': '2', 'g.txt': 'y', 'h.txt': 'y' },
      { 'a.txt': '3', 'h.txt': 'y' },
      { 'a.txt': '2', 'h.txt': 'y', 'dir/x': 'x' },
      { 'a.txt': '2', 'h.txt': 'other' },
    ];
    for (const files of cases)
      await expect(
        changesContainedIn(store, base, head, store.of(files)),
      ).resolves.toBe(false);
  });
});
