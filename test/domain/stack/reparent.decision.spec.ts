import type { BranchReparented } from '../../../src/domain/events/repo.events';
import {
  decideReparent,
  reparentedStack,
} from '../../../src/domain/stack/reparent.decision';
import type { BranchFacts } from '../../../src/domain/stack/restack-planner';
import { aStack } from '../../builders/stack.builders';

const codeOf = (act: () => unknown): string | undefined => {
  try {
    act();
    return undefined;
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('reparent decision', () => {
  // main <- a <- b <- c, and main <- x
  const stack = aStack({ a: 'main', b: 'a', c: 'b', x: 'main' });

  describe('decideReparent', () => {
    describe('given a tracked branch and a tracked new parent beside it', () => {
      it('then the move is recorded from the old parent to the new one', () => {
        expect(decideReparent(stack, 'b', 'x')).toEqual({
          type: 'BranchReparented',
          data: { branch: 'b', from: 'a', to: 'x' },
        });
      });
    });

    describe('given trunk as the new parent', () => {
      it('then the move is allowed', () => {
        expect(decideReparent(stack, 'c', 'main').data).toEqual({
          branch: 'c',
          from: 'b',
          to: 'main',
        });
      });
    });

    describe.each([
      ['onto itself', 'b', 'b', 'STACK.REPARENT_ONTO_ITSELF'],
      ['onto its child', 'a', 'b', 'STACK.REPARENT_ONTO_DESCENDANT'],
      ['onto a deeper descendant', 'a', 'c', 'STACK.REPARENT_ONTO_DESCENDANT'],
      ['onto an untracked branch', 'b', 'stray', 'STACK.BRANCH_NOT_TRACKED'],
      ['an untracked branch', 'stray', 'x', 'STACK.BRANCH_NOT_TRACKED'],
    ])('given a move of %s', (_case, branch, parent, code) => {
      it(`then it is refused with ${code}`, () => {
        expect(codeOf(() => decideReparent(stack, branch, parent))).toBe(code);
      });
    });

    describe('given an untracked branch moved onto itself', () => {
      it('then the branch not being tracked is reported first', () => {
        expect(codeOf(() => decideReparent(stack, 'stray', 'stray'))).toBe(
          'STACK.BRANCH_NOT_TRACKED',
        );
      });
    });
  });

  describe('reparentedStack', () => {
    const moveBOntoX: BranchReparented = {
      type: 'BranchReparented',
      data: { branch: 'b', from: 'a', to: 'x' },
    };
    const factsOfB = (f: Partial<BranchFacts>): BranchFacts => ({
      head: 'b-head',
      mergeBase: 'a-head',
      recordedBaseUsable: false,
      ...f,
    });

    describe('given a branch still on its old parent', () => {
      describe('when it moves', () => {
        const moved = reparentedStack(stack, moveBOntoX, factsOfB({}));

        it('then it sits on the new parent, based where it met the old one', () => {
          expect(moved.branches.get('b')).toEqual({
            name: 'b',
            parent: 'x',
            baseSha: 'a-head',
          });
        });

        it('then the rest of the stack is untouched', () => {
          expect(moved.branches.get('c')).toEqual(stack.branches.get('c'));
          expect(stack.branches.get('b')?.parent).toBe('a');
        });
      });
    });

    describe('given a branch whose old parent was rewritten since', () => {
      describe('when it moves', () => {
        it('then it keeps its recorded base, where its own commits start', () => {
          const moved = reparentedStack(
            stack,
            moveBOntoX,
            factsOfB({ mergeBase: 'main-head', recordedBaseUsable: true }),
          );
          expect(moved.branches.get('b')?.baseSha).toBe('base-of-b');
        });
      });
    });
  });
});
