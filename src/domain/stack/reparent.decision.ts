import { ConflictError } from '../domain-error';
import type { BranchReparented } from '../events/repo.events';
import { assertNotOwnParent, requireParentCandidate } from './parent.rules';
import { type BranchFacts, ownBase } from './restack-planner';
import { isInSubtree, requireTracked, type Stack } from './stack';
import { evolveStack } from './stack.evolve';

/**
 * Whether `name` may move onto `to`, and the event that records the move. The branch must be
 * tracked, and its new parent must be trunk or tracked, other than itself, and not stacked on
 * it (the stack would become a cycle).
 */
export function decideReparent(
  stack: Stack,
  name: string,
  to: string,
): BranchReparented {
  const branch = requireTracked(stack, name);
  assertNotOwnParent(name, to);
  requireParentCandidate(stack, to);
  if (isInSubtree(stack, name, to)) {
    throw new ConflictError(
      'STACK.REPARENT_ONTO_DESCENDANT',
      `${name} cannot move onto ${to}, which is stacked on it`,
      { branch: name, parent: to },
    );
  }
  return {
    type: 'BranchReparented',
    data: { branch: name, from: branch.parent, to },
  };
}

/**
 * The stack to restack once `event` moved a branch: the branch sits on its new parent, based
 * where its own commits start on the old one (`facts` are against the old parent), so that
 * the restack replays its own commits only and leaves the old parent's behind.
 */
export function reparentedStack(
  stack: Stack,
  event: BranchReparented,
  facts: BranchFacts,
): Stack {
  const name = event.data.branch;
  const before = requireTracked(stack, name);
  const moved = evolveStack(stack, event);
  const branches = new Map(moved.branches).set(name, {
    ...requireTracked(moved, name),
    baseSha: ownBase(before, facts),
  });
  return { ...moved, branches };
}
