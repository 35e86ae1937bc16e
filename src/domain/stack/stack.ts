import { ConflictError, ValidationError } from '../domain-error';

/** A branch the stack tracks: its parent branch and the parent's head when last stacked. */
export interface TrackedBranch {
  name: string;
  parent: string;
  /** The parent's head when this branch was last tracked or restacked onto it. */
  baseSha: string;
}

/** A repository's stack: the trunk and the tracked branches above it. */
export interface Stack {
  trunk: string;
  branches: ReadonlyMap<string, TrackedBranch>;
}

export class StackError extends ValidationError {}

/** Tracked children of `name`, sorted by name so that every plan is deterministic. */
export function childrenOf(stack: Stack, name: string): string[] {
  const children: string[] = [];
  for (const b of stack.branches.values())
    if (b.parent === name) children.push(b.name);
  return children.sort();
}

/**
 * Tracked branches in parent-first order: every branch after its parent. Limited to `only`
 * when given. Throws `STACK.UNKNOWN_PARENT` for a parent that is neither trunk nor tracked, and
 * `STACK.CYCLE` for a loop of parents.
 */
export function parentFirstOrder(
  stack: Stack,
  only?: Iterable<string>,
): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      throw new StackError(
        'STACK.CYCLE',
        `Branches form a cycle: ${[...path, name].join(' -> ')}`,
      );
    }
    const branch = stack.branches.get(name)!;
    state.set(name, 'visiting');
    if (branch.parent !== stack.trunk) {
      if (!stack.branches.has(branch.parent)) {
        throw new StackError(
          'STACK.UNKNOWN_PARENT',
          `Branch ${name} has parent ${branch.parent}, which is neither trunk nor tracked`,
          { branch: name, parent: branch.parent },
        );
      }
      visit(branch.parent, [...path, name]);
    }
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of [...stack.branches.keys()].sort()) visit(name, []);
  if (only === undefined) return order;
  const wanted = new Set(only);
  return order.filter((name) => wanted.has(name));
}

/** `name` and everything stacked on it, parent-first. */
export function subtreeOf(stack: Stack, name: string): string[] {
  requireTracked(stack, name);
  const members = new Set([name]);
  for (const b of parentFirstOrder(stack)) {
    if (members.has(stack.branches.get(b)!.parent)) members.add(b);
  }
  return parentFirstOrder(stack, members);
}

export function requireTracked(stack: Stack, name: string): TrackedBranch {
  const branch = stack.branches.get(name);
  if (!branch) {
    throw new ConflictError(
      'STACK.BRANCH_NOT_TRACKED',
      `Branch ${name} is not tracked`,
      {
        branch: name,
      },
    );
  }
  return branch;
}

/** Whether `candidate` is `name` itself or stacked (directly or not) on it. */
export function isInSubtree(
  stack: Stack,
  name: string,
  candidate: string,
): boolean {
  let at: string | undefined = candidate;
  // At most one step per tracked branch, so a cycle cannot hold us here.
  for (
    let steps = 0;
    at !== undefined && steps <= stack.branches.size;
    steps++
  ) {
    if (at === name) return true;
    at = stack.branches.get(at)?.parent;
  }
  return false;
}
