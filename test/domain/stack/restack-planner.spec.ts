import {
  type BranchFacts,
  ownBase,
  planRestack,
} from '../../../src/domain/stack/restack-planner';
import { aStack } from '../../builders/stack.builders';

const facts = (entries: Record<string, Partial<BranchFacts>>) =>
  new Map(
    Object.entries(entries).map(([name, f]) => [
      name,
      { head: `${name}-head`, mergeBase: 'x', recordedBaseUsable: false, ...f },
    ]),
  );

describe('planRestack', () => {
  const stack = aStack({ a: 'main', b: 'a', c: 'b', x: 'main' });
  const heads = new Map([
    ['main', 'main-new'],
    ['a', 'a-head'],
    ['b', 'b-head'],
    ['c', 'c-head'],
    ['x', 'x-head'],
  ]);

  it('plans nothing when every branch sits on its parent head', () => {
    const upToDate = facts({
      a: { mergeBase: 'main-new' },
      b: { mergeBase: 'a-head' },
      c: { mergeBase: 'b-head' },
      x: { mergeBase: 'main-new' },
    });
    expect(planRestack(stack, stack.branches.keys(), heads, upToDate)).toEqual(
      [],
    );
  });

  it('restacks a branch whose parent moved, and everything above it, parent-first', () => {
    const trunkMoved = facts({
      a: { mergeBase: 'main-old' },
      b: { mergeBase: 'a-head' },
      c: { mergeBase: 'b-head' },
      x: { mergeBase: 'main-new' },
    });
    expect(
      planRestack(stack, stack.branches.keys(), heads, trunkMoved),
    ).toEqual([
      { branch: 'a', parent: 'main', from: 'main-old', oldHead: 'a-head' },
      { branch: 'b', parent: 'a', from: 'a-head', oldHead: 'b-head' },
      { branch: 'c', parent: 'b', from: 'b-head', oldHead: 'c-head' },
    ]);
  });

  it('replays from the recorded base when the parent was rewritten', () => {
    const parentAmended = facts({
      a: { mergeBase: 'main-new' },
      b: { mergeBase: 'main-new', recordedBaseUsable: true },
      c: { mergeBase: 'b-head' },
    });
    expect(planRestack(stack, ['a', 'b', 'c'], heads, parentAmended)).toEqual([
      { branch: 'b', parent: 'a', from: 'base-of-b', oldHead: 'b-head' },
      { branch: 'c', parent: 'b', from: 'b-head', oldHead: 'c-head' },
    ]);
  });

  it('keeps to its scope', () => {
    const trunkMoved = facts({
      a: { mergeBase: 'main-old' },
      x: { mergeBase: 'main-old' },
    });
    expect(
      planRestack(stack, ['x'], heads, trunkMoved).map((s) => s.branch),
    ).toEqual(['x']);
  });
});

describe('ownBase', () => {
  const branch = { name: 'b', parent: 'a', baseSha: 'a-old' };

  describe('given a recorded base that is usable', () => {
    it("then the branch's own commits start at the recorded base", () => {
      expect(
        ownBase(branch, {
          head: 'b-head',
          mergeBase: 'main-head',
          recordedBaseUsable: true,
        }),
      ).toBe('a-old');
    });
  });

  describe('given a recorded base that is not usable', () => {
    it("then the branch's own commits start at the merge-base", () => {
      expect(
        ownBase(branch, {
          head: 'b-head',
          mergeBase: 'a-head',
          recordedBaseUsable: false,
        }),
      ).toBe('a-head');
    });
  });
});
