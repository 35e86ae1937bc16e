import { ConflictError } from '../domain-error';
import type { ExecutionPlan } from '../events/job.events';
import type { BranchTracked } from '../events/repo.events';
import { assertNotOwnParent, requireParentCandidate } from './parent.rules';
import { parentFirstOrder, type Stack } from './stack';

/**
 * A request to track `name` when the stack may know it already. Undefined when `name` is
 * neither trunk nor tracked: the request goes on to track it. A branch tracked on the parent
 * the request names (or on any parent when it names none) is what the request asks for, so it
 * succeeds with nothing to do: a client's retry of a register that went through must not
 * fail. Trunk, or a branch tracked on another parent, is refused with `STACK.ALREADY_TRACKED`:
 * moving a branch is a reparent, not a register.
 */
export function trackedAlready(
  stack: Stack,
  name: string,
  requestedParent: string | undefined,
): ExecutionPlan | undefined {
  const branch = stack.branches.get(name);
  if (name !== stack.trunk && !branch) return undefined;
  if (
    branch &&
    (requestedParent === undefined || requestedParent === branch.parent)
  ) {
    return {
      moves: [],
      events: [],
      changed: [],
      summary: `${name} is tracked on ${branch.parent} already`,
    };
  }
  throw new ConflictError(
    'STACK.ALREADY_TRACKED',
    `Branch ${name} is already tracked`,
    {
      branch: name,
      ...(branch ? { parent: branch.parent } : {}),
      ...(requestedParent !== undefined ? { requestedParent } : {}),
    },
  );
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
