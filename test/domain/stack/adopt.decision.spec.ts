import {
  type AdoptCandidate,
  inferAdoptedParents,
  planAdopt,
} from '../../../src/domain/stack/adopt.decision';
import { aStack } from '../../builders/stack.builders';

/**
 * Branches made as commits on top of each other: `history[name]` is the branch's commits
 * above trunk, oldest first, so a branch's parent is the one whose head is on that history.
 */
function candidates(history: Record<string, string[]>): {
  heads: Map<string, string>;
  list: AdoptCandidate[];
} {
  const heads = new Map<string, string>([['main', 'm0']]);
  const list: AdoptCandidate[] = [];
  for (const [name, commits] of Object.entries(history)) {
    heads.set(name, commits.at(-1) ?? 'm0');
    list.push({ name, commits });
  }
  return { heads, list };
}

describe('inferAdoptedParents', () => {
  it('infers a linear stack whatever the order the branches come in', () => {
    const { heads, list } = candidates({
      c: ['1', '2', '3'],
      a: ['1'],
      b: ['1', '2'],
    });
    expect(inferAdoptedParents(aStack({}), heads, list).adopted).toEqual([
      { branch: 'a', parent: 'main' },
      { branch: 'b', parent: 'a' },
      { branch: 'c', parent: 'b' },
    ]);
  });

  it('infers a tree, and a branch past its parent head gets the nearest', () => {
    const { heads, list } = candidates({
      a: ['1'],
      b: ['1', '2'],
      c: ['1', '3'],
      d: ['1', '2', '4', '5'],
      e: ['6'],
    });
    const { adopted } = inferAdoptedParents(aStack({}), heads, list);
    expect(new Map(adopted.map((a) => [a.branch, a.parent]))).toEqual(
      new Map([
        ['a', 'main'],
        ['b', 'a'],
        ['c', 'a'],
        ['d', 'b'],
        ['e', 'main'],
      ]),
    );
  });

  it('stacks on a branch tracked before', () => {
    const { heads, list } = candidates({ b: ['1', '2'] });
    heads.set('a', '1');
    expect(
      inferAdoptedParents(aStack({ a: 'main' }), heads, list).adopted,
    ).toEqual([{ branch: 'b', parent: 'a' }]);
  });

  it('of branches that share a head, the first by name is the parent', () => {
    const { heads, list } = candidates({ y: ['1'], x: ['1'] });
    expect(inferAdoptedParents(aStack({}), heads, list).adopted).toEqual([
      { branch: 'x', parent: 'main' },
      { branch: 'y', parent: 'x' },
    ]);
  });

  it('skips merged branches with their reason and stacks the rest without them', () => {
    const { heads, list } = candidates({ a: ['1'], b: ['1', '2'] });
    list.push({ name: 'old', commits: [], merged: 'merged' });
    list.push({ name: 'squashed', commits: [], merged: 'squash_merged' });
    const result = inferAdoptedParents(aStack({}), heads, list);
    expect(result.skipped).toEqual([
      { branch: 'old', reason: 'merged' },
      { branch: 'squashed', reason: 'squash_merged' },
    ]);
    expect(result.adopted.map((a) => a.branch)).toEqual(['a', 'b']);
  });
});

describe('planAdopt', () => {
  it('tracks each adopted branch at its base and moves nothing', () => {
    const plan = planAdopt(
      [{ branch: 'a', parent: 'main', baseSha: 'm0' }],
      [{ branch: 'old', reason: 'merged' }],
    );
    expect(plan.moves).toEqual([]);
    expect(plan.events).toEqual([
      {
        type: 'BranchTracked',
        data: { branch: 'a', parent: 'main', baseSha: 'm0' },
      },
    ]);
    expect(plan.adopted).toEqual([{ branch: 'a', parent: 'main' }]);
    expect(plan.skipped).toEqual([{ branch: 'old', reason: 'merged' }]);
    expect(plan.summary).toBe('adopted 1 branch(es), skipped 1 merged');
  });
});
