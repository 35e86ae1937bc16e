import {
  assertNotOwnParent,
  requireParentCandidate,
} from '../../../src/domain/stack/parent.rules';
import { aStack } from '../../builders/stack.builders';

describe('parent rules', () => {
  describe('given a branch and a parent', () => {
    describe('when the parent is the branch itself', () => {
      it('then it is refused as its own parent', () => {
        expect(() => assertNotOwnParent('a', 'a')).toThrow(
          expect.objectContaining({
            code: 'STACK.REPARENT_ONTO_ITSELF',
            kind: 'validation',
          }) as Error,
        );
      });
    });

    describe('when the parent is another branch', () => {
      it('then it is accepted', () => {
        expect(() => assertNotOwnParent('a', 'b')).not.toThrow();
      });
    });
  });

  describe('given a stack with a tracked on main', () => {
    const stack = aStack({ a: 'main' });

    describe('when the candidate parent is trunk or a tracked branch', () => {
      it('then it may carry branches', () => {
        expect(() => requireParentCandidate(stack, 'main')).not.toThrow();
        expect(() => requireParentCandidate(stack, 'a')).not.toThrow();
      });
    });

    describe('when the candidate parent is not tracked', () => {
      it('then it is refused as not tracked', () => {
        expect(() => requireParentCandidate(stack, 'stray')).toThrow(
          expect.objectContaining({
            code: 'STACK.BRANCH_NOT_TRACKED',
          }) as Error,
        );
      });
    });
  });
});
