import { ObjectCache } from '../../../src/infrastructure/git/object-cache';
import type { TreeEntry } from '../../../src/infrastructure/git/tree-merge';

const entries = (n: number, tag = 'f'): TreeEntry[] =>
  Array.from({ length: n }, (_, i) => ({
    mode: '100644',
    name: Buffer.from(`${tag}${i}`),
    oid: String(i).padStart(40, '0'),
  }));

const treeCache = (maxEntries = 1000) =>
  new ObjectCache<readonly TreeEntry[]>(maxEntries, (e) => e.length);

describe('ObjectCache', () => {
  it('reads a tree once, and shares a read in flight', async () => {
    const cache = treeCache();
    let reads = 0;
    const read = () => {
      reads++;
      return Promise.resolve(entries(3));
    };

    const [a, b] = await Promise.all([
      cache.get('t1', read),
      cache.get('t1', read),
    ]);
    const c = await cache.get('t1', read);

    expect(reads).toBe(1);
    expect(a).toBe(b);
    expect(c).toBe(a);
    expect(c.map((e) => e.name.toString())).toEqual(['f0', 'f1', 'f2']);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('keeps no failed read: the next get reads again', async () => {
    const cache = treeCache();
    await expect(
      cache.get('t1', () => Promise.reject(new Error('tree t1 not found'))),
    ).rejects.toThrow('tree t1 not found');

    const tree = await cache.get('t1', () => Promise.resolve(entries(1)));

    expect(tree).toHaveLength(1);
    expect(cache.size).toBe(1);
  });

  it('gives a written tree back without reading it', async () => {
    const cache = treeCache();
    cache.put('t1', entries(2));

    const tree = await cache.get('t1', () =>
      Promise.reject(new Error('read instead of the written tree')),
    );

    expect(tree).toHaveLength(2);
  });

  it('holds at most its weight (a tree weighs its entries), dropping the least recently used first', async () => {
    const cache = treeCache(10);
    cache.put('a', entries(4, 'a'));
    cache.put('b', entries(4, 'b'));
    // A use of `a` makes `b` the oldest.
    await cache.get('a', () => Promise.reject(new Error('a was dropped')));
    cache.put('c', entries(4, 'c'));

    let reread = '';
    const again = (oid: string) =>
      cache.get(oid, () => {
        reread += oid;
        return Promise.resolve(entries(1, oid));
      });
    expect((await again('a'))[0]!.name.toString()).toBe('a0');
    expect((await again('c'))[0]!.name.toString()).toBe('c0');
    expect(reread).toBe('');
    expect(cache.size).toBe(2);
    await again('b');
    expect(reread).toBe('b');
  });
});
