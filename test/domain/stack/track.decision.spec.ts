import {
  explicitTrackParent,
  nearestTrackedAncestor,
  planTrack,
  trackedAlready,
} from '../../../src/domain/stack/track.decision';
import { aStack } from '../../builders/stack.builders';

const codeOf = (act: () => unknown): string | undefined => {
  try {
    act();
    return undefined;
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('track decision', () => {
  // main <- a <- b, and main <- x
  const stack = aStack({ a: 'main', b: 'a', x: 'main' });

  describe('trackedAlready', () => {
    describe('given a branch the stack does not know', () => {
      it('then the request goes on to track it', () => {
        expect(trackedAlready(stack, 'new', undefined)).toBeUndefined();
        expect(trackedAlready(stack, 'new', 'a')).toBeUndefined();
      });
    });

    describe('given a branch tracked on the parent the request names', () => {
      it('then it succeeds with nothing to do, so that a retry cannot fail', () => {
        expect(trackedAlready(stack, 'b', 'a')).toEqual({
          moves: [],
          events: [],
          changed: [],
          summary: 'b is tracked on a already',
        });
      });
    });

    describe('given a tracked branch and a request that names no parent', () => {
      it('then it succeeds with nothing to do, whatever its parent', () => {
        expect(trackedAlready(stack, 'b', undefined)?.events).toEqual([]);
        expect(trackedAlready(stack, 'x', undefined)?.moves).toEqual([]);
      });
    });

    describe('given a branch tracked on another parent than the request names', () => {
      it('then it is refused as already tracked, with both parents', () => {
        expect(codeOf(() => trackedAlready(stack, 'b', 'main'))).toBe(
          'STACK.ALREADY_TRACKED',
        );
        expect(() => trackedAlready(stack, 'b', 'x')).toThrow(
          expect.objectContaining({
            details: { branch: 'b', parent: 'a', requestedParent: 'x' },
          }) as Error,
        );
      });
    });

    describe.each([undefined, 'a'])(
      'given the trunk, with parent %s',
      (parent) => {
        it('then it is refused as already tracked', () => {
          expect(codeOf(() => trackedAlready(stack, 'main', parent))).toBe(
            'STACK.ALREADY_TRACKED',
          );
        });
      },
    );
  });

  describe('explicitTrackParent', () => {
    describe('given a tracked parent or trunk', () => {
      it('then that parent is used', () => {
        expect(explicitTrackParent(stack, 'new', 'b')).toBe('b');
        expect(explicitTrackParent(stack, 'new', 'main')).toBe('main');
      });
    });

    describe('given the branch itself as parent', () => {
      it('then it is refused as its own parent', () => {
        expect(codeOf(() => explicitTrackParent(stack, 'new', 'new'))).toBe(
          'STACK.REPARENT_ONTO_ITSELF',
        );
      });
    });

    describe('given an untracked parent', () => {
      it('then it is refused as not tracked', () => {
        expect(codeOf(() => explicitTrackParent(stack, 'new', 'stray'))).toBe(
          'STACK.BRANCH_NOT_TRACKED',
        );
      });
    });
  });

  describe('nearestTrackedAncestor', () => {
    const heads = new Map([
      ['main', 'm1'],
      ['a', 'a2'],
      ['b', 'b1'],
      ['x', 'x1'],
    ]);

    describe('given commits above trunk that pass through a and then b', () => {
      it('then the branch goes on b, the nearest one', () => {
        expect(
          nearestTrackedAncestor(stack, heads, 'new', ['a1', 'a2', 'b1', 'n1']),
        ).toBe('b');
      });
    });

    describe('given commits above trunk that pass through a only', () => {
      it('then the branch goes on a', () => {
        expect(
          nearestTrackedAncestor(stack, heads, 'new', ['a1', 'a2', 'n1']),
        ).toBe('a');
      });
    });

    describe('given commits that meet no tracked head', () => {
      it('then the branch goes on trunk', () => {
        expect(nearestTrackedAncestor(stack, heads, 'new', ['n1'])).toBe(
          'main',
        );
        expect(nearestTrackedAncestor(stack, heads, 'new', [])).toBe('main');
      });
    });

    describe('given a parent and its child at the same head', () => {
      it('then the branch goes on the child', () => {
        const sameHead = new Map([...heads, ['b', 'a2']]);
        expect(
          nearestTrackedAncestor(stack, sameHead, 'new', ['a1', 'a2', 'n1']),
        ).toBe('b');
      });
    });

    describe("given the branch's own head among the tracked heads", () => {
      it('then the branch is not its own ancestor', () => {
        const tracked = aStack({ a: 'main', self: 'a' });
        const withSelf = new Map([...heads, ['self', 'n1']]);
        expect(
          nearestTrackedAncestor(tracked, withSelf, 'self', ['a2', 'n1']),
        ).toBe('a');
      });
    });
  });

  describe('planTrack', () => {
    describe('given a branch that meets its parent at a merge-base', () => {
      it('then it is tracked on that base, with nothing to move', () => {
        expect(planTrack('new', 'a', 'a2', 'a1')).toEqual({
          moves: [],
          events: [
            {
              type: 'BranchTracked',
              data: { branch: 'new', parent: 'a', baseSha: 'a1' },
            },
          ],
          changed: [],
          summary: 'tracking new on a',
        });
      });
    });

    describe('given a branch with no commit in common with its parent', () => {
      it("then it is based on the parent's head", () => {
        expect(planTrack('new', 'a', 'a2', undefined).events).toEqual([
          {
            type: 'BranchTracked',
            data: { branch: 'new', parent: 'a', baseSha: 'a2' },
          },
        ]);
      });
    });
  });
});
