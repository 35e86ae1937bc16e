import {
  type BranchFacts,
  ownBase,
  planRestack,
  settledOnParent,
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

describe('settledOnParent', () => {
  // main <- a <- b, and main <- x; every recorded base is `base-of-<branch>`.
  const stack = aStack({ a: 'main', b: 'a', x: 'main' });
  const heads = new Map([
    ['main', 'main-new'],
    ['a', 'a-head'],
    ['b', 'b-head'],
    ['x', 'x-head'],
  ]);
  const settle = (f: ReturnType<typeof facts>, scope = [...f.keys()]) =>
    settledOnParent(
      stack,
      scope,
      heads,
      f,
      planRestack(stack, scope, heads, f),
    );

  describe('given a branch rebased by hand onto its parent’s head, its recorded base older', () => {
    const rebasedByHand = facts({ a: { mergeBase: 'main-new' } });

    it('then the plan replays nothing', () => {
      expect(planRestack(stack, ['a'], heads, rebasedByHand)).toEqual([]);
    });

    it('then its base is recorded as the parent’s head, its head kept', () => {
      expect(settle(rebasedByHand)).toEqual([
        { branch: 'a', base: 'main-new', head: 'a-head' },
      ]);
    });
  });

  describe('given a branch whose recorded base is its parent’s head already', () => {
    it('then there is nothing to record', () => {
      const upToDate = aStack({ a: 'main' });
      const onHead = facts({ a: { mergeBase: 'base-of-a' } });
      const atBase = new Map([...heads, ['main', 'base-of-a']]);
      expect(settledOnParent(upToDate, ['a'], atBase, onHead, [])).toEqual([]);
    });
  });

  describe('given a branch behind its parent', () => {
    it('then it is replayed, not settled', () => {
      expect(settle(facts({ a: { mergeBase: 'main-old' } }))).toEqual([]);
    });
  });

  describe('given a branch on its parent’s head that carries commits of a former parent', () => {
    it('then it is replayed from its recorded base, not settled', () => {
      const reparented = facts({
        b: { mergeBase: 'a-head', recordedBaseUsable: true },
      });
      expect(settle(reparented)).toEqual([]);
      expect(
        planRestack(stack, ['b'], heads, reparented).map((s) => s.branch),
      ).toEqual(['b']);
    });
  });

  describe('given a branch on its parent’s head whose parent is replayed', () => {
    it('then it is replayed with its parent, not settled', () => {
      const parentBehind = facts({
        a: { mergeBase: 'main-old' },
        b: { mergeBase: 'a-head' },
      });
      expect(settle(parentBehind)).toEqual([]);
    });
  });

  describe('given branches out of scope, or without facts', () => {
    it('then only those in scope with facts are settled, parent-first', () => {
      const onHeads = facts({
        a: { mergeBase: 'main-new' },
        b: { mergeBase: 'a-head' },
        x: { mergeBase: 'main-new' },
      });
      expect(settle(onHeads, ['x', 'b', 'a']).map((s) => s.branch)).toEqual([
        'a',
        'b',
        'x',
      ]);
      expect(settle(onHeads, ['x']).map((s) => s.branch)).toEqual(['x']);
      expect(
        settledOnParent(stack, ['a', 'b', 'x'], heads, facts({}), []),
      ).toEqual([]);
    });
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
