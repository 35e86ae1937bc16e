import { ConflictError } from '../domain-error';
import type { ExecutionPlan } from '../events/job.events';
import type { BranchTracked } from '../events/repo.events';
import { assertNotOwnParent, requireParentCandidate } from './parent.rules';
import { parentFirstOrder, type Stack } from './stack';

/** Throws `STACK.ALREADY_TRACKED` when `name` is trunk or tracked already. */
export function assertTrackable(stack: Stack, name: string): void {
  if (name === stack.trunk || stack.branches.has(name)) {
    throw new ConflictError(
      'STACK.ALREADY_TRACKED',
      `Branch ${name} is already tracked`,
      { branch: name },
    );
  }
}

/** The parent a request names for `name`, once checked: trunk or tracked, not itself. */
export function explicitTrackParent(
  stack: Stack,
  name: string,
  parent: string,
): string {
  assertNotOwnParent(name, parent);
  requireParentCandidate(stack, parent);
  return parent;
}

/**
 * The parent `name` gets when the request names none: the tracked branch whose head is met
 * first walking down from the branch's head, else trunk. `commits` are the branch's commits
 * above trunk, oldest first. When tracked branches share a head, the last in parent-first
 * order wins: a child over its parent.
 */
export function nearestTrackedAncestor(
  stack: Stack,
  heads: ReadonlyMap<string, string>,
  name: string,
  commits: readonly string[],
): string {
  const byHead = new Map<string, string>();
  for (const branch of parentFirstOrder(stack)) {
    const head = heads.get(branch);
    if (head && branch !== name) byHead.set(head, branch);
  }
  for (const commit of [...commits].reverse()) {
    const owner = byHead.get(commit);
    if (owner) return owner;
  }
  return stack.trunk;
}

/**
 * Tracking `name` on `parent`: one event, no ref moves. The branch is based where it meets
 * its parent; without a common commit, on the parent's head.
 */
export function planTrack(
  name: string,
  parent: string,
  parentHead: string,
  mergeBase: string | undefined,
): ExecutionPlan {
  const tracked: BranchTracked = {
    type: 'BranchTracked',
    data: { branch: name, parent, baseSha: mergeBase ?? parentHead },
  };
  return {
    moves: [],
    events: [tracked],
    changed: [],
    summary: `tracking ${name} on ${parent}`,
  };
}
