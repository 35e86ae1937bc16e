import type {
  BranchReparented,
  BranchUntracked,
  RepoEvent,
} from '../events/repo.events';
import type { GoneReason } from './gone-branch.decision';
import { parentFirstOrder, type Stack } from './stack';
import { evolveStack } from './stack.evolve';

/** The stack a sync leaves once gone branches are dropped, and the events that say so. */
export interface SyncPlan {
  stack: Stack;
  events: RepoEvent[];
}

/**
 * The parent `name` has once the `gone` branches are untracked: its nearest ancestor that is
 * not gone, else trunk. A sync asks this parent-first, so that the facts of a branch are
 * gathered against the parent it will really have.
 */
export function survivingParent(
  stack: Stack,
  name: string,
  gone: ReadonlyMap<string, GoneReason>,
): string {
  let parent = stack.branches.get(name)?.parent ?? stack.trunk;
  // At most one step per tracked branch, so a cycle of gone branches cannot hold us here.
  for (let steps = 0; gone.has(parent) && steps < stack.branches.size; steps++)
    parent = stack.branches.get(parent)?.parent ?? stack.trunk;
  return gone.has(parent) ? stack.trunk : parent;
}

/**
 * Untracks the `gone` branches, parent-first. Before a branch goes, its children move down to
 * its own parent and keep their recorded base, so that a restack replays only their own
 * commits, not those of the branch that went.
 */
export function planSync(
  stack: Stack,
  gone: ReadonlyMap<string, GoneReason>,
): SyncPlan {
  const events: RepoEvent[] = [];
  let current = stack;
  for (const name of parentFirstOrder(stack, gone.keys())) {
    const branch = current.branches.get(name)!;
    for (const child of [...current.branches.values()].filter(
      (b) => b.parent === name,
    )) {
      const moved: BranchReparented = {
        type: 'BranchReparented',
        data: { branch: child.name, from: name, to: branch.parent },
      };
      events.push(moved);
      current = evolveStack(current, moved);
    }
    const untracked: BranchUntracked = {
      type: 'BranchUntracked',
      data: { branch: name, reason: gone.get(name)! },
    };
    events.push(untracked);
    current = evolveStack(current, untracked);
  }
  return { stack: current, events };
}

/** How a sync reads in the job's summary. */
export function syncSummary(untracked: number, restacked: number): string {
  return `synced: ${untracked} branch(es) untracked, ${restacked} restacked`;
}
