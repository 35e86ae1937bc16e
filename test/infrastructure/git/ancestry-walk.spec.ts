import { walkToAncestor } from '../../../src/infrastructure/git/git-cli-engine';

/** A commit graph the walk reads: child → parents; `reads` lists the commits it asked for. */
function readerOf(graph: Record<string, string[]>) {
  const reads: string[] = [];
  const parentsOf = (oid: string) => {
    reads.push(oid);
    return Promise.resolve(graph[oid]);
  };
  return Object.assign(parentsOf, { reads });
}

const id = (n: number) => n.toString(16).padStart(40, '0');

describe('walkToAncestor', () => {
  // 1 ← 2 ← 3 ← 5 (merge of 3 and 4), 1 ← 4; 6 is on its own.
  const graph = {
    [id(1)]: [],
    [id(2)]: [id(1)],
    [id(3)]: [id(2)],
    [id(4)]: [id(1)],
    [id(5)]: [id(3), id(4)],
    [id(6)]: [],
  };

  it('finds an ancestor through first and second parents, and a commit is its own ancestor', async () => {
    expect(await walkToAncestor(readerOf(graph), id(2), id(5))).toBe(true);
    expect(await walkToAncestor(readerOf(graph), id(4), id(5))).toBe(true);
    expect(await walkToAncestor(readerOf(graph), id(5), id(5))).toBe(true);
  });

  it('says no once the whole history was walked, reading each commit once', async () => {
    const reader = readerOf(graph);
    expect(await walkToAncestor(reader, id(6), id(5))).toBe(false);
    expect([...reader.reads].sort()).toEqual(
      [id(1), id(2), id(3), id(4), id(5)].sort(),
    );
    expect(await walkToAncestor(readerOf(graph), id(5), id(2))).toBe(false);
  });

  it('leaves the question to git past its limit, or at a commit the reader does not have', async () => {
    expect(await walkToAncestor(readerOf(graph), id(1), id(5), 2)).toBe(
      undefined,
    );
    expect(await walkToAncestor(readerOf(graph), id(1), id(5), 4)).toBe(true);
    expect(
      await walkToAncestor(readerOf({ [id(2)]: [id(9)] }), id(1), id(2)),
    ).toBe(undefined);
  });
});
