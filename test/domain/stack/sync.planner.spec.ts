import type { GoneReason } from '../../../src/domain/stack/gone-branch.decision';
import {
  planSync,
  survivingParent,
  syncSummary,
} from '../../../src/domain/stack/sync.planner';
import { aStack } from '../../builders/stack.builders';

const gone = (entries: Record<string, GoneReason>) =>
  new Map(Object.entries(entries));

describe('sync planner', () => {
  // main <- a <- b <- c, and main <- x <- y
  const stack = aStack({ a: 'main', b: 'a', c: 'b', x: 'main', y: 'x' });

  describe('survivingParent', () => {
    describe('given no branch is gone', () => {
      it('then a branch keeps its parent', () => {
        expect(survivingParent(stack, 'c', gone({}))).toBe('b');
      });
    });

    describe('given the parent and the grandparent are gone', () => {
      it('then the branch goes down to trunk', () => {
        expect(
          survivingParent(stack, 'c', gone({ a: 'merged', b: 'merged' })),
        ).toBe('main');
      });
    });

    describe('given only the grandparent is gone', () => {
      it('then the branch keeps its parent', () => {
        expect(survivingParent(stack, 'c', gone({ a: 'merged' }))).toBe('b');
      });
    });

    describe('given parents that form a cycle, all gone', () => {
      it('then the walk stops at trunk', () => {
        const loop = aStack({ p: 'q', q: 'p', r: 'p' });
        expect(
          survivingParent(loop, 'r', gone({ p: 'merged', q: 'merged' })),
        ).toBe('main');
      });
    });
  });

  describe('planSync', () => {
    describe('given nothing is gone', () => {
      it('then the stack is unchanged and nothing is recorded', () => {
        const plan = planSync(stack, gone({}));
        expect(plan.events).toEqual([]);
        expect(plan.stack).toEqual(stack);
      });
    });

    describe('given a merged branch in the middle of a stack', () => {
      const plan = planSync(stack, gone({ b: 'merged' }));

      it('then its child moves onto its parent before it is untracked', () => {
        expect(plan.events).toEqual([
          {
            type: 'BranchReparented',
            data: { branch: 'c', from: 'b', to: 'a' },
          },
          { type: 'BranchUntracked', data: { branch: 'b', reason: 'merged' } },
        ]);
      });

      it('then the child keeps its recorded base', () => {
        expect(plan.stack.branches.get('c')).toEqual({
          name: 'c',
          parent: 'a',
          baseSha: 'base-of-c',
        });
        expect(plan.stack.branches.has('b')).toBe(false);
      });
    });

    describe('given a deleted branch and its merged child', () => {
      const plan = planSync(
        stack,
        // Listed child-first: the plan still works parent-first.
        gone({ b: 'merged', a: 'deleted_on_remote' }),
      );

      it('then each goes in turn, and the grandchild ends up on trunk', () => {
        expect(plan.events).toEqual([
          {
            type: 'BranchReparented',
            data: { branch: 'b', from: 'a', to: 'main' },
          },
          {
            type: 'BranchUntracked',
            data: { branch: 'a', reason: 'deleted_on_remote' },
          },
          {
            type: 'BranchReparented',
            data: { branch: 'c', from: 'b', to: 'main' },
          },
          { type: 'BranchUntracked', data: { branch: 'b', reason: 'merged' } },
        ]);
        expect([...plan.stack.branches.keys()]).toEqual(['c', 'x', 'y']);
        expect(plan.stack.branches.get('c')?.parent).toBe('main');
      });
    });

    describe('given a gone branch with no children', () => {
      it('then it is only untracked', () => {
        expect(planSync(stack, gone({ y: 'merged' })).events).toEqual([
          { type: 'BranchUntracked', data: { branch: 'y', reason: 'merged' } },
        ]);
      });
    });
  });

  describe('syncSummary', () => {
    describe('given the counts of untracked and restacked branches', () => {
      it('then the summary names both', () => {
        expect(syncSummary(1, 2)).toBe(
          'synced: 1 branch(es) untracked, 2 restacked',
        );
      });
    });
  });
});
