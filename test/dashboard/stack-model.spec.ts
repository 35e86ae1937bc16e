import {
  parentChoices,
  stackTree,
  type StackNode,
  taskBranchNames,
} from '../../dashboard/stack-model';
import type { Branch, Repo } from '../../dashboard/types';

const branch = (name: string, parent: string): Branch => ({
  name,
  parent,
  sha: null,
  needsRestack: false,
  taskId: null,
  lastJobId: null,
});

const repo = (branches: Branch[]): Repo => ({
  repoId: 'r',
  name: 'demo',
  remoteUrl: 'file:///x',
  trunk: 'main',
  trunkSha: null,
  branches,
  untrackedBranches: [{ name: 'loose', sha: 'f'.repeat(40) }],
});

/** The tree as nested names, for readable expectations. */
const shape = (nodes: StackNode[]): unknown =>
  nodes.map((n) =>
    n.children.length ? { [n.branch.name]: shape(n.children) } : n.branch.name,
  );

describe('the dashboard stack model', () => {
  it('nests each branch under its parent, siblings by name', () => {
    const r = repo([
      branch('c', 'a'),
      branch('a', 'main'),
      branch('b', 'a'),
      branch('x', 'main'),
      branch('d', 'c'),
    ]);
    expect(shape(stackTree(r))).toEqual([{ a: ['b', { c: ['d'] }] }, 'x']);
  });

  it('hangs branches with an untracked or looping parent under trunk, each once', () => {
    const r = repo([
      branch('orphan', 'gone'),
      branch('p', 'q'),
      branch('q', 'p'),
    ]);
    expect(shape(stackTree(r))).toEqual(['orphan', 'p', 'q']);
  });

  it('offers trunk and every branch outside the subtree as a new parent', () => {
    const r = repo([
      branch('a', 'main'),
      branch('b', 'a'),
      branch('c', 'b'),
      branch('x', 'main'),
    ]);
    expect(parentChoices(r, 'b')).toEqual(['main', 'a', 'x']);
    expect(parentChoices(r)).toEqual(['main', 'a', 'b', 'c', 'x']);
  });

  it('suggests tracked and untracked remote branches for a task', () => {
    expect(taskBranchNames(repo([branch('a', 'main')]))).toEqual([
      'a',
      'loose',
    ]);
  });
});
