import {
  childrenOf,
  isInSubtree,
  parentFirstOrder,
  subtreeOf,
} from '../../../src/domain/stack/stack';
import { aStack } from '../../builders/stack.builders';

describe('stack', () => {
  const stack = aStack({ c: 'b', b: 'a', a: 'main', x: 'main', d: 'b' });

  it('orders every branch after its parent, deterministically', () => {
    expect(parentFirstOrder(stack)).toEqual(['a', 'b', 'c', 'd', 'x']);
    expect(parentFirstOrder(stack, ['d', 'a'])).toEqual(['a', 'd']);
  });

  it('finds children and subtrees', () => {
    expect(childrenOf(stack, 'b')).toEqual(['c', 'd']);
    expect(childrenOf(stack, 'main')).toEqual(['a', 'x']);
    expect(subtreeOf(stack, 'b')).toEqual(['b', 'c', 'd']);
    expect(subtreeOf(stack, 'x')).toEqual(['x']);
  });

  it('knows what lies above a branch', () => {
    expect(isInSubtree(stack, 'a', 'c')).toBe(true);
    expect(isInSubtree(stack, 'c', 'a')).toBe(false);
    expect(isInSubtree(stack, 'main', 'd')).toBe(true);
    expect(isInSubtree(stack, 'x', 'x')).toBe(true);
  });

  it('rejects a cycle with a code', () => {
    expect(() => parentFirstOrder(aStack({ a: 'b', b: 'a' }))).toThrow(
      expect.objectContaining({ code: 'STACK.CYCLE' }) as Error,
    );
    expect(isInSubtree(aStack({ a: 'b', b: 'a' }), 'main', 'a')).toBe(false);
  });

  it('rejects an unknown parent with a code', () => {
    expect(() => parentFirstOrder(aStack({ a: 'ghost' }))).toThrow(
      expect.objectContaining({ code: 'STACK.UNKNOWN_PARENT' }) as Error,
    );
  });

  it('refuses a subtree of an untracked branch', () => {
    expect(() => subtreeOf(stack, 'nope')).toThrow(
      expect.objectContaining({ code: 'STACK.BRANCH_NOT_TRACKED' }) as Error,
    );
  });
});
